//! CSV exports of requests and events (columns documented in docs/export.md). Cells that a
//! spreadsheet would run as a formula are neutralised.

use crate::db::models::{DeflectionRow, EventRow, RequestRow, utc};
use crate::db::schema::{deflections, events, requests, services, users};
use crate::db::{DbConnection, catalog};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

const CHUNK: i64 = 5_000;

pub const REQUEST_COLUMNS: [&str; 16] = [
    "id",
    "title",
    "category",
    "service",
    "tier",
    "urgency",
    "state",
    "requester_id",
    "requester",
    "owner_id",
    "owner",
    "duplicate_of",
    "created_at",
    "updated_at",
    "closed_at",
    "private",
];

pub const EVENT_COLUMNS: [&str; 16] = [
    "id",
    "request_id",
    "at",
    "kind",
    "actor_id",
    "actor",
    "actor_role",
    "actor_is_engineer",
    "from_state",
    "to_state",
    "owner_id",
    "target_id",
    "related_request_id",
    "goalkeeper_id",
    "request_version",
    "note",
];

pub const DEFLECTION_COLUMNS: [&str; 9] =
    ["id", "at", "requester_id", "requester", "answer_id", "answer_title", "title", "category", "goalkeeper_id"];

/// A cell a spreadsheet would read as a formula gets a leading apostrophe.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn time(at: chrono::NaiveDateTime) -> String {
    utc(at).to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn opt(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

struct Names {
    people: HashMap<i64, (String, bool)>,
    categories: HashMap<i64, String>,
    services: HashMap<i64, (String, String)>,
}

fn names(conn: &mut DbConnection) -> QueryResult<Names> {
    let people = users::table
        .select((users::id, users::name, users::role))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, role)| (id, (name, role != "requester")))
        .collect();
    let categories = catalog::categories(conn)?.into_iter().map(|c| (c.id.0, c.name)).collect();
    let services = services::table
        .select((services::id, services::name, services::tier))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, tier)| (id, (name, tier)))
        .collect();
    Ok(Names { people, categories, services })
}

fn write_row(out: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> anyhow::Result<()> {
    out.write_record(cells.iter().map(|c| neutralise(c)))?;
    Ok(())
}

/// The cells of each row, in the order of the columns, to a sink.
type Sink<'a> = dyn FnMut(&[String]) -> anyhow::Result<()> + 'a;

/// As CSV, with formula cells neutralised.
fn csv_export(columns: &[&str], rows: impl FnOnce(&mut Sink<'_>) -> anyhow::Result<()>) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns)?;
    rows(&mut |cells: &[String]| write_row(&mut out, cells))?;
    Ok(out.into_inner()?)
}

/// As a JSON array of objects keyed by column; empty cells are null.
fn json_export(columns: &[&str], rows: impl FnOnce(&mut Sink<'_>) -> anyhow::Result<()>) -> anyhow::Result<Vec<u8>> {
    let mut all = Vec::new();
    rows(&mut |cells: &[String]| {
        let object: serde_json::Map<String, serde_json::Value> = columns
            .iter()
            .zip(cells)
            .map(|(name, cell)| {
                let value =
                    if cell.is_empty() { serde_json::Value::Null } else { serde_json::Value::String(cell.clone()) };
                ((*name).to_owned(), value)
            })
            .collect();
        all.push(serde_json::Value::Object(object));
        Ok(())
    })?;
    Ok(serde_json::to_vec_pretty(&all)?)
}

/// Requests filed in `[from, to)`, oldest first.
pub fn requests_csv(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    csv_export(&REQUEST_COLUMNS, |sink| request_rows(conn, from, to, sink))
}

/// The same rows as [`requests_csv`], as JSON.
pub fn requests_json(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    json_export(&REQUEST_COLUMNS, |sink| request_rows(conn, from, to, sink))
}

/// Every event of the requests filed in `[from, to)`: their whole histories.
pub fn events_csv(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    csv_export(&EVENT_COLUMNS, |sink| event_rows(conn, from, to, sink))
}

/// The same rows as [`events_csv`], as JSON.
pub fn events_json(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    json_export(&EVENT_COLUMNS, |sink| event_rows(conn, from, to, sink))
}

fn request_rows(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    sink: &mut Sink<'_>,
) -> anyhow::Result<()> {
    let names = names(conn)?;
    let person = |id: i64| names.people.get(&id).map(|p| p.0.clone()).unwrap_or_default();
    let mut after = 0i64;
    loop {
        let rows: Vec<RequestRow> = requests::table
            .filter(requests::created_at.ge(from.naive_utc()))
            .filter(requests::created_at.lt(to.naive_utc()))
            .filter(requests::id.gt(after))
            .order(requests::id)
            .limit(CHUNK)
            .select(RequestRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            let (service, tier) = r.service_id.and_then(|s| names.services.get(&s)).cloned().unwrap_or_default();
            sink(&[
                r.id.to_string(),
                r.title,
                names.categories.get(&r.category_id).cloned().unwrap_or_default(),
                service,
                tier,
                r.urgency,
                r.state,
                r.requester_id.to_string(),
                person(r.requester_id),
                opt(r.owner_id),
                r.owner_id.map(person).unwrap_or_default(),
                opt(r.duplicate_of),
                time(r.created_at),
                time(r.updated_at),
                r.closed_at.map(time).unwrap_or_default(),
                r.private.to_string(),
            ])?;
        }
    }
    Ok(())
}

fn event_rows(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    sink: &mut Sink<'_>,
) -> anyhow::Result<()> {
    let names = names(conn)?;
    let mut after = 0i64;
    loop {
        let ids: Vec<i64> = requests::table
            .filter(requests::created_at.ge(from.naive_utc()))
            .filter(requests::created_at.lt(to.naive_utc()))
            .filter(requests::id.gt(after))
            .order(requests::id)
            .limit(CHUNK)
            .select(requests::id)
            .load(conn)?;
        let Some(last) = ids.last() else { break };
        after = *last;
        let rows: Vec<EventRow> = events::table
            .filter(events::request_id.eq_any(&ids))
            .order((events::request_id, events::id))
            .select(EventRow::as_select())
            .load(conn)?;
        for e in rows {
            let actor = names.people.get(&e.actor_id).map(|p| p.0.clone()).unwrap_or_default();
            // The role the actor had when the event happened, never today's.
            let engineer = crate::domain::Role::parse(&e.actor_role).is_ok_and(|r| r.is_engineer());
            sink(&[
                e.id.to_string(),
                e.request_id.to_string(),
                time(e.at),
                e.kind,
                e.actor_id.to_string(),
                actor,
                e.actor_role,
                engineer.to_string(),
                e.from_state.unwrap_or_default(),
                e.to_state,
                opt(e.owner_id),
                opt(e.target_id),
                opt(e.related_request_id),
                opt(e.goalkeeper_id),
                e.request_version.to_string(),
                e.note.unwrap_or_default(),
            ])?;
        }
    }
    Ok(())
}

/// The problems an answer solved before they were filed, in `[from, to)`.
pub fn deflections_csv(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    let names = names(conn)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(DEFLECTION_COLUMNS)?;
    let mut after = 0i64;
    loop {
        let rows: Vec<DeflectionRow> = deflections::table
            .filter(deflections::at.ge(from.naive_utc()))
            .filter(deflections::at.lt(to.naive_utc()))
            .filter(deflections::id.gt(after))
            .order(deflections::id)
            .limit(CHUNK)
            .select(DeflectionRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let answer_ids: Vec<i64> = rows.iter().map(|d| d.answer_id).collect();
        let answers: HashMap<i64, String> = requests::table
            .filter(requests::id.eq_any(&answer_ids))
            .select((requests::id, requests::title))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        for d in rows {
            write_row(
                &mut out,
                &[
                    d.id.to_string(),
                    time(d.at),
                    d.requester_id.to_string(),
                    names.people.get(&d.requester_id).map(|p| p.0.clone()).unwrap_or_default(),
                    d.answer_id.to_string(),
                    answers.get(&d.answer_id).cloned().unwrap_or_default(),
                    d.title,
                    d.category_id.and_then(|c| names.categories.get(&c)).cloned().unwrap_or_default(),
                    opt(d.goalkeeper_id),
                ],
            )?;
        }
    }
    Ok(out.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-1+1"), "'-1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain"), "plain");
        assert_eq!(neutralise(""), "");
    }
}
