//! The team's own gauges for `/metrics`: what is open, what is overdue, how long the oldest
//! untriaged request has waited.

use super::{Context, Error};
use crate::db::{DbConnection, catalog, read_transaction, requests};
use crate::domain::{ServiceId, State, Tier};
use std::collections::HashMap;

pub struct TeamGauges {
    /// (state, tier or `none`, count) for every open state and tier, zeros included.
    pub open: Vec<(&'static str, &'static str, i64)>,
    /// Untriaged requests past their tier's triage target (office time).
    pub overdue: i64,
    /// Seconds the oldest untriaged request has waited (calendar time); 0 when none waits.
    pub oldest_untriaged_seconds: i64,
}

pub fn team_gauges(conn: &mut DbConnection, ctx: &Context) -> Result<TeamGauges, Error> {
    read_transaction(conn, |conn| {
        let tiers: HashMap<ServiceId, Tier> = catalog::services(conn)?.into_iter().map(|s| (s.id, s.tier)).collect();
        let tier_of = |service: Option<ServiceId>| service.and_then(|s| tiers.get(&s).copied());
        let label = |tier: Option<Tier>| tier.map(Tier::as_str).unwrap_or("none");
        let mut open: Vec<(&'static str, &'static str, i64)> = Vec::new();
        for state in State::OPEN {
            for tier in [Some(Tier::Critical), Some(Tier::Important), Some(Tier::CanWait), None] {
                open.push((state.as_str(), label(tier), 0));
            }
        }
        for (state, service, count) in requests::open_counts(conn)? {
            let tier = label(tier_of(service));
            if let Some(slot) = open.iter_mut().find(|(s, t, _)| *s == state.as_str() && *t == tier) {
                slot.2 += count;
            }
        }
        let waiting = requests::untriaged(conn)?;
        let overdue =
            waiting.iter().filter(|(filed, service)| ctx.team.overdue(tier_of(*service), *filed, ctx.now)).count();
        let oldest = waiting.iter().map(|(filed, _)| *filed).min();
        Ok(TeamGauges {
            open,
            overdue: i64::try_from(overdue).unwrap_or(i64::MAX),
            oldest_untriaged_seconds: oldest.map(|at| (ctx.now - at).num_seconds().max(0)).unwrap_or(0),
        })
    })
}
