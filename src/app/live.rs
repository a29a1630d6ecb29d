//! What open pages need to stay current without a reload: whether anything changed, and who
//! else is looking at a request. Read from the database, so it works across instances.

use super::{Context, Error};
use crate::db::notify as store;
use crate::db::{DbConnection, requests, users};
use crate::domain::RequestId;
use chrono::Duration;

/// How long a viewer counts as present after their page last checked in.
pub const PRESENCE_FOR: Duration = Duration::seconds(20);

/// A number that changes whenever anything happens to any request (for the queue).
pub fn queue_stamp(conn: &mut DbConnection, ctx: &Context) -> Result<i64, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    Ok(store::latest_event(conn)?)
}

/// A request page's check-in: its version now, the newest change (who, what) and who else is
/// looking at it. Records that the actor is.
pub struct Pulse {
    pub version: i32,
    /// The actor's name and the event kind of the newest change.
    pub last_change: Option<(String, &'static str)>,
    pub viewers: Vec<String>,
}

pub fn request_pulse(conn: &mut DbConnection, ctx: &Context, id: RequestId) -> Result<Pulse, Error> {
    let request = super::requests::readable(conn, ctx.actor, id)?;
    store::touch_presence(conn, ctx.actor.id.0, id.0, ctx.now)?;
    let others = store::present(conn, id.0, ctx.actor.id.0, ctx.now - PRESENCE_FOR)?;
    let viewers = users::by_ids(conn, &others)?.into_iter().filter(|u| u.role.is_engineer()).map(|u| u.name).collect();
    let last = requests::last_event(conn, id)?;
    let last_change = match last {
        Some(event) if ctx.actor.role.is_engineer() || event.kind.shown_to_requesters() => {
            let name = users::by_id(conn, event.actor)?.map(|u| u.name).unwrap_or_default();
            Some((name, event.kind.as_str()))
        }
        _ => None,
    };
    Ok(Pulse { version: request.version, last_change, viewers })
}
