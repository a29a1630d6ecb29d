//! What the insights page reads: the summaries and routings of a stretch of weeks, the
//! deflections, names, the rotation's size and the coverage matrix of the concentration window.

use super::{Context, Error};
use crate::db::{DbConnection, catalog, knowledge, metrics as store, read_transaction, rotation, users};
use crate::domain::UserId;
use crate::domain::metrics::RequestSummary;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

pub struct InsightsData {
    pub summaries: Vec<RequestSummary>,
    pub routings: Vec<(DateTime<Utc>, UserId)>,
    pub deflected: Vec<DateTime<Utc>>,
    pub people: HashMap<i64, String>,
    pub categories: BTreeMap<i64, String>,
    pub rotation_size: usize,
    /// Category → handler → resolved requests, over the window.
    pub matrix: BTreeMap<i64, BTreeMap<i64, usize>>,
}

/// Everything for the weeks in `[start, end)` and the concentration `window`, in one read.
pub fn load(
    conn: &mut DbConnection,
    ctx: &Context,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<InsightsData, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    read_transaction(conn, |conn| {
        Ok(InsightsData {
            summaries: store::summaries(conn, start, end)?.into_iter().map(|(s, _)| s).collect(),
            routings: store::routings(conn, start, end)?,
            deflected: knowledge::deflected_between(conn, start, end)?,
            people: users::list(conn)?.into_iter().map(|u| (u.id.0, u.name)).collect(),
            categories: catalog::categories(conn)?.into_iter().map(|c| (c.id.0, c.name)).collect(),
            rotation_size: rotation::roster(conn, ctx.now)?.size_before(end),
            matrix: store::coverage(conn, window.0, window.1)?,
        })
    })
}
