//! People, their roles, and failed sign-ins.

use super::models::{NewUserRow, User, UserRow, naive};
use super::schema::{login_failures, sessions, users};
use super::{DbConnection, write_transaction};
use crate::domain::{Role, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user with this e-mail already exists")]
    EmailTaken,
    #[error("setup is already done")]
    AlreadySetUp,
    #[error("at least one enabled admin must remain")]
    LastAdmin,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DieselError),
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

fn insert(conn: &mut DbConnection, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<User, UserError> {
    let row = NewUserRow {
        email: user.email,
        name: user.name,
        role: user.role.as_str(),
        password_hash: user.password_hash,
        disabled: false,
        created_at: naive(now),
    };
    let id: i64 =
        diesel::insert_into(users::table).values(&row).returning(users::id).get_result(conn).map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => UserError::EmailTaken,
            other => UserError::Db(other),
        })?;
    by_id(conn, UserId(id))?.ok_or(UserError::NotFound)
}

pub fn create(conn: &mut DbConnection, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<User, UserError> {
    write_transaction(conn, |conn| insert(conn, user, now))
}

/// Creates the first admin; refuses once anyone exists (the setup page works only once).
pub fn create_first_admin(conn: &mut DbConnection, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<User, UserError> {
    write_transaction(conn, |conn| {
        // Several setup forms at once: one at a time, so only the first finds nobody.
        super::serialize(conn, super::lock::SETUP)?;
        if count(conn)? > 0 {
            return Err(UserError::AlreadySetUp);
        }
        insert(conn, &NewUser { role: Role::Admin, ..*user }, now)
    })
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The user and their password hash, for signing in.
pub fn by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<(User, String)>> {
    let row: Option<UserRow> =
        users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).optional()?;
    row.map(|row| {
        let hash = row.password_hash.clone();
        User::try_from(row).map(|user| (user, hash))
    })
    .transpose()
}

pub fn by_id(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    let row: Option<UserRow> = super::only(users::table.find(id.0).select(UserRow::as_select()).load(conn)?);
    row.map(User::try_from).transpose()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<UserRow> =
        users::table.filter(super::id_list::id_in(users::id, ids)).select(UserRow::as_select()).load(conn)?;
    rows.into_iter().map(User::try_from).collect()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    let rows: Vec<UserRow> =
        users::table.order((users::disabled.asc(), users::name.asc())).select(UserRow::as_select()).load(conn)?;
    rows.into_iter().map(User::try_from).collect()
}

/// Enabled engineers and admins: the people requests can be routed to.
pub fn engineers(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    let rows: Vec<UserRow> = users::table
        .filter(users::disabled.eq(false))
        // Not `eq_any`: a fixed shape is prepared once (see `requests::state_in`).
        .filter(users::role.eq(Role::Engineer.as_str()).or(users::role.eq(Role::Admin.as_str())))
        .order(users::name.asc())
        .select(UserRow::as_select())
        .load(conn)?;
    rows.into_iter().map(User::try_from).collect()
}

fn other_enabled_admins(conn: &mut DbConnection, except: UserId) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except.0))
        .count()
        .get_result(conn)
}

pub fn set_role(conn: &mut DbConnection, id: UserId, role: Role) -> Result<(), UserError> {
    write_transaction(conn, |conn| {
        let user = by_id(conn, id)?.ok_or(UserError::NotFound)?;
        if user.role == Role::Admin && role != Role::Admin && other_enabled_admins(conn, id)? == 0 {
            return Err(UserError::LastAdmin);
        }
        diesel::update(users::table.find(id.0)).set(users::role.eq(role.as_str())).execute(conn)?;
        Ok(())
    })
}

/// Disabling ends every session of the user on the server at once.
pub fn set_disabled(conn: &mut DbConnection, id: UserId, disabled: bool) -> Result<(), UserError> {
    write_transaction(conn, |conn| {
        let user = by_id(conn, id)?.ok_or(UserError::NotFound)?;
        if disabled && user.role == Role::Admin && other_enabled_admins(conn, id)? == 0 {
            return Err(UserError::LastAdmin);
        }
        diesel::update(users::table.find(id.0)).set(users::disabled.eq(disabled)).execute(conn)?;
        if disabled {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id.0))).execute(conn)?;
        }
        Ok(())
    })
}

pub fn record_login_failure(conn: &mut DbConnection, email: &str, client: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::email.eq(email), login_failures::client.eq(client), login_failures::at.eq(naive(now))))
        .execute(conn)?;
    Ok(())
}

/// What the sign-in throttle looks at, over the failures since a moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecentFailures {
    /// Failures for this account from this client (device or address).
    pub pair: i64,
    /// When the last of those happened.
    pub pair_last: Option<DateTime<Utc>>,
    /// Failures for this account from clients without its device cookie.
    pub account_unknown_clients: i64,
    /// Failures from this address (any account), by clients without a device cookie.
    pub address: i64,
}

/// Failed sign-ins since `since`. `client` is `device:<id>` or `ip:<address>`.
pub fn recent_login_failures(
    conn: &mut DbConnection,
    email: &str,
    client: &str,
    address: &str,
    since: DateTime<Utc>,
) -> QueryResult<RecentFailures> {
    let recent = login_failures::table.filter(login_failures::at.ge(naive(since)));
    let (pair, pair_last): (i64, Option<chrono::NaiveDateTime>) = recent
        .filter(login_failures::email.eq(email))
        .filter(login_failures::client.eq(client))
        .select((diesel::dsl::count_star(), diesel::dsl::max(login_failures::at)))
        .first(conn)?;
    let account_unknown_clients = recent
        .filter(login_failures::email.eq(email))
        .filter(login_failures::client.like("ip:%"))
        .count()
        .get_result(conn)?;
    let address = recent.filter(login_failures::client.eq(address)).count().get_result(conn)?;
    Ok(RecentFailures { pair, pair_last: pair_last.map(super::models::utc), account_unknown_clients, address })
}

/// After a successful sign-in this client starts afresh for the account; old rows are pruned
/// as they age. Others' failures stay: they still count against their own clients.
pub fn clear_login_failures(
    conn: &mut DbConnection,
    email: &str,
    client: &str,
    older_than: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::email
                .eq(email)
                .and(login_failures::client.eq(client))
                .or(login_failures::at.lt(naive(older_than))),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// A new password hash; every session of the person ends on the server.
/// Changes a person's own name, e-mail and reading time zone; an e-mail someone else has is
/// refused.
pub fn set_profile(
    conn: &mut DbConnection,
    id: UserId,
    name: &str,
    email: &str,
    time_zone: Option<&str>,
) -> Result<(), UserError> {
    let taken: i64 = users::table.filter(users::email.eq(email)).filter(users::id.ne(id.0)).count().get_result(conn)?;
    if taken > 0 {
        return Err(UserError::EmailTaken);
    }
    diesel::update(users::table.find(id.0))
        .set((users::name.eq(name), users::email.eq(email), users::time_zone.eq(time_zone)))
        .execute(conn)
        .map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => UserError::EmailTaken,
            other => UserError::Db(other),
        })?;
    Ok(())
}

pub fn set_password(conn: &mut DbConnection, id: UserId, password_hash: &str) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::update(users::table.find(id.0)).set(users::password_hash.eq(password_hash)).execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id.0))).execute(conn)?;
        Ok(())
    })
}

/// Stores a one-time password-reset secret (its hash) for `user`.
pub fn add_password_reset(
    conn: &mut DbConnection,
    token_hash: &str,
    user: UserId,
    by: UserId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    use super::schema::password_resets;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user.0),
            password_resets::created_by.eq(by.0),
            password_resets::created_at.eq(super::models::naive(now)),
            password_resets::expires_at.eq(super::models::naive(expires_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The person a reset secret is for, while it is unused and unexpired.
pub fn password_reset_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<UserId>> {
    use super::schema::password_resets;
    let user: Option<i64> = password_resets::table
        .find(token_hash)
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(super::models::naive(now)))
        .select(password_resets::user_id)
        .first(conn)
        .optional()?;
    Ok(user.map(UserId))
}

/// Uses up a reset secret; false when it was used (or expired) meanwhile.
pub fn use_password_reset(conn: &mut DbConnection, token_hash: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    use super::schema::password_resets;
    let used = diesel::update(
        password_resets::table
            .find(token_hash)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(super::models::naive(now))),
    )
    .set(password_resets::used_at.eq(super::models::naive(now)))
    .execute(conn)?;
    Ok(used == 1)
}
