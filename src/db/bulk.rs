//! Loading many rows into a fresh SQLite database quickly (`goalkeeper seed`).
//!
//! Row by row, SQLite keeps every secondary index and the full-text index in step with each
//! insert; the search text of a request is rewritten (and its index entries deleted and written
//! again) once per note. For a load, the secondary indexes of the large tables and the
//! full-text index's triggers come off, and at the end the indexes are built once from sorted
//! data and the full-text index is rebuilt from the stored text in one pass. The search text
//! itself stays maintained by its own triggers, so it is exactly what day-to-day writes make.

use super::DbConnection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// The tables whose secondary indexes are built after the load.
const INDEXED_TABLES: &[&str] = &["requests", "events", "deflections", "request_text"];

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
}

#[derive(Debug, QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cache_size: i64,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Takes the secondary indexes of the large tables and the full-text index's triggers off, and
/// gives this connection a page cache that holds the tables being filled (256 MiB).
pub fn start(conn: &mut DbConnection) -> QueryResult<SqliteBulkLoad> {
    let CacheSize { cache_size } = diesel::sql_query("PRAGMA cache_size").get_result(conn)?;
    conn.batch_execute("PRAGMA cache_size = -262144")?;
    let tables = INDEXED_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    // Automatic indexes (primary keys, UNIQUE) have no SQL and stay.
    let indexes: Vec<SchemaObject> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({tables}) ORDER BY name"
    ))
    .load(conn)?;
    // The triggers that copy the search text into the full-text index.
    let triggers: Vec<SchemaObject> = diesel::sql_query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'request_text' ORDER BY name",
    )
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
    Ok(SqliteBulkLoad { indexes, triggers, cache_size })
}

/// Builds the indexes, fills the full-text index from the search text, and puts its triggers
/// back, in one transaction.
pub fn finish(conn: &mut DbConnection, load: &SqliteBulkLoad) -> QueryResult<()> {
    super::write_transaction(conn, |conn| -> QueryResult<()> {
        for object in &load.indexes {
            conn.batch_execute(&object.sql)?;
        }
        conn.batch_execute("INSERT INTO request_fts (request_fts) VALUES ('rebuild')")?;
        for object in &load.triggers {
            conn.batch_execute(&object.sql)?;
        }
        Ok(())
    })?;
    conn.batch_execute(&format!("PRAGMA cache_size = {}", load.cache_size))
}
