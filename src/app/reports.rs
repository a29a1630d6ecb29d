//! The weekly handover report and its notes.

use super::{Context, Error};
use crate::db::DbConnection;
use crate::domain::Note;
use crate::domain::metrics::IsoWeek;
use crate::report::{self, WeeklyReport};

fn engineers_only(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_engineer() { Ok(()) } else { Err(Error::Forbidden { code: "engineers_only" }) }
}

/// The report of `week` as of now.
pub fn weekly(conn: &mut DbConnection, ctx: &Context, week: IsoWeek) -> Result<WeeklyReport, Error> {
    engineers_only(ctx)?;
    Ok(report::weekly(conn, &ctx.memo, week, &ctx.team, ctx.now)?)
}

/// Saves the handover notes of `week`: its goalkeeper (who kept goal longest) or an admin.
/// Empty text clears them.
pub fn save_notes(conn: &mut DbConnection, ctx: &Context, week: IsoWeek, text: &str) -> Result<(), Error> {
    let current = weekly(conn, ctx, week)?;
    if !report::may_write_notes(&current, ctx.actor.id, ctx.actor.role.is_admin()) {
        return Err(Error::Forbidden { code: "not_the_goalkeeper" });
    }
    let text = if text.trim().is_empty() {
        String::new()
    } else {
        Note::parse(text).map_err(|e| Error::value("notes", e))?.into_string()
    };
    Ok(crate::db::metrics::save_notes(conn, &week.to_string(), &text, ctx.actor.id, ctx.now)?)
}

/// What the incoming goalkeeper should read first: the notes of the week before their stretch
/// began, in the first days of it.
pub struct Handover {
    pub week: IsoWeek,
    pub by: String,
}

/// How long after taking over the queue points at the outgoing goalkeeper's notes.
const HANDOVER_REMINDER: chrono::Duration = chrono::Duration::days(2);

/// The handover notes to point `ctx`'s actor at, from the rota already read.
pub fn handover_for(
    conn: &mut DbConnection,
    ctx: &Context,
    roster: &crate::domain::rotation::Roster,
) -> Result<Option<Handover>, Error> {
    let Some(shift) = roster.scheduled_shift(ctx.now).filter(|s| s.engineer == ctx.actor.id) else {
        return Ok(None);
    };
    if ctx.now - shift.start > HANDOVER_REMINDER {
        return Ok(None);
    }
    // The outgoing stretch's middle: its notes belong to the week it mostly fell in.
    let week = IsoWeek::containing(shift.start - chrono::Duration::hours(84), ctx.team.timezone());
    let Some((_, by, _)) = crate::db::metrics::notes(conn, &week.to_string())? else { return Ok(None) };
    if by == ctx.actor.id {
        return Ok(None);
    }
    let by = crate::db::users::by_id(conn, by)?.map_or_else(|| super::names::unknown_user(by), |u| u.name);
    Ok(Some(Handover { week, by }))
}
