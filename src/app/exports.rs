//! Exports of a period: requests, events and deflections, as CSV or JSON (columns in
//! docs/export.md), for engineers.

use super::{Context, Error};
use crate::db::DbConnection;
use crate::domain::rotation::local_instant;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Requests,
    Events,
    Deflections,
}

impl Kind {
    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "requests" => Some(Kind::Requests),
            "events" => Some(Kind::Events),
            "deflections" => Some(Kind::Deflections),
            _ => None,
        }
    }
}

/// `[from, to)` as instants for the days `from` to `to` (both included, `YYYY-MM-DD` in the
/// team's time zone); the defaults are the last 12 weeks up to today.
pub fn period(ctx: &Context, from: Option<&str>, to: Option<&str>) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
    let tz = ctx.team.timezone();
    let today = ctx.now.with_timezone(&tz).date_naive();
    let day = |raw: Option<&str>, default: NaiveDate, field: &'static str| -> Result<NaiveDate, Error> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(default),
            Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| Error::invalid("invalid", field)),
        }
    };
    let first = day(from, today - Duration::weeks(12), "from")?;
    let last = day(to, today, "to")?;
    if last < first {
        return Err(Error::invalid("invalid", "to"));
    }
    let midnight = |d: NaiveDate| local_instant(tz, d.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok((midnight(first), midnight(last + Duration::days(1))))
}

/// The export of one kind over a period, as CSV (`json` false) or JSON.
pub fn export(
    conn: &mut DbConnection,
    ctx: &Context,
    kind: Kind,
    period: (DateTime<Utc>, DateTime<Utc>),
    json: bool,
) -> Result<Vec<u8>, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    let (from, to) = period;
    let made = match (kind, json) {
        (Kind::Requests, false) => crate::export::requests_csv(conn, from, to),
        (Kind::Requests, true) => crate::export::requests_json(conn, from, to),
        (Kind::Events, false) => crate::export::events_csv(conn, from, to),
        (Kind::Events, true) => crate::export::events_json(conn, from, to),
        (Kind::Deflections, _) => crate::export::deflections_csv(conn, from, to),
    };
    made.map_err(|e| match e.downcast::<diesel::result::Error>() {
        Ok(db) => Error::Db(db),
        Err(other) => Error::Internal(other),
    })
}
