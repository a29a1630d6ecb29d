//! Loading many rows quickly: what keeps derived data in step row by row comes off for the
//! load and is built once, over all rows, at its end. The indexes and constraints to take off are
//! read from the database's own catalog, so new ones are covered without code changes.
//!
//! SQLite (`goalkeeper seed`): row by row, SQLite keeps every secondary index and the full-text
//! index in step with each insert; the search text of a request is rewritten (and its index
//! entries deleted and written again) once per note. The secondary indexes of the large tables
//! and the full-text index's triggers come off; at the end the indexes are built once from sorted
//! data and the full-text index is rebuilt from the stored text in one pass. The search text
//! itself stays maintained by its own triggers, so it is exactly what day-to-day writes make.
//!
//! PostgreSQL (`goalkeeper copy`): secondary indexes, foreign keys and the row triggers of the
//! large tables come off inside the copy's transaction; the search text is copied as it is.

use super::DbConnection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// The large tables: their secondary indexes (and on PostgreSQL their foreign keys and row
/// triggers) are made once after a load instead of kept in step row by row.
const LARGE_TABLES: &[&str] = &["requests", "events", "request_text", "deflections"];

/// `LARGE_TABLES` as an SQL list of text literals.
fn large_tables_sql() -> String {
    LARGE_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
}

/// A schema object as SQLite stores it: its name and the SQL that makes it.
#[derive(Debug, QueryableByName)]
struct SchemaObject {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// What a load took off, to put back at its end.
#[derive(Debug)]
pub struct SqliteBulkLoad {
    indexes: Vec<SchemaObject>,
    triggers: Vec<SchemaObject>,
    cache_size: i64,
    synchronous: i64,
}

#[derive(Debug, QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cache_size: i64,
}

#[derive(Debug, QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    synchronous: i64,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Takes the secondary indexes of the large tables and their triggers (full-text index, change
/// count) off, and
/// gives this connection a page cache that holds the tables being filled (256 MiB).
///
/// Nothing a load writes is acknowledged before it ends, so its commits skip the flush to disk
/// (`synchronous = OFF`); `finish_sqlite` flushes everything at once before the load reports.
pub fn start_sqlite(conn: &mut DbConnection) -> QueryResult<SqliteBulkLoad> {
    let CacheSize { cache_size } = diesel::sql_query("PRAGMA cache_size").get_result(conn)?;
    let Synchronous { synchronous } = diesel::sql_query("PRAGMA synchronous").get_result(conn)?;
    conn.batch_execute("PRAGMA cache_size = -262144; PRAGMA synchronous = OFF")?;
    let tables = large_tables_sql();
    // Automatic indexes (primary keys, UNIQUE) have no SQL and stay.
    let indexes: Vec<SchemaObject> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({tables}) ORDER BY name"
    ))
    .load(conn)?;
    // The triggers that copy the search text into the full-text index, and those that count
    // changes of the large tables for kept figures (one count for the whole load instead).
    let triggers: Vec<SchemaObject> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (tbl_name = 'request_text' \
         OR (tbl_name IN ({tables}) AND name LIKE '%\\_generation\\_%' ESCAPE '\\')) ORDER BY name"
    ))
    .load(conn)?;
    super::write_transaction(conn, |conn| -> QueryResult<()> {
        for object in &indexes {
            conn.batch_execute(&format!("DROP INDEX {}", quoted(&object.name)))?;
        }
        for object in &triggers {
            conn.batch_execute(&format!("DROP TRIGGER {}", quoted(&object.name)))?;
        }
        Ok(())
    })?;
    Ok(SqliteBulkLoad { indexes, triggers, cache_size, synchronous })
}

/// Builds the indexes, fills the full-text index from the search text, and puts its triggers
/// back, in one transaction; then writes the whole load out to disk.
pub fn finish_sqlite(conn: &mut DbConnection, load: &SqliteBulkLoad) -> QueryResult<()> {
    super::write_transaction(conn, |conn| -> QueryResult<()> {
        for object in &load.indexes {
            conn.batch_execute(&object.sql)?;
        }
        // FTS5 writes its pending terms out as a new segment each time they pass `hashsize`
        // (1 MiB by default) and keeps merging those segments: for a whole history at once it
        // gathers 64 MiB first, then goes back to the default for day-to-day writes.
        //
        // The rebuild leaves its large segments on low levels, where the small segments of the
        // next writes soon reach them: at a million requests the 12th and the ~290th filing
        // after a seed each merged most of the index (4 and 10 s, the filings waiting behind
        // them failing at the busy timeout). `optimize` merges them into one segment above the
        // levels day-to-day writes fill; it costs ~8 s here, once. The rebuild merges with
        // FTS5's defaults (migration `000027` merges less often): with fewer merges its
        // segments would all stay on the lowest level, and `optimize` would put the merged one
        // just above it, where day-to-day writes reach it again.
        let merging = fts_merging(conn)?;
        conn.batch_execute(
            "INSERT INTO request_fts (request_fts, rank) VALUES ('automerge', 4); \
             INSERT INTO request_fts (request_fts, rank) VALUES ('crisismerge', 16); \
             INSERT INTO request_fts (request_fts, rank) VALUES ('hashsize', 67108864); \
             INSERT INTO request_fts (request_fts) VALUES ('rebuild'); \
             INSERT INTO request_fts (request_fts) VALUES ('optimize'); \
             INSERT INTO request_fts (request_fts, rank) VALUES ('hashsize', 1048576);",
        )?;
        for (setting, value) in merging {
            diesel::sql_query("INSERT INTO request_fts (request_fts, rank) VALUES (?, ?)")
                .bind::<diesel::sql_types::Text, _>(setting)
                .bind::<diesel::sql_types::BigInt, _>(value)
                .execute(conn)?;
        }
        for object in &load.triggers {
            conn.batch_execute(&object.sql)?;
        }
        // Whatever was kept for the state before the load is stale now.
        conn.batch_execute("UPDATE data_generation SET n = n + 1")?;
        Ok(())
    })?;
    // Back to flushing commits, a checkpoint flushes the write-ahead log and then the database
    // file, with every page the load wrote to either, and empties the log.
    conn.batch_execute(&format!(
        "PRAGMA cache_size = {}; PRAGMA synchronous = {}; PRAGMA wal_checkpoint(TRUNCATE);",
        load.cache_size, load.synchronous
    ))
}

#[derive(Debug, QueryableByName)]
struct FtsSetting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    k: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    v: i64,
}

/// The full-text index's merge settings that differ from FTS5's defaults (its config table holds
/// only those that were set).
fn fts_merging(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let set: Vec<FtsSetting> = diesel::sql_query(
        "SELECT k, CAST(v AS INTEGER) AS v FROM request_fts_config WHERE k IN ('automerge', 'crisismerge')",
    )
    .load(conn)?;
    Ok(set.into_iter().map(|s| (s.k, s.v)).collect())
}

/// An index or a constraint of a PostgreSQL table, with the SQL that makes it again.
#[derive(Debug, QueryableByName)]
struct Definition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    definition: String,
}

/// What a load took away from a PostgreSQL target, to put back at its end.
pub struct PostgresBulkLoad {
    indexes: Vec<Definition>,
    foreign_keys: Vec<Definition>,
}

/// Takes the secondary indexes, foreign keys and user triggers off `LARGE_TABLES`, inside the
/// caller's transaction (a failed copy rolls all of it back): the search-text triggers rewrote a
/// request's text (and its GIN entries) once per note, and every foreign key ran a lookup per
/// row.
pub fn start_postgres(target: &mut DbConnection) -> QueryResult<PostgresBulkLoad> {
    // Only the index builds at the end use this much; `LOCAL` ends it with the transaction.
    target.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")?;
    let tables = large_tables_sql();
    let foreign_keys: Vec<Definition> = diesel::sql_query(format!(
        "SELECT conrelid::regclass::text AS table_name, quote_ident(conname) AS name, \
         pg_get_constraintdef(oid) AS definition FROM pg_constraint \
         WHERE contype = 'f' AND conrelid = ANY(ARRAY[{tables}]::regclass[]) ORDER BY 1, 2"
    ))
    .load(target)?;
    // Indexes behind a constraint (primary keys, unique constraints) stay: keys are referenced.
    let indexes: Vec<Definition> = diesel::sql_query(format!(
        "SELECT i.indrelid::regclass::text AS table_name, i.indexrelid::regclass::text AS name, \
         pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i WHERE i.indrelid = ANY(ARRAY[{tables}]::regclass[]) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1, 2"
    ))
    .load(target)?;
    for key in &foreign_keys {
        target.batch_execute(&format!("ALTER TABLE {} DROP CONSTRAINT {}", key.table_name, key.name))?;
    }
    for index in &indexes {
        target.batch_execute(&format!("DROP INDEX {}", index.name))?;
    }
    target.batch_execute("ALTER TABLE requests DISABLE TRIGGER USER; ALTER TABLE events DISABLE TRIGGER USER")?;
    Ok(PostgresBulkLoad { indexes, foreign_keys })
}

/// Builds the indexes again, checks the foreign keys over every row at once, and turns the
/// triggers back on.
pub fn finish_postgres(target: &mut DbConnection, load: &PostgresBulkLoad) -> QueryResult<()> {
    for index in &load.indexes {
        target.batch_execute(&index.definition)?;
    }
    for key in &load.foreign_keys {
        target
            .batch_execute(&format!("ALTER TABLE {} ADD CONSTRAINT {} {}", key.table_name, key.name, key.definition))?;
    }
    target.batch_execute("ALTER TABLE requests ENABLE TRIGGER USER; ALTER TABLE events ENABLE TRIGGER USER")
}
