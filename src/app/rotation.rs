//! Who keeps goal now, next, and in the weeks ahead.

use super::names::Directory;
use super::{Context, Error};
use crate::db::{DbConnection, read_transaction, rotation};
use crate::domain::rotation::Shift;
use chrono::Duration;

pub struct Overview {
    pub now: Option<Shift>,
    pub next: Option<Shift>,
    /// The stretches of duty from now on, overrides applied.
    pub ahead: Vec<Shift>,
    pub names: Directory,
}

/// The rota from now over `weeks` weeks.
pub fn overview(conn: &mut DbConnection, ctx: &Context, weeks: i64) -> Result<Overview, Error> {
    read_transaction(conn, |conn| {
        let roster = rotation::roster(conn, ctx.now)?;
        let ahead = roster.schedule(ctx.now, ctx.now + Duration::weeks(weeks));
        let now = roster.shift_at(ctx.now);
        let next = match &now {
            Some(current) => roster.shift_at(current.end),
            None => ahead.first().cloned(),
        };
        let people = ahead.iter().flat_map(|s| [Some(s.engineer), s.scheduled]).flatten();
        let names = Directory::load(conn, people)?;
        Ok(Overview { now, next, ahead, names })
    })
}
