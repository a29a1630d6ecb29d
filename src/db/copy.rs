//! `goalkeeper copy`: moves a whole Goalkeeper database to another one (typically from the
//! embedded SQLite file to PostgreSQL), keeping ids and timestamps.

use super::models::{CategoryRow, DeflectionRow, EventRow, RequestRow, ServiceRow, UserRow};
use super::rotation::{OverrideRow, VersionRow};
use super::schema::*;
use super::{DbConnection, write_transaction};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// Rows read, and written, per round trip.
const CHUNK: i64 = 2_000;

/// Every table, parents before children.
pub const TABLES: &[&str] = &[
    "users",
    "settings",
    "sessions",
    "login_failures",
    "services",
    "categories",
    "requests",
    "events",
    "idempotency_keys",
    "rotation_versions",
    "rotation_overrides",
    "handover_notes",
    "routing_advice",
    "deflections",
    "api_tokens",
    "attachments",
];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
#[diesel(treat_none_as_default_value = false)]
struct AttachmentRow {
    id: i64,
    request_id: i64,
    uploader_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    internal: bool,
    created_at: chrono::NaiveDateTime,
    deleted_at: Option<chrono::NaiveDateTime>,
    deleted_by: Option<i64>,
    content: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
#[diesel(treat_none_as_default_value = false)]
struct ApiTokenRow {
    id: i64,
    user_id: i64,
    name: String,
    token_hash: String,
    scope: String,
    created_at: chrono::NaiveDateTime,
    expires_at: Option<chrono::NaiveDateTime>,
    last_used_at: Option<chrono::NaiveDateTime>,
    revoked_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
#[diesel(treat_none_as_default_value = false)]
struct SessionRow {
    id: String,
    user_id: Option<i64>,
    state: String,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_failures)]
#[diesel(treat_none_as_default_value = false)]
struct LoginFailureRow {
    id: i64,
    email: String,
    client: String,
    at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = settings)]
#[diesel(treat_none_as_default_value = false)]
struct SettingRow {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(treat_none_as_default_value = false)]
struct IdempotencyRow {
    user_id: i64,
    key: String,
    request_id: i64,
    created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = handover_notes)]
#[diesel(treat_none_as_default_value = false)]
struct HandoverNoteRow {
    week: String,
    body: String,
    updated_by: i64,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_advice)]
#[diesel(treat_none_as_default_value = false)]
struct RoutingAdviceRow {
    request_id: i64,
    request_version: i32,
    expert_id: i64,
    suggested_id: Option<i64>,
    routed_to: i64,
    followed: bool,
    at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_text)]
#[diesel(treat_none_as_default_value = false)]
struct RequestTextRow {
    id: i64,
    title: String,
    description: String,
    notes: String,
    resolution: String,
    tags: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target already holds people or requests; pass --replace to empty it first")]
    TargetNotEmpty,
    #[error("--replace empties PostgreSQL targets only; for SQLite, copy into a new file")]
    CannotReplaceSqlite,
    #[error("row counts differ after copying {table}: {in_source} in the source, {in_target} in the target")]
    CountMismatch { table: &'static str, in_source: i64, in_target: i64 },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// How many rows each table holds.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(&'static str, i64)>> {
    Ok(vec![
        ("users", users::table.count().get_result(conn)?),
        ("settings", settings::table.count().get_result(conn)?),
        ("sessions", sessions::table.count().get_result(conn)?),
        ("login_failures", login_failures::table.count().get_result(conn)?),
        ("services", services::table.count().get_result(conn)?),
        ("categories", categories::table.count().get_result(conn)?),
        ("requests", requests::table.count().get_result(conn)?),
        ("events", events::table.count().get_result(conn)?),
        ("idempotency_keys", idempotency_keys::table.count().get_result(conn)?),
        ("rotation_versions", rotation_versions::table.count().get_result(conn)?),
        ("rotation_overrides", rotation_overrides::table.count().get_result(conn)?),
        ("handover_notes", handover_notes::table.count().get_result(conn)?),
        ("routing_advice", routing_advice::table.count().get_result(conn)?),
        ("deflections", deflections::table.count().get_result(conn)?),
        ("api_tokens", api_tokens::table.count().get_result(conn)?),
        ("attachments", attachments::table.count().get_result(conn)?),
    ])
}

/// Inserts rows: with `COPY` on PostgreSQL (binary, one round trip a chunk), one by one on SQLite
/// (no round trips to save there, and diesel's multi-backend connection has no batch insert).
/// The row types say `treat_none_as_default_value = false`: a NULL is copied as NULL, never as the
/// column's default, and `COPY` needs a value for every column.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Pg(pg) => diesel::copy_from($table).from_insertable($rows).execute(pg),
            other => {
                let mut inserted = 0;
                for row in $rows {
                    inserted += diesel::insert_into($table).values(row).execute(other)?;
                }
                Ok(inserted)
            }
        }
    };
}

/// Reads a table in id order, a chunk at a time, and writes each chunk to the target.
fn copy_by_id<R>(
    source: &mut DbConnection,
    target: &mut DbConnection,
    load: impl Fn(&mut DbConnection, i64) -> QueryResult<Vec<R>>,
    id: impl Fn(&R) -> i64,
    insert: impl Fn(&mut DbConnection, &[R]) -> QueryResult<usize>,
    progress: &dyn Fn(usize),
) -> QueryResult<()> {
    let mut after = i64::MIN;
    loop {
        let rows = load(source, after)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = id(last);
        insert(target, &rows)?;
        progress(rows.len());
    }
}

/// Copies a table in the order of its `key` column, `limit` rows a round trip.
macro_rules! copy_table {
    ($source:expr, $target:expr, $table:ident, $key:ident, $row:ty, $limit:expr, $progress:expr) => {
        copy_by_id(
            $source,
            $target,
            |c, after| {
                $table::table
                    .filter($table::$key.gt(after))
                    .order($table::$key)
                    .limit($limit)
                    .select(<$row>::as_select())
                    .load(c)
            },
            |r: &$row| r.$key,
            |c, rows| insert_all!(c, $table::table, rows),
            $progress,
        )
    };
}

/// Copies a small table whole, in one read.
macro_rules! copy_whole {
    ($source:expr, $target:expr, $table:ident, $row:ty) => {{
        let rows: Vec<$row> = $table::table.select(<$row>::as_select()).load($source)?;
        if !rows.is_empty() {
            insert_all!(&mut *$target, $table::table, &rows)?;
        }
    }};
}

/// Copies everything from `source` into `target` in one transaction on the target, then
/// checks the row counts and moves PostgreSQL sequences past the copied ids.
pub fn copy(
    source: &mut DbConnection,
    target: &mut DbConnection,
    replace: bool,
    progress: &dyn Fn(usize),
) -> Result<Vec<(&'static str, i64)>, CopyError> {
    let expected = counts(source)?;
    write_transaction(target, |target| {
        let people: i64 = users::table.count().get_result(target)?;
        let requests_there: i64 = requests::table.count().get_result(target)?;
        if people + requests_there > 0 {
            match (replace, &*target) {
                (false, _) => return Err(CopyError::TargetNotEmpty),
                (true, DbConnection::Sqlite(_)) => return Err(CopyError::CannotReplaceSqlite),
                // TRUNCATE skips the row triggers that keep events immutable, on purpose here.
                (true, DbConnection::Pg(_)) => {
                    target.batch_execute(&format!(
                        // The search text goes too: it is copied from the source with the rest.
                        "TRUNCATE {}, request_text, search_words RESTART IDENTITY CASCADE",
                        TABLES.join(", ")
                    ))?
                }
            }
        }
        // A freshly migrated target has the default categories and maybe a session key: the
        // source's own replace them.
        diesel::delete(categories::table).execute(target)?;
        diesel::delete(settings::table).execute(target)?;
        diesel::delete(sessions::table).execute(target)?;
        diesel::delete(login_failures::table).execute(target)?;
        diesel::delete(services::table).execute(target)?;
        let bulk_load = match target {
            DbConnection::Pg(_) => Some(super::bulk::start_postgres(target)?),
            DbConnection::Sqlite(_) => None,
        };

        copy_table!(source, target, users, id, UserRow, CHUNK, progress)?;
        copy_whole!(source, target, settings, SettingRow);
        copy_whole!(source, target, sessions, SessionRow);
        copy_table!(source, target, login_failures, id, LoginFailureRow, CHUNK, progress)?;
        copy_table!(source, target, services, id, ServiceRow, CHUNK, progress)?;
        copy_table!(source, target, categories, id, CategoryRow, CHUNK, progress)?;
        // A duplicate may point at a later request, so links are set once all requests exist.
        copy_by_id(
            source,
            target,
            |c, after| {
                requests::table
                    .filter(requests::id.gt(after))
                    .order(requests::id)
                    .limit(CHUNK)
                    .select(RequestRow::as_select())
                    .load(c)
            },
            |r| r.id,
            |c, rows| {
                let unlinked: Vec<RequestRow> =
                    rows.iter().map(|r| RequestRow { duplicate_of: None, ..r.clone() }).collect();
                insert_all!(c, requests::table, &unlinked)
            },
            progress,
        )?;
        let links: Vec<(i64, Option<i64>)> = requests::table
            .filter(requests::duplicate_of.is_not_null())
            .select((requests::id, requests::duplicate_of))
            .load(source)?;
        for (id, original) in links {
            diesel::update(requests::table.find(id)).set(requests::duplicate_of.eq(original)).execute(target)?;
        }
        copy_table!(source, target, events, id, EventRow, CHUNK, progress)?;
        copy_table!(source, target, idempotency_keys, request_id, IdempotencyRow, CHUNK, progress)?;

        // Small tables, copied whole.
        copy_whole!(source, target, rotation_versions, VersionRow);
        copy_whole!(source, target, rotation_overrides, OverrideRow);
        copy_whole!(source, target, handover_notes, HandoverNoteRow);
        copy_whole!(source, target, routing_advice, RoutingAdviceRow);
        copy_table!(source, target, deflections, id, DeflectionRow, CHUNK, progress)?;

        copy_whole!(source, target, api_tokens, ApiTokenRow);

        // Files one at a time: each may be megabytes.
        copy_table!(source, target, attachments, id, AttachmentRow, 1, progress)?;

        if let Some(load) = bulk_load {
            // The search text as the source holds it; its triggers were off for the load.
            // Not one of the counted tables: the bar's total is theirs.
            copy_table!(source, target, request_text, id, RequestTextRow, CHUNK, &|_| {})?;
            super::bulk::finish_postgres(target, &load)?;
        }
        if let DbConnection::Pg(_) = target {
            // New rows continue after the copied ids.
            let with_ids = [
                "users",
                "login_failures",
                "services",
                "categories",
                "requests",
                "events",
                "rotation_versions",
                "rotation_overrides",
                "deflections",
                "api_tokens",
                "attachments",
            ];
            for table in with_ids {
                target.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))?;
            }
            // Statistics for the planner now, not whenever autovacuum gets to a freshly loaded
            // history: without them the first pages on a million requests took 300 ms.
            target.batch_execute("ANALYZE")?;
        }
        // The words of the search text, from the text copied (rows written past the app).
        super::search::fill_words(target)?;
        let copied = counts(target)?;
        for ((table, source), (_, target)) in expected.iter().zip(&copied) {
            if source != target {
                return Err(CopyError::CountMismatch { table, in_source: *source, in_target: *target });
            }
        }
        Ok(copied)
    })
}
