//! Reading histories for the metrics, and the handover notes.

use super::models::{naive, utc};
use super::schema::{events, handover_notes, requests, week_figures};
use super::{DbConnection, corrupt, write_transaction};
use crate::domain::metrics::{History, MetricEvent, RequestSummary};
use crate::domain::{CategoryId, EventKind, RequestId, Role, State, Tier, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Ids per query: well under SQLite's limit on bound parameters.
const CHUNK: usize = 5_000;

/// What the metrics read of each event.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct MetricEventRow {
    pub request_id: i64,
    pub kind: String,
    pub at: chrono::NaiveDateTime,
    pub actor_id: i64,
    pub actor_role: String,
    pub target_id: Option<i64>,
    pub goalkeeper_id: Option<i64>,
    pub related_request_id: Option<i64>,
}

impl MetricEventRow {
    /// The event as the metrics see it: whether its actor was an engineer is their role then.
    pub fn into_event(self) -> QueryResult<MetricEvent> {
        let role = Role::parse(&self.actor_role).map_err(|_| corrupt("role", &self.actor_role))?;
        Ok(MetricEvent {
            kind: EventKind::parse(&self.kind).map_err(|_| corrupt("event kind", &self.kind))?,
            at: utc(self.at),
            actor: UserId(self.actor_id),
            by_engineer: role.is_engineer(),
            target: self.target_id.map(UserId),
            goalkeeper: self.goalkeeper_id.map(UserId),
            related: self.related_request_id.map(RequestId),
        })
    }
}

/// The full histories of these requests.
pub fn histories(conn: &mut DbConnection, ids: &BTreeSet<i64>) -> QueryResult<Vec<History>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        type RequestFields = (i64, i64, Option<String>, String, chrono::NaiveDateTime);
        let rows: Vec<RequestFields> = requests::table
            .filter(requests::id.eq_any(chunk))
            .order(requests::id)
            .select((requests::id, requests::category_id, requests::filed_tier, requests::state, requests::created_at))
            .load(conn)?;
        let all_events: Vec<MetricEventRow> = events::table
            .filter(events::request_id.eq_any(chunk))
            .order((events::request_id, events::id))
            .select(MetricEventRow::as_select())
            .load(conn)?;
        let mut by_request: HashMap<i64, Vec<MetricEvent>> = HashMap::new();
        for row in all_events {
            by_request.entry(row.request_id).or_default().push(row.into_event()?);
        }
        for (id, category, filed_tier, state, created_at) in rows {
            let tier = filed_tier.map(|t| Tier::parse(&t).map_err(|_| corrupt("tier", &t))).transpose()?;
            out.push(History {
                id: RequestId(id),
                category: CategoryId(category),
                tier,
                state: State::parse(&state).map_err(|_| corrupt("state", &state))?,
                filed_at: utc(created_at),
                events: by_request.remove(&id).unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// The coverage matrix (category → handler → resolved requests) over a window, aggregated in
/// the database: the same definition as `domain::metrics::coverage` (requests resolved now,
/// counted by whoever performed their final resolution, when it falls in the window), without
/// loading every history. A test checks both agree.
pub fn coverage(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<std::collections::BTreeMap<i64, std::collections::BTreeMap<i64, usize>>> {
    // `closed_by` is the actor of the final close, written with it (see requests::apply).
    let rows: Vec<(i64, Option<i64>, i64)> = requests::table
        .filter(requests::closed_at.ge(naive(from)))
        .filter(requests::closed_at.lt(naive(to)))
        .filter(requests::state.eq(State::Resolved.as_str()))
        .group_by((requests::category_id, requests::closed_by))
        .select((requests::category_id, requests::closed_by, diesel::dsl::count_star()))
        .load(conn)?;
    let mut matrix: std::collections::BTreeMap<i64, std::collections::BTreeMap<i64, usize>> = Default::default();
    for (category, closer, count) in rows {
        if let Some(closer) = closer {
            matrix.entry(category).or_default().insert(closer, usize::try_from(count).unwrap_or(0));
        }
    }
    Ok(matrix)
}

/// The summaries of every request filed, closed or first triaged in `[from, to)`:
/// one row each, from the columns kept in step with the history.
#[derive(Queryable, Selectable)]
#[diesel(table_name = requests)]
struct SummaryRow {
    id: i64,
    category_id: i64,
    filed_tier: Option<String>,
    state: String,
    created_at: chrono::NaiveDateTime,
    closed_at: Option<chrono::NaiveDateTime>,
    closed_by: Option<i64>,
    first_response_at: Option<chrono::NaiveDateTime>,
    first_triage_at: Option<chrono::NaiveDateTime>,
    first_triage_goalkeeper: Option<i64>,
    close_goalkeeper: Option<i64>,
    duplicate_of: Option<i64>,
    routed: bool,
    reopened: bool,
}

pub fn summaries(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryResult<Vec<RequestSummary>> {
    let (from, to) = (naive(from), naive(to));
    // Only the columns the summary needs: descriptions are long and many rows are read.
    let rows: Vec<SummaryRow> = requests::table
        .filter(
            requests::created_at
                .ge(from)
                .and(requests::created_at.lt(to))
                .or(requests::closed_at.ge(from).and(requests::closed_at.lt(to)))
                .or(requests::first_triage_at.ge(from).and(requests::first_triage_at.lt(to))),
        )
        .select(SummaryRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let tier = r.filed_tier.as_deref().map(|t| Tier::parse(t).map_err(|_| corrupt("tier", t))).transpose()?;
            let state = State::parse(&r.state).map_err(|_| corrupt("state", &r.state))?;
            Ok(RequestSummary {
                id: RequestId(r.id),
                category: CategoryId(r.category_id),
                tier,
                state,
                filed_at: utc(r.created_at),
                first_response_at: r.first_response_at.map(utc),
                first_triage_at: r.first_triage_at.map(utc),
                first_triage_goalkeeper: r.first_triage_goalkeeper.map(UserId),
                closed_at: r.closed_at.filter(|_| state.is_final()).map(utc),
                closed_by: r.closed_by.map(UserId),
                close_goalkeeper: r.close_goalkeeper.map(UserId),
                duplicate_of: r.duplicate_of.map(RequestId),
                routed: r.routed,
                reopened: r.reopened,
            })
        })
        .collect()
}

/// Resolved requests of one category in a window, by who closed them (for routing advice).
pub fn category_coverage(
    conn: &mut DbConnection,
    category: CategoryId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<std::collections::BTreeMap<i64, usize>> {
    let rows: Vec<(Option<i64>, i64)> = requests::table
        .filter(requests::closed_at.ge(naive(from)))
        .filter(requests::closed_at.lt(naive(to)))
        .filter(requests::state.eq(State::Resolved.as_str()))
        .filter(requests::category_id.eq(category.0))
        .group_by(requests::closed_by)
        .select((requests::closed_by, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(closer, count)| closer.map(|c| (c, usize::try_from(count).unwrap_or(0))))
        .collect())
}

/// How many open requests each engineer owns now.
pub fn open_owned(conn: &mut DbConnection) -> QueryResult<HashMap<i64, usize>> {
    let open: Vec<&str> = State::OPEN.iter().map(|s| s.as_str()).collect();
    let rows: Vec<(Option<i64>, i64)> = requests::table
        .filter(requests::state.eq_any(open))
        .filter(requests::owner_id.is_not_null())
        .group_by(requests::owner_id)
        .select((requests::owner_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(owner, count)| owner.map(|o| (o, usize::try_from(count).unwrap_or(0)))).collect())
}

/// Records the silo advice shown with a routing, and whether it was followed.
pub fn record_routing_advice(
    conn: &mut DbConnection,
    request: RequestId,
    version: i32,
    advice: &crate::domain::metrics::RoutingAdvice,
    routed_to: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    use super::schema::routing_advice;
    write_transaction(conn, |conn| {
        diesel::insert_into(routing_advice::table)
            .values((
                routing_advice::request_id.eq(request.0),
                routing_advice::request_version.eq(version),
                routing_advice::expert_id.eq(advice.expert),
                routing_advice::suggested_id.eq(advice.suggested),
                routing_advice::routed_to.eq(routed_to.0),
                routing_advice::followed.eq(routed_to.0 != advice.expert),
                routing_advice::at.eq(naive(now)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// `events.kind = 'routed'`, the kind written into the SQL as a constant (see `one_of`): the
/// condition of the index of routings (`events_routed`).
fn is_routing() -> super::one_of::OneOf<events::kind> {
    super::one_of::OneOf::new(events::kind, [EventKind::Routed.as_str()])
}

/// Every routing in `[from, to)`: when, and to whom.
pub fn routings(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(DateTime<Utc>, UserId)>> {
    let rows: Vec<(chrono::NaiveDateTime, Option<i64>)> = events::table
        .filter(is_routing())
        .filter(events::at.ge(naive(from)))
        .filter(events::at.lt(naive(to)))
        .select((events::at, events::target_id))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(at, target)| target.map(|t| (utc(at), UserId(t)))).collect())
}

/// The handover notes of a week: text, who wrote them, when.
pub fn notes(conn: &mut DbConnection, week: &str) -> QueryResult<Option<(String, UserId, DateTime<Utc>)>> {
    let row: Option<(String, i64, chrono::NaiveDateTime)> = super::only(
        handover_notes::table
            .find(week)
            .select((handover_notes::body, handover_notes::updated_by, handover_notes::updated_at))
            .load(conn)?,
    );
    Ok(row.map(|(body, by, at)| (body, UserId(by), utc(at))))
}

pub fn save_notes(conn: &mut DbConnection, week: &str, body: &str, by: UserId, now: DateTime<Utc>) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        let changed = diesel::update(handover_notes::table.find(week))
            .set((
                handover_notes::body.eq(body),
                handover_notes::updated_by.eq(by.0),
                handover_notes::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(handover_notes::table)
                .values((
                    handover_notes::week.eq(week),
                    handover_notes::body.eq(body),
                    handover_notes::updated_by.eq(by.0),
                    handover_notes::updated_at.eq(naive(now)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The titles of the requests filed in `[from, to)` (the report's recurring topics).
pub fn titles_filed(conn: &mut DbConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryResult<Vec<String>> {
    requests::table
        .filter(requests::created_at.ge(naive(from)))
        .filter(requests::created_at.lt(naive(to)))
        .select(requests::title)
        .load(conn)
}

/// What is kept of a finished week: its figures (before deflections, which are added on every
/// read) and its arrivals by local hour of the week.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeptWeek {
    pub figures: crate::domain::metrics::WeekFigures,
    pub arrivals: Vec<usize>,
    /// Resolved requests closed in the week, by category and closer (the silo figures' input).
    pub coverage: std::collections::BTreeMap<i64, std::collections::BTreeMap<i64, usize>>,
}

/// The settings a week's figures depend on (time zone, office hours, holidays), as a short key.
pub fn settings_key(office: &crate::domain::office::OfficeHours) -> String {
    use sha2::Digest;
    let text = serde_json::to_string(office).unwrap_or_default();
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

const GENERATION: &str = "figures_generation";

fn generation(conn: &mut DbConnection, lock: bool) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let sql = if lock && matches!(conn, DbConnection::Pg(_)) {
        // Waits for a writer that is changing an old week to commit, then reads its number.
        "SELECT value FROM settings WHERE name = 'figures_generation' FOR UPDATE"
    } else {
        "SELECT value FROM settings WHERE name = 'figures_generation'"
    };
    let row: Option<Value> = diesel::sql_query(sql).get_result(conn).optional()?;
    Ok(row.and_then(|v| v.value.parse().ok()).unwrap_or(0))
}

/// The kept weeks among `weeks` for these settings, and the generation they were read at.
pub fn kept_weeks(
    conn: &mut DbConnection,
    key: &str,
    weeks: &[String],
) -> QueryResult<(i64, HashMap<String, KeptWeek>)> {
    let generation = generation(conn, false)?;
    let rows: Vec<(String, String)> = week_figures::table
        .filter(week_figures::settings_key.eq(key))
        .filter(week_figures::week.eq_any(weeks))
        .select((week_figures::week, week_figures::figures))
        .load(conn)?;
    // A row that no longer reads (an older shape) is computed again.
    let kept =
        rows.into_iter().filter_map(|(week, json)| serde_json::from_str(&json).ok().map(|k| (week, k))).collect();
    Ok((generation, kept))
}

/// A finished week to keep: its name, its bounds, and what was computed.
pub type WeekToKeep = (String, (DateTime<Utc>, DateTime<Utc>), KeptWeek);

/// Keeps finished weeks computed from a snapshot taken at `seen_generation`, unless a change to
/// an old week happened since (then nothing is kept; the next read computes again).
pub fn keep_weeks(
    conn: &mut DbConnection,
    key: &str,
    seen_generation: i64,
    weeks: &[WeekToKeep],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        if generation(conn, true)? != seen_generation {
            return Ok(false);
        }
        for (week, (from, to), kept) in weeks {
            let json = serde_json::to_string(kept).map_err(|e| corrupt("week figures", &e.to_string()))?;
            // Another reader may have kept the same week meanwhile: the newest computation wins.
            diesel::delete(
                week_figures::table.filter(week_figures::week.eq(week)).filter(week_figures::settings_key.eq(key)),
            )
            .execute(conn)?;
            diesel::insert_into(week_figures::table)
                .values((
                    week_figures::week.eq(week),
                    week_figures::settings_key.eq(key),
                    week_figures::starts_at.eq(naive(*from)),
                    week_figures::ends_at.eq(naive(*to)),
                    week_figures::figures.eq(json),
                    week_figures::computed_at.eq(naive(now)),
                ))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// Forgets the kept weeks containing these moments (a request summary changed there), in the
/// caller's transaction. A moment older than the event itself may lie in a finished week that a
/// reader is computing right now: the generation moves on so that reader does not keep it. (A
/// new request touches only the present, so filing never waits on this.)
pub fn forget_weeks(conn: &mut DbConnection, moments: &[DateTime<Utc>], event_at: DateTime<Utc>) -> QueryResult<()> {
    let old: Vec<DateTime<Utc>> = moments.iter().copied().filter(|m| *m < event_at).collect();
    if old.is_empty() {
        return Ok(());
    }
    for moment in &old {
        diesel::delete(
            week_figures::table
                .filter(week_figures::starts_at.le(naive(*moment)))
                .filter(week_figures::ends_at.gt(naive(*moment))),
        )
        .execute(conn)?;
    }
    diesel::sql_query(format!(
        "UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = '{GENERATION}'"
    ))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod routing_condition_tests {
    use super::*;

    /// The planners use `events_routed` only for a condition written as its own.
    #[test]
    fn routings_are_read_with_the_routing_index_condition() {
        assert_eq!(EventKind::Routed.as_str(), "routed");
        let query = events::table.filter(is_routing()).select(events::id);
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
        assert!(sql.contains("`kind` = 'routed'"), "{sql}");
        for backend in ["sqlite", "postgres"] {
            let path =
                format!("{}/migrations/{backend}/2026-12-01-000026_partial_indexes/up.sql", env!("CARGO_MANIFEST_DIR"));
            let up = std::fs::read_to_string(path).unwrap_or_default();
            assert!(up.contains("ON events (at) WHERE kind = 'routed'"), "{backend}: {up}");
        }
    }
}
