//! Both backends' migrations go up, down and up again, and end with the tables, columns,
//! nullability and indexes that `src/db/schema.rs` describes.

#[path = "support/mod.rs"]
mod support;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::MigrationHarness;
use goalkeeper::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use std::collections::BTreeSet;

/// (table, column, type, nullable), with types named as in schema.rs.
type Columns = BTreeSet<(String, String, String, bool)>;

/// The indexes the queries rely on; both backends must have exactly these (besides keys).
const INDEXES: &[&str] = &[
    "api_tokens_user",
    "attachments_request",
    "deflections_answer",
    "deflections_at",
    "deflections_draft",
    "cover_requests_open",
    "deliveries_due",
    "deliveries_inbox",
    "presence_request",
    "events_request",
    "events_routed",
    "events_target",
    "login_failures_client",
    "login_failures_email",
    "requests_category_closed",
    "requests_coverage",
    "requests_created",
    "requests_duplicate_of",
    "requests_good_answers",
    "requests_open_queue",
    "requests_owner",
    "requests_queue",
    "requests_requester",
    "requests_triaged",
    "rotation_overrides_span",
    "rotation_versions_effective",
    "sessions_expiry",
    "sessions_user",
    "users_calendar_token",
];

/// Reads the `diesel::table!` blocks of schema.rs.
fn declared_columns() -> Columns {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs")).expect("schema.rs");
    let mut columns = Columns::new();
    let mut table: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("diesel::table!") {
            table = None;
        } else if table.is_none() && line.ends_with('{') && line.contains('(') {
            table = line.split_whitespace().next().map(str::to_owned);
        } else if let (Some(t), Some((name, kind))) = (&table, line.split_once("->")) {
            let kind = kind.trim().trim_end_matches(',');
            let (kind, nullable) = match kind.strip_prefix("Nullable<").and_then(|k| k.strip_suffix('>')) {
                Some(inner) => (inner, true),
                None => (kind, false),
            };
            columns.insert((t.clone(), name.trim().to_owned(), kind.to_owned(), nullable));
        } else if line == "}" {
            table = None;
        }
    }
    assert!(columns.len() > 40, "schema.rs was not parsed: {columns:?}");
    columns
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = type_)]
    kind: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

/// SQLite's tables, but its own change count for kept figures (`data_generation`, see
/// `db::memo`): PostgreSQL's snapshots name its states, so the schema has no such table.
fn sqlite_schema(conn: &mut SqliteConnection) -> (Columns, BTreeSet<String>) {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' AND name NOT LIKE 'request_fts%' \
         AND name <> 'data_generation'",
    )
    .load(conn)
    .expect("tables");
    let mut columns = Columns::new();
    for table in tables {
        let rows: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type AS type_, \"notnull\", pk FROM pragma_table_info('{}')",
            table.name
        ))
        .load(conn)
        .expect("columns");
        for row in rows {
            // SQLite stores every integer in 64 bits; the declared name tells only the class.
            let kind = match row.kind.to_uppercase().as_str() {
                "INTEGER" | "BIGINT" => "Integer",
                "TEXT" => "Text",
                "BOOLEAN" => "Bool",
                "TIMESTAMP" => "Timestamp",
                "BLOB" => "Binary",
                other => panic!("unexpected SQLite type {other}"),
            };
            columns.insert((table.name.clone(), row.name, kind.into(), row.notnull == 0 && row.pk == 0));
        }
    }
    let indexes: Vec<Name> =
        diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")
            .load(conn)
            .expect("indexes");
    (columns, indexes.into_iter().map(|i| i.name).collect())
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

fn postgres_schema(conn: &mut PgConnection) -> (Columns, BTreeSet<String>) {
    let rows: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("columns");
    let columns = rows
        .into_iter()
        // The search document is PostgreSQL's own; diesel never reads it.
        .filter(|row| row.data_type != "tsvector")
        .map(|row| {
            let kind = match row.data_type.as_str() {
                "bigint" => "BigInt",
                "integer" => "Integer",
                "text" => "Text",
                "boolean" => "Bool",
                "timestamp without time zone" => "Timestamp",
                "bytea" => "Binary",
                other => panic!("unexpected PostgreSQL type {other}"),
            };
            (row.table_name, row.column_name, kind.to_owned(), row.is_nullable == "YES")
        })
        .collect();
    let indexes: Vec<Name> = diesel::sql_query(
        "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = current_schema() \
         AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
    )
    .load(conn)
    .expect("indexes");
    (columns, indexes.into_iter().map(|i| i.name).collect())
}

fn expected_indexes() -> BTreeSet<String> {
    INDEXES.iter().map(|i| i.to_string()).collect()
}

#[test]
fn sqlite_migrations_go_up_down_up_and_match_the_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = SqliteConnection::establish(&dir.path().join("m.db").to_string_lossy()).expect("open");
    conn.run_pending_migrations(SQLITE_MIGRATIONS).expect("up");
    conn.revert_all_migrations(SQLITE_MIGRATIONS).expect("down");
    let (empty, _) = sqlite_schema(&mut conn);
    assert!(empty.is_empty(), "down leaves tables behind: {empty:?}");
    conn.run_pending_migrations(SQLITE_MIGRATIONS).expect("up again");
    let (columns, indexes) = sqlite_schema(&mut conn);
    let declared: Columns = declared_columns()
        .into_iter()
        .map(|(t, c, kind, nullable)| (t, c, if kind == "BigInt" { "Integer".into() } else { kind }, nullable))
        .collect();
    assert_eq!(columns, declared);
    assert_eq!(indexes, expected_indexes());
}

#[test]
fn postgres_migrations_go_up_down_up_and_match_the_schema() {
    let Ok(admin_url) = std::env::var("GOALKEEPER_TEST_POSTGRES_URL") else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL to check the PostgreSQL migrations");
        return;
    };
    let mut conn = PgConnection::establish(&admin_url).expect("connect");
    // A schema of its own, so nothing else on the server is touched.
    let schema = format!("gk_migrations_{}", goalkeeper::auth::random_token(12).to_lowercase());
    conn.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path TO {schema}")).expect("schema");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).expect("up");
        conn.revert_all_migrations(POSTGRES_MIGRATIONS).expect("down");
        let (empty, _) = postgres_schema(&mut conn);
        assert!(empty.is_empty(), "down leaves tables behind: {empty:?}");
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).expect("up again");
        let (columns, indexes) = postgres_schema(&mut conn);
        assert_eq!(columns, declared_columns());
        let mut expected = expected_indexes();
        expected.insert("request_text_document".into());
        expected.insert("request_text_answer".into());
        expected.insert("request_text_good".into());
        expected.insert("request_text_good_answer".into());
        expected.insert("request_text_good_answer_ids".into());
        assert_eq!(indexes, expected);
    }));
    conn.batch_execute(&format!("SET search_path TO public; DROP SCHEMA {schema} CASCADE")).expect("clean up");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A history as the earlier release wrote it: a requester's "thanks" after the close had
/// re-stamped the close onto the comment, made the requester its closer and erased the
/// duplicate link. (Written with the columns of migration 000008.)
const DAMAGED_BY_A_COMMENT: &str = "
INSERT INTO users (id, email, name, role, password_hash, disabled, created_at) VALUES
    (1, 'rita@example.com', 'Rita', 'requester', 'x', FALSE, '2026-11-01 00:00:00'),
    (2, 'gina@example.com', 'Gina', 'engineer', 'x', FALSE, '2026-11-01 00:00:00');
INSERT INTO requests (id, title, description, category_id, urgency, state, requester_id, owner_id, duplicate_of,
    tier_rank, urgency_rank, version, created_at, updated_at, closed_at, closed_by, first_response_at,
    first_triage_at, first_triage_goalkeeper, close_goalkeeper, routed, reopened, private) VALUES
    (1, 'Disk full', 'db-3', 1, 'normal', 'resolved', 1, 2, NULL, 3, 1, 3,
     '2026-11-24 09:00:00', '2026-12-08 12:00:00', '2026-12-08 12:00:00', 1, '2026-11-24 09:30:00',
     '2026-11-24 09:30:00', 2, NULL, FALSE, FALSE, FALSE),
    (2, 'db-3 full', 'same', 1, 'normal', 'rejected', 1, 2, NULL, 3, 1, 3,
     '2026-11-24 09:10:00', '2026-12-08 12:05:00', '2026-12-08 12:05:00', 1, '2026-11-24 10:00:00',
     '2026-11-24 10:00:00', 2, NULL, FALSE, FALSE, FALSE);
INSERT INTO events (id, request_id, actor_id, at, kind, from_state, to_state, owner_id, target_id,
    related_request_id, note, request_version, goalkeeper_id) VALUES
    (1, 1, 1, '2026-11-24 09:00:00', 'filed', NULL, 'new', NULL, NULL, NULL, NULL, 1, 2),
    (2, 1, 2, '2026-11-24 09:30:00', 'resolved', 'new', 'resolved', 2, NULL, NULL, 'Rotated logs', 2, 2),
    (3, 2, 1, '2026-11-24 09:10:00', 'filed', NULL, 'new', NULL, NULL, NULL, NULL, 1, 2),
    (4, 2, 2, '2026-11-24 10:00:00', 'rejected', 'new', 'rejected', 2, NULL, 1, 'Same disk', 2, 2),
    (5, 1, 1, '2026-12-08 12:00:00', 'commented', 'resolved', 'resolved', 2, NULL, NULL, 'thanks!', 3, NULL),
    (6, 2, 1, '2026-12-08 12:05:00', 'commented', 'rejected', 'rejected', 2, NULL, NULL, 'thanks!', 3, NULL);
";

/// Runs the migrations before 000009 on `conn`, writes the damaged history, migrates to the
/// end, and checks that every stored summary is the events' again.
fn the_migration_repairs_a_damaged_history(mut conn: goalkeeper::db::DbConnection) {
    use goalkeeper::db::DbConnection;
    use goalkeeper::domain::metrics::History;
    // Versions read `2026-11-24-000008` or `20261124000008`, depending on how they are shown.
    let before_repair = |applied: Vec<String>| applied.iter().all(|v| v.replace('-', "").as_str() < "20261130");
    match &mut conn {
        DbConnection::Sqlite(inner) => {
            while before_repair(vec![inner.run_next_migration(SQLITE_MIGRATIONS).expect("up").to_string()]) {}
            inner.revert_last_migration(SQLITE_MIGRATIONS).expect("back to 000008");
            inner.batch_execute(DAMAGED_BY_A_COMMENT).expect("old rows");
        }
        DbConnection::Pg(inner) => {
            while before_repair(vec![inner.run_next_migration(POSTGRES_MIGRATIONS).expect("up").to_string()]) {}
            inner.revert_last_migration(POSTGRES_MIGRATIONS).expect("back to 000008");
            inner.batch_execute(DAMAGED_BY_A_COMMENT).expect("old rows");
        }
    }
    goalkeeper::db::migrate(&mut conn).expect("migrate to the end");
    let far = (chrono::DateTime::UNIX_EPOCH, chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(365 * 100));
    let stored = goalkeeper::db::metrics::summaries(&mut conn, far.0, far.1).expect("summaries");
    let ids = [1, 2].into_iter().collect();
    let by_definition: Vec<_> =
        goalkeeper::db::metrics::histories(&mut conn, &ids).expect("histories").iter().map(History::summary).collect();
    assert_eq!(stored, by_definition);
    let at = |raw: &str| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S").expect("time").and_utc();
    assert_eq!(stored[0].closed_at, Some(at("2026-11-24 09:30:00")));
    assert_eq!(stored[0].closed_by.map(|u| u.0), Some(2), "Gina handled it, not the requester who said thanks");
    assert_eq!(stored[0].close_goalkeeper.map(|u| u.0), Some(2));
    assert_eq!(stored[1].duplicate_of.map(|r| r.0), Some(1), "the duplicate link is back");
    let roles: Vec<String> = {
        use goalkeeper::db::schema::events;
        events::table.order(events::id).select(events::actor_role).load(&mut conn).expect("roles")
    };
    assert_eq!(roles, ["requester", "engineer", "requester", "engineer", "requester", "requester"]);
}

#[test]
fn sqlite_migration_repairs_summaries_a_comment_had_rewritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = goalkeeper::db::DatabaseUrl::Sqlite(dir.path().join("repair.db").to_string_lossy().into_owned());
    the_migration_repairs_a_damaged_history(goalkeeper::db::connect(&url).expect("connect"));
}

#[test]
fn postgres_migration_repairs_summaries_a_comment_had_rewritten() {
    let Some(database) = support::PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL to check the PostgreSQL migrations");
        return;
    };
    let url = goalkeeper::db::DatabaseUrl::Postgres(database.url.clone());
    the_migration_repairs_a_damaged_history(goalkeeper::db::connect(&url).expect("connect"));
}

#[test]
fn sqlite_opening_drops_the_samples_that_made_full_text_lookups_plan_again() {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let samples = |conn: &mut goalkeeper::db::DbConnection| {
        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_stat4 WHERE tbl LIKE 'request_fts%'")
            .get_result::<Count>(conn)
            .expect("samples")
            .n
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let url = goalkeeper::db::DatabaseUrl::Sqlite(dir.path().join("s.db").to_string_lossy().into_owned());
    let mut conn = goalkeeper::db::connect(&url).expect("open");
    goalkeeper::db::migrate(&mut conn).expect("migrate");
    for id in 1..=40 {
        conn.batch_execute(&format!(
            "INSERT INTO request_text (id, title, description) VALUES ({id}, 'Certificate {id} expires', 'Renew it.')"
        ))
        .expect("text");
    }
    conn.batch_execute("INSERT INTO request_fts (request_fts) VALUES ('optimize'); ANALYZE;").expect("analyze");
    assert!(samples(&mut conn) > 0, "ANALYZE samples the index's own tables");
    goalkeeper::db::migrate(&mut conn).expect("opened again");
    assert_eq!(samples(&mut conn), 0);
    let words: i64 =
        diesel::sql_query("SELECT COUNT(*) AS n FROM search_words WHERE word IN ('certificate', 'expires', 'renew')")
            .get_result::<Count>(&mut conn)
            .expect("words")
            .n;
    assert_eq!(words, 3, "words of text written past the app are listed when the list is empty");
}
