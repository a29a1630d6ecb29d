//! Saved queue views: an engineer's own named filters.

use super::{Context, Error};
use crate::db::views;
pub use crate::db::views::SavedView;
use crate::db::{DbConnection, write_transaction};
use crate::domain::ViewName;

/// The most views one person keeps.
pub const MAX_VIEWS: usize = 30;
/// The longest query string a view keeps.
const MAX_QUERY: usize = 1_000;

fn engineers_only(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_engineer() { Ok(()) } else { Err(Error::Forbidden { code: "engineers_only" }) }
}

pub fn list(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<SavedView>, Error> {
    engineers_only(ctx)?;
    Ok(views::list(conn, ctx.actor.id)?)
}

/// Saves the queue's current filters (`query`, as the queue wrote it) under a name.
pub fn save(conn: &mut DbConnection, ctx: &Context, name: &str, query: &str) -> Result<SavedView, Error> {
    engineers_only(ctx)?;
    let name = ViewName::parse(name).map_err(|e| Error::value("name", e))?;
    if query.is_empty() {
        return Err(Error::invalid("empty", "query"));
    }
    if query.len() > MAX_QUERY || query.chars().any(char::is_control) {
        return Err(Error::invalid("invalid", "query"));
    }
    write_transaction(conn, |conn| {
        if views::list(conn, ctx.actor.id)?.len() >= MAX_VIEWS {
            return Err(Error::invalid("too_many", "name"));
        }
        let id =
            views::save(conn, ctx.actor.id, name.as_str(), query, ctx.now)?.ok_or(Error::invalid("taken", "name"))?;
        Ok(SavedView { id, name: name.into_string(), query: query.to_owned() })
    })
}

pub fn delete(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<(), Error> {
    engineers_only(ctx)?;
    if write_transaction(conn, |conn| views::delete(conn, ctx.actor.id, id))? { Ok(()) } else { Err(Error::NotFound) }
}
