//! Queue filters an engineer saved under a name.

use super::DbConnection;
use super::models::naive;
use super::schema::saved_views;
use crate::domain::UserId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// One saved view: its name and the queue's query string (without a page).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub query: String,
}

pub fn list(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<SavedView>> {
    saved_views::table
        .filter(saved_views::user_id.eq(user.0))
        .order((saved_views::name, saved_views::id))
        .select((saved_views::id, saved_views::name, saved_views::query))
        .load(conn)
}

/// Saves a view; `Ok(None)` when the person already has one with this name.
pub fn save(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    query: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    let inserted = diesel::insert_into(saved_views::table)
        .values((
            saved_views::user_id.eq(user.0),
            saved_views::name.eq(name),
            saved_views::query.eq(query),
            saved_views::created_at.eq(naive(now)),
        ))
        .returning(saved_views::id)
        .get_result(conn);
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Deletes one of the person's views; false when they have none with this id.
pub fn delete(conn: &mut DbConnection, user: UserId, id: i64) -> QueryResult<bool> {
    let deleted =
        diesel::delete(saved_views::table.filter(saved_views::id.eq(id)).filter(saved_views::user_id.eq(user.0)))
            .execute(conn)?;
    Ok(deleted > 0)
}
