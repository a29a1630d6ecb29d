//! Files attached to requests, stored in the database (BLOB / bytea).

use super::DbConnection;
use super::models::{naive, utc};
use super::schema::attachments;
use super::team::TeamSetup;
use crate::domain::{Actor, EventKind, RequestId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// What is known of an attachment besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub request: RequestId,
    pub uploader: UserId,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
}

/// The columns an attachment is described by (everything but its content).
#[derive(Queryable, Selectable)]
#[diesel(table_name = attachments)]
struct MetaRow {
    id: i64,
    request_id: i64,
    uploader_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    internal: bool,
    created_at: chrono::NaiveDateTime,
    deleted_at: Option<chrono::NaiveDateTime>,
}

impl From<MetaRow> for Attachment {
    fn from(row: MetaRow) -> Self {
        Attachment {
            id: row.id,
            request: RequestId(row.request_id),
            uploader: UserId(row.uploader_id),
            file_name: row.file_name,
            content_type: row.content_type,
            size: row.size,
            internal: row.internal,
            created_at: utc(row.created_at),
            deleted: row.deleted_at.is_some(),
        }
    }
}

/// The request's attachments that are not deleted, oldest first (no content).
pub fn of_request(conn: &mut DbConnection, request: RequestId) -> QueryResult<Vec<Attachment>> {
    let rows: Vec<MetaRow> = attachments::table
        .filter(attachments::request_id.eq(request.0))
        .filter(attachments::deleted_at.is_null())
        .order(attachments::id)
        .select(MetaRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Attachment>> {
    let row: Option<MetaRow> = super::only(attachments::table.find(id).select(MetaRow::as_select()).load(conn)?);
    Ok(row.map(Attachment::from))
}

pub fn content(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<u8>> {
    super::only(attachments::table.find(id).select(attachments::content).load(conn)?)
        .ok_or(diesel::result::Error::NotFound)
}

/// A file to store.
pub struct NewFile<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub internal: bool,
    pub content: &'a [u8],
}

/// Stores a file and its event (`attached`, or an internal note for an internal file) in the
/// caller's transaction.
pub fn add(
    conn: &mut DbConnection,
    setup: &TeamSetup,
    request: RequestId,
    actor: Actor,
    file: &NewFile<'_>,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let id = diesel::insert_into(attachments::table)
        .values((
            attachments::request_id.eq(request.0),
            attachments::uploader_id.eq(actor.id.0),
            attachments::file_name.eq(file.file_name),
            attachments::content_type.eq(file.content_type),
            attachments::size.eq(i64::try_from(file.content.len()).unwrap_or(i64::MAX)),
            attachments::internal.eq(file.internal),
            attachments::created_at.eq(naive(now)),
            attachments::content.eq(file.content),
        ))
        .returning(attachments::id)
        .get_result(conn)?;
    let (kind, note) = if file.internal {
        (EventKind::Noted, format!("Attached an internal file: {}", file.file_name))
    } else {
        (EventKind::Attached, file.file_name.to_owned())
    };
    super::requests::record_side_event(conn, setup, request, actor, kind, &note, now)?;
    Ok(id)
}

/// Empties a file and records who removed it, in the caller's transaction.
pub fn delete(
    conn: &mut DbConnection,
    setup: &TeamSetup,
    attachment: &Attachment,
    actor: Actor,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(attachments::table.find(attachment.id))
        .set((
            attachments::deleted_at.eq(naive(now)),
            attachments::deleted_by.eq(actor.id.0),
            attachments::content.eq(Vec::<u8>::new()),
        ))
        .execute(conn)?;
    let (kind, note) = if attachment.internal {
        (EventKind::Noted, format!("Removed an internal file: {}", attachment.file_name))
    } else {
        (EventKind::Detached, attachment.file_name.clone())
    };
    super::requests::record_side_event(conn, setup, attachment.request, actor, kind, &note, now)?;
    Ok(())
}

/// The bytes and count of the request's files that are not deleted.
pub fn usage(conn: &mut DbConnection, request: RequestId) -> QueryResult<(i64, i64)> {
    let sizes: Vec<i64> = attachments::table
        .filter(attachments::request_id.eq(request.0))
        .filter(attachments::deleted_at.is_null())
        .select(attachments::size)
        .load(conn)?;
    Ok((sizes.iter().sum(), i64::try_from(sizes.len()).unwrap_or(i64::MAX)))
}
