//! Insights over several weeks: each week's figures (lead time, triage, intake, shielding,
//! deflection), knowledge concentration by category over the concentration window, and
//! arrivals by hour of the week. Computed here from the events, for the page and the API.

use super::{Context, Error};
use crate::db::{DbConnection, catalog, knowledge, read_transaction, rotation, users};
use crate::domain::metrics::{Concentration, IsoWeek, WeekFigures};
use crate::report::CONCENTRATION_WEEKS;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The most weeks one view covers.
pub const MAX_WEEKS: usize = 52;

pub struct Insights {
    /// Oldest first, ending with the current week.
    pub weeks: Vec<(IsoWeek, WeekFigures)>,
    /// Every category, by id.
    pub categories: BTreeMap<i64, String>,
    /// One per category, over the concentration window ending this week.
    pub concentration: Vec<Concentration>,
    /// Category → handler → resolved requests, over the same window.
    pub matrix: BTreeMap<i64, BTreeMap<i64, usize>>,
    /// Requests filed in the weeks shown, by local hour of the week (Monday 00–01 first).
    pub arrivals: Vec<usize>,
    pub people: HashMap<i64, String>,
}

impl Insights {
    pub fn name(&self, id: i64) -> String {
        self.people.get(&id).cloned().unwrap_or_else(|| super::names::unknown_user(id))
    }
}

/// The `count` weeks up to and including the current one (engineers).
pub fn insights(conn: &mut DbConnection, ctx: &Context, count: usize) -> Result<Insights, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    if !(1..=MAX_WEEKS).contains(&count) {
        return Err(Error::invalid("out_of_range", "weeks"));
    }
    let tz = ctx.team.timezone();
    let last = IsoWeek::containing(ctx.now, tz);
    let weeks = crate::report::weeks_ending(last, count);
    let (start, end) = (weeks[0].bounds(tz).0, last.bounds(tz).1);
    // The weeks shown and the silo window's weeks: finished ones come from what was kept, only
    // the current one is computed from the requests.
    let needed = crate::report::weeks_ending(last, count.max(CONCENTRATION_WEEKS as usize));
    let by_week: HashMap<IsoWeek, crate::db::metrics::KeptWeek> =
        needed.iter().copied().zip(crate::report::weeks_data(conn, &ctx.memo, &needed, &ctx.team, ctx.now)?).collect();
    let data: Vec<crate::db::metrics::KeptWeek> =
        weeks.iter().map(|w| by_week.get(w).cloned().unwrap_or_default()).collect();
    let matrix = crate::report::window_coverage(&by_week, last);
    read_transaction(conn, |conn| {
        let deflected: Vec<DateTime<Utc>> = knowledge::deflected_between(conn, start, end)?;
        let rotation_size = rotation::roster(conn, ctx.now)?.size_before(end);
        let categories: BTreeMap<i64, String> =
            catalog::categories(conn)?.into_iter().map(|c| (c.id.0, c.name)).collect();
        let figures = weeks
            .iter()
            .zip(&data)
            .map(|(w, kept)| (*w, kept.figures.clone().with_deflections(&deflected, w.bounds(tz))))
            .collect();
        let concentration = categories
            .keys()
            .map(|c| Concentration::of(*c, matrix.get(c).cloned().unwrap_or_default(), rotation_size))
            .collect();
        let mut arrivals = vec![0usize; 168];
        for kept in &data {
            for (slot, count) in arrivals.iter_mut().zip(&kept.arrivals) {
                *slot += count;
            }
        }
        Ok(Insights {
            weeks: figures,
            categories,
            concentration,
            matrix,
            arrivals,
            people: users::list(conn)?.into_iter().map(|u| (u.id.0, u.name)).collect(),
        })
    })
}
