//! Server-side session rows and the application's stored settings.

use super::models::{User, UserRow, naive, utc};
use super::schema::{sessions, settings, users};
use super::{DbConnection, write_transaction};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A live session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The person the row names, if that account still exists, with their unread inbox count.
    pub person: Option<(User, i64)>,
}

/// A live session with the person its row names (when that account still exists) and their
/// unread inbox count, read in one statement: this runs before every signed-in view.
pub fn load_with_user(conn: &mut DbConnection, key: &str, now: DateTime<Utc>) -> QueryResult<Option<SessionRecord>> {
    type Row = (String, chrono::NaiveDateTime, chrono::NaiveDateTime, Option<UserRow>, i64);
    let row: Option<Row> = super::only(
        sessions::table
            .left_join(users::table)
            .filter(sessions::id.eq(key))
            .select((
                sessions::state,
                sessions::created_at,
                sessions::expires_at,
                users::all_columns.nullable(),
                UnreadInbox,
            ))
            .load(conn)?,
    );
    // The expiry is compared here, not in SQL: a bound time compared with an indexed column
    // makes SQLite plan the statement again for every new value (its statistics compare it).
    let Some((state, created_at, expires_at, user, unread)) = row.filter(|r| r.2 > naive(now)) else {
        return Ok(None);
    };
    let person = user.map(User::try_from).transpose()?.map(|user| (user, unread));
    Ok(Some(SessionRecord { state, created_at: utc(created_at), expires_at: utc(expires_at), person }))
}

/// The unread inbox count of the session's person, as a subquery of the session's row (diesel
/// types no subquery that reads the outer row). Fixed text, so each connection prepares it once.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct UnreadInbox;

impl diesel::expression::Expression for UnreadInbox {
    type SqlType = diesel::sql_types::BigInt;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for UnreadInbox {}

impl<QS> diesel::expression::SelectableExpression<QS> for UnreadInbox {}

impl diesel::expression::ValidGrouping<()> for UnreadInbox {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for UnreadInbox {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT COUNT(*) FROM deliveries WHERE deliveries.recipient_id = sessions.user_id \
             AND deliveries.medium = 'inbox' AND deliveries.read_at IS NULL)",
        );
        Ok(())
    }
}

pub fn insert(
    conn: &mut DbConnection,
    key: &str,
    user_id: Option<i64>,
    state: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(key),
                sessions::user_id.eq(user_id),
                sessions::state.eq(state),
                sessions::created_at.eq(naive(now)),
                sessions::expires_at.eq(naive(expires_at)),
            ))
            .execute(conn)
    })?;
    Ok(())
}

/// Replaces the state of a live session; returns false when it no longer exists.
pub fn update(
    conn: &mut DbConnection,
    key: &str,
    user_id: Option<i64>,
    state: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = write_transaction(conn, |conn| {
        diesel::update(sessions::table.find(key))
            .set((sessions::user_id.eq(user_id), sessions::state.eq(state), sessions::expires_at.eq(naive(expires_at))))
            .execute(conn)
    })?;
    Ok(changed > 0)
}

/// Pushes a session's idle expiry forward. Like every write of a page view, in a write
/// transaction: it takes its turn with the other writers (see `write_transaction`).
pub fn touch(conn: &mut DbConnection, key: &str, expires_at: DateTime<Utc>) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::update(sessions::table.find(key)).set(sessions::expires_at.eq(naive(expires_at))).execute(conn)
    })?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    write_transaction(conn, |conn| diesel::delete(sessions::table.find(key)).execute(conn))?;
    Ok(())
}

pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(naive(now)))).execute(conn)
}

/// A stored setting, created with `make` the first time it is asked for. Several instances
/// starting at once agree on one value: the first insert wins and everyone reads it back.
pub fn setting_or_init(conn: &mut DbConnection, name: &str, make: impl FnOnce() -> String) -> QueryResult<String> {
    write_transaction(conn, |conn| {
        let existing: Option<String> = super::only(settings::table.find(name).select(settings::value).load(conn)?);
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(settings::table)
            .values((settings::name.eq(name), settings::value.eq(&value)))
            .execute(conn)?;
        Ok(value)
    })
}

/// A stored setting, if there is one.
pub fn setting(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    Ok(super::only(settings::table.find(name).select(settings::value).load(conn)?))
}

/// Stores a setting, replacing what was there.
pub fn put_setting(conn: &mut DbConnection, name: &str, value: &str) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        let updated = diesel::update(settings::table.find(name)).set(settings::value.eq(value)).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::name.eq(name), settings::value.eq(value)))
                .execute(conn)?;
        }
        Ok(())
    })
}
