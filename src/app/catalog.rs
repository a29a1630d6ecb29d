//! Reading the catalog (categories, services) and people for clients.

use super::{Context, Error};
use crate::db::models::{Category, Service, User};
use crate::db::{DbConnection, catalog, users};

/// The categories a request can be filed under (not archived).
pub fn categories(conn: &mut DbConnection) -> Result<Vec<Category>, Error> {
    Ok(catalog::categories(conn)?.into_iter().filter(|c| !c.archived).collect())
}

/// The services a request can concern (not archived).
pub fn services(conn: &mut DbConnection) -> Result<Vec<Service>, Error> {
    Ok(catalog::services(conn)?.into_iter().filter(|s| !s.archived).collect())
}

/// The actor themselves.
pub fn me(conn: &mut DbConnection, ctx: &Context) -> Result<User, Error> {
    users::by_id(conn, ctx.actor.id)?.ok_or(Error::NotFound)
}

/// The enabled engineers (whom requests can be routed to).
pub fn engineers(conn: &mut DbConnection) -> Result<Vec<User>, Error> {
    Ok(users::engineers(conn)?)
}
