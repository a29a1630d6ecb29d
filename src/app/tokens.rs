//! Personal access tokens: create, list, revoke, and who holds a presented one.

use super::{Context, Error};
use crate::db::DbConnection;
use crate::db::tokens::{self as store, Bearer, NewToken, Scope, TokenInfo};
use chrono::{DateTime, Duration, Utc};

/// The longest token name.
pub const MAX_NAME: usize = 100;

/// A new token for the actor; the returned secret is shown once and never stored.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    name: &str,
    scope: &str,
    expires_in_days: Option<i64>,
) -> Result<(i64, String), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::invalid("invalid", "name"));
    }
    let scope = Scope::parse(scope).ok_or_else(|| Error::invalid("invalid", "scope"))?;
    let expires_at = match expires_in_days {
        None => None,
        Some(days) if (1..=3650).contains(&days) => Some(ctx.now + Duration::days(days)),
        Some(_) => return Err(Error::invalid("out_of_range", "expires_in_days")),
    };
    Ok(store::create(conn, &NewToken { user: ctx.actor.id, name, scope, expires_at }, ctx.now)?)
}

pub fn list(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<TokenInfo>, Error> {
    Ok(store::list(conn, ctx.actor.id)?)
}

pub fn revoke(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<(), Error> {
    if store::revoke(conn, ctx.actor.id, id, ctx.now)? { Ok(()) } else { Err(Error::NotFound) }
}

/// Who holds this token, if it is valid now; notes its use at most once a minute.
pub fn authenticate(conn: &mut DbConnection, token: &str, now: DateTime<Utc>) -> Result<Option<Bearer>, Error> {
    let Some(bearer) = store::authenticate(conn, token, now)? else { return Ok(None) };
    if bearer.last_used_at.is_none_or(|at| now - at > Duration::minutes(1)) {
        store::touch(conn, bearer.token_id, now)?;
    }
    Ok(Some(bearer))
}
