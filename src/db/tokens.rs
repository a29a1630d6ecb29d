//! Personal access tokens: stored as a SHA-256 of the token, never the token itself.

use super::models::{naive, utc};
use super::schema::{api_tokens, users};
use super::{DbConnection, corrupt, write_transaction};
use crate::domain::{Role, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    /// Read and write.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(raw: &str) -> Option<Scope> {
        match raw {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A token as its owner sees it in their list.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who a presented token belongs to, if it is valid now.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token_id: i64,
    pub user: UserId,
    pub role: Role,
    pub scope: Scope,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub fn hash(token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct NewToken<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub scope: Scope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a token and returns it: the only time anyone sees it.
pub fn create(conn: &mut DbConnection, new: &NewToken<'_>, now: DateTime<Utc>) -> QueryResult<(i64, String)> {
    let token = format!("gk_{}", crate::auth::random_token(40));
    let id = write_transaction(conn, |conn| {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(new.user.0),
                api_tokens::name.eq(new.name),
                api_tokens::token_hash.eq(hash(&token)),
                api_tokens::scope.eq(new.scope.as_str()),
                api_tokens::created_at.eq(naive(now)),
                api_tokens::expires_at.eq(new.expires_at.map(naive)),
            ))
            .returning(api_tokens::id)
            .get_result(conn)
    })?;
    Ok((id, token))
}

type TokenRow = (
    i64,
    String,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
);

/// One person's tokens, newest first.
pub fn list(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<TokenInfo>> {
    let rows: Vec<TokenRow> = api_tokens::table
        .filter(api_tokens::user_id.eq(user.0))
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::scope,
            api_tokens::created_at,
            api_tokens::expires_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, name, scope, created, expires, used, revoked)| {
            Ok(TokenInfo {
                id,
                name,
                scope: Scope::parse(&scope).ok_or_else(|| corrupt("token scope", &scope))?,
                created_at: utc(created),
                expires_at: expires.map(utc),
                last_used_at: used.map(utc),
                revoked_at: revoked.map(utc),
            })
        })
        .collect()
}

/// Revokes one of this person's tokens; false when there is no such token of theirs.
pub fn revoke(conn: &mut DbConnection, user: UserId, id: i64, now: DateTime<Utc>) -> QueryResult<bool> {
    let changed = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user.0))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(naive(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The holder of a token that is valid now: not revoked, not expired, its person enabled.
pub fn authenticate(conn: &mut DbConnection, token: &str, now: DateTime<Utc>) -> QueryResult<Option<Bearer>> {
    type Found = (i64, i64, String, String, Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>);
    // A hash names one token (unique index): no `LIMIT`, which SQLite plans again per value.
    let found: Option<Found> = super::only(
        api_tokens::table
            .inner_join(users::table.on(users::id.eq(api_tokens::user_id)))
            .filter(api_tokens::token_hash.eq(hash(token)))
            .filter(api_tokens::revoked_at.is_null())
            .filter(users::disabled.eq(false))
            .select((
                api_tokens::id,
                users::id,
                users::role,
                api_tokens::scope,
                api_tokens::expires_at,
                api_tokens::last_used_at,
            ))
            .load(conn)?,
    );
    let Some((token_id, user, role, scope, expires, used)) = found else { return Ok(None) };
    if expires.is_some_and(|at| utc(at) <= now) {
        return Ok(None);
    }
    Ok(Some(Bearer {
        token_id,
        user: UserId(user),
        role: Role::parse(&role).map_err(|_| corrupt("role", &role))?,
        scope: Scope::parse(&scope).ok_or_else(|| corrupt("token scope", &scope))?,
        last_used_at: used.map(utc),
    }))
}

/// Notes when a token was last used (at most once a minute per token, so reads stay reads), in
/// a write transaction that takes its turn with the other writers (see `write_transaction`).
pub fn touch(conn: &mut DbConnection, token_id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::update(api_tokens::table.find(token_id)).set(api_tokens::last_used_at.eq(naive(now))).execute(conn)
    })?;
    Ok(())
}
