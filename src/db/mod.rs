//! Storage: one diesel schema and one set of queries over SQLite (embedded default) and
//! PostgreSQL (several instances), chosen by the URL scheme.

pub mod attachments;
pub mod bulk;
pub mod catalog;
pub mod copy;
pub mod group_commit;
pub mod id_list;
pub mod knowledge;
pub mod memo;
pub mod metrics;
pub mod models;
pub mod notify;
mod one_of;
pub mod requests;
pub mod rotation;
pub mod schema;
pub mod search;
pub mod sessions;
pub mod team;
pub mod timestamps;
pub mod tokens;
pub mod users;
pub mod views;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager, TransactionManagerStatus};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long opening a connection may take before the real cause is reported.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a request waits for a pooled connection before it answers 503: during an outage
/// pages fail fast instead of hanging.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// How long a pooled PostgreSQL connection that answered a check is trusted without another:
/// a round trip before every use was two of a page's nine.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection with when it last proved alive.
pub struct LiveConnection {
    conn: DbConnection,
    checked_at: std::time::Instant,
}

impl std::ops::Deref for LiveConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for LiveConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A database location parsed from `GOALKEEPER_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path for SQLite (`sqlite://goalkeeper.db`, `sqlite:///var/lib/gk.db`).
    Sqlite(String),
    /// A libpq connection URL (`postgres://user:pass@host/db`).
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("the SQLite URL names no file: use sqlite://path/to/goalkeeper.db".into());
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self::Postgres(raw.to_owned()))
        } else {
            Err(format!("unsupported database URL {:?}: it must start with sqlite:// or postgres://", redact(raw)))
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// The URL without its password, for messages.
pub fn redact(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &raw[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &raw[..scheme_end + 3], &raw[at..]),
                None => raw.to_owned(),
            }
        }
        _ => raw.to_owned(),
    }
}

/// Opens one connection, set up as the app needs it.
pub fn connect(url: &DatabaseUrl) -> ConnectionResult<DbConnection> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            // SQLite's own message ("unable to open database file") does not say which file.
            let mut conn = SqliteConnection::establish(path).map_err(|e| {
                ConnectionError::BadConnection(format!(
                    "{e} (SQLite file {path}: does its folder exist, and may we write there?)"
                ))
            })?;
            // busy_timeout first, so switching to WAL waits for other writers.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                SQLITE_BUSY_TIMEOUT.as_millis()
            ))
            .map_err(|e| ConnectionError::BadConnection(format!("setting SQLite pragmas on {path}: {e}")))?;
            Ok(traced(DbConnection::Sqlite(conn)))
        }
        DatabaseUrl::Postgres(raw) => Ok(traced(DbConnection::Pg(PgConnection::establish(&with_pg_limits(raw))?))),
    }
}

/// With `GOALKEEPER_LOG=goalkeeper::sql=debug`, every statement is logged with its duration,
/// to find the query that makes a page slow.
fn traced(mut conn: DbConnection) -> DbConnection {
    if tracing::enabled!(target: "goalkeeper::sql", tracing::Level::DEBUG) {
        let mut started = std::time::Instant::now();
        conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| match event {
            diesel::connection::InstrumentationEvent::StartQuery { .. } => started = std::time::Instant::now(),
            diesel::connection::InstrumentationEvent::FinishQuery { query, .. } => {
                let micros = started.elapsed().as_micros();
                tracing::debug!(target: "goalkeeper::sql", micros, "{query}");
            }
            _ => {}
        });
    }
    conn
}

/// A PostgreSQL URL with the limits that keep a sick server from holding requests: a connect
/// timeout, TCP keepalives (a vanished server is noticed in seconds), a statement timeout (a
/// runaway query ends on the server) — each unless the URL sets it already. A server whose
/// processes are frozen still answers TCP, so requests also have a deadline of their own
/// (`web::DB_DEADLINE`).
pub fn with_pg_limits(raw: &str) -> String {
    let limits = [
        ("connect_timeout", CONNECT_TIMEOUT.as_secs().to_string()),
        ("keepalives", "1".into()),
        ("keepalives_idle", "10".into()),
        ("keepalives_interval", "5".into()),
        ("keepalives_count", "3".into()),
        ("options", format!("-c%20statement_timeout%3D{}", STATEMENT_TIMEOUT.as_millis())),
    ];
    let mut url = raw.to_owned();
    for (name, value) in limits {
        if !url.contains(&format!("{name}=")) {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{name}={value}");
        }
    }
    url
}

/// The longest one PostgreSQL statement may run (exports read in chunks well under it).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// r2d2 manager that opens connections by URL scheme (the derived `establish` would try each
/// backend in turn, and SQLite would happily create a file named like a PostgreSQL URL).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = LiveConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<LiveConnection, ConnectionError> {
        Ok(LiveConnection { conn: connect(&self.url)?, checked_at: std::time::Instant::now() })
    }

    /// A connection that answered within the last second is handed out without asking again;
    /// one idle longer is asked first (a restarted server ends its connections). A server that
    /// goes away within that second fails the requests of that second, honestly (503), and
    /// its connections are asked at their next use after it.
    fn is_valid(&self, live: &mut LiveConnection) -> Result<(), ConnectionError> {
        if live.checked_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        live.conn.batch_execute("SELECT 1").map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        live.checked_at = std::time::Instant::now();
        Ok(())
    }

    fn has_broken(&self, live: &mut LiveConnection) -> bool {
        matches!(transaction_status(&mut live.conn), TransactionManagerStatus::InError)
    }
}

/// Opens a first connection (so a wrong URL or password reports its real cause at once), runs
/// pending migrations and builds the pool.
pub fn open(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<Pool> {
    let mut first = connect(url).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    migrate(&mut first)?;
    drop(first);
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        // A SQLite file does not go away under an open connection; a PostgreSQL connection
        // can, so only those are checked with a round trip before each use.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .connection_timeout(CHECKOUT_TIMEOUT)
        .build(ConnectionManager { url: url.clone() })
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    Ok(pool)
}

/// Applies the migrations of the connection's backend that have not run yet.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE_MIGRATIONS).map(|m| m.len()),
        DbConnection::Pg(inner) => {
            // Instances starting together take turns; the later ones find nothing to do.
            inner.batch_execute(&format!("SELECT pg_advisory_lock({})", lock::MIGRATIONS))?;
            // A migration rewrites whole tables, which on a large history takes longer than the
            // statement timeout meant for requests; the connection's own limit returns after.
            inner.batch_execute("SET statement_timeout = 0")?;
            let applied = inner.run_pending_migrations(POSTGRES_MIGRATIONS).map(|m| m.len());
            inner
                .batch_execute(&format!("RESET statement_timeout; SELECT pg_advisory_unlock({})", lock::MIGRATIONS))?;
            applied
        }
    }
    .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    // Samples an `ANALYZE` took of the full-text index's own tables go at every start.
    search::forget_index_samples(conn).map_err(|e| anyhow::anyhow!("dropping index samples: {e}"))?;
    // The words of the search text are split by the app, not by SQL: filled once, after the
    // migration that made their table (`seed` and `copy`, which write texts past the app, fill
    // them themselves).
    if search::words_missing(conn)? {
        write_transaction(conn, search::fill_words)
            .map_err(|e| anyhow::anyhow!("listing the words of the search text: {e}"))?;
    }
    Ok(applied)
}

/// The connection's transaction state as diesel tracks it; a connection marked in error is
/// dropped by the pool instead of being handed out again.
pub fn transaction_status(conn: &mut DbConnection) -> &mut TransactionManagerStatus {
    match conn {
        DbConnection::Sqlite(inner) => AnsiTransactionManager::transaction_manager_status_mut(inner),
        DbConnection::Pg(inner) => AnsiTransactionManager::transaction_manager_status_mut(inner),
    }
}

/// Whether a transaction (or savepoint) is open on this connection.
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    matches!(transaction_status(conn).transaction_depth(), Ok(Some(_)))
}

/// Runs `work` in one transaction that takes the write lock up front. On SQLite that is
/// `BEGIN IMMEDIATE`: a deferred transaction that upgrades to writing can fail at once with
/// SQLITE_BUSY instead of waiting for the busy timeout.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Kept figures are neither read nor kept while this thread's writes are uncommitted.
    let _writing = memo::Writing::begin();
    // Inside another transaction the lock is already held: a savepoint is all that is needed.
    if in_transaction(conn) {
        return conn.transaction(work);
    }
    let turn = match conn {
        DbConnection::Sqlite(_) => SQLITE_WRITERS.try_lock_for(SQLITE_BUSY_TIMEOUT),
        DbConnection::Pg(_) => None,
    };
    match conn {
        DbConnection::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConnection::Pg(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    let outcome = work(conn);
    let finish = match (&outcome, conn) {
        (Ok(_), DbConnection::Sqlite(inner)) => AnsiTransactionManager::commit_transaction(inner),
        (Ok(_), DbConnection::Pg(inner)) => AnsiTransactionManager::commit_transaction(inner),
        (Err(_), DbConnection::Sqlite(inner)) => AnsiTransactionManager::rollback_transaction(inner),
        (Err(_), DbConnection::Pg(inner)) => AnsiTransactionManager::rollback_transaction(inner),
    };
    if let Some(turn) = turn {
        // Straight to the writer waiting longest, even if this thread wants to write again.
        parking_lot::MutexGuard::unlock_fair(turn);
    }
    match (outcome, finish) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// How long a SQLite writer waits for the write lock before it fails (`busy_timeout`).
const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// This process's SQLite write transactions take turns here before `BEGIN IMMEDIATE`.
///
/// SQLite's own wait for its write lock polls, sleeping up to 100 ms between tries. While the
/// group committer writes batch after batch (an alert storm filing through the API), a writer
/// outside it — a triage action, a token or session noting its use — could miss every moment
/// the lock was free until its busy timeout failed it (seen at a million requests: filings
/// answered 500 after 5 s). Here each writer gets the lock in turn, handed over the moment the
/// one before commits. One turn for the whole process, whichever database: a server opens one,
/// and one writer at a time is all SQLite allows per database anyway. After waiting a whole
/// busy timeout a writer goes on without its turn and SQLite decides, as before.
static SQLITE_WRITERS: parking_lot::Mutex<()> = parking_lot::const_mutex(());

/// Keys for [`serialize`].
pub mod lock {
    pub const MIGRATIONS: i64 = 6_172_839;
    pub const SETUP: i64 = 6_172_840;
    pub const ANNOUNCE: i64 = 6_172_841;
}

/// Inside a write transaction: waits until no other transaction holds `key`, and holds it
/// until this one ends. On SQLite every write transaction already excludes the others
/// (`BEGIN IMMEDIATE`); on PostgreSQL this takes a transaction-scoped advisory lock.
pub fn serialize(conn: &mut DbConnection, key: i64) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Pg(inner) => inner.batch_execute(&format!("SELECT pg_advisory_xact_lock({key})")),
    }
}

/// The row a lookup by primary key found, if any. Such lookups are loaded without `first()`: a
/// bound `LIMIT ?` makes SQLite compile the statement again every time it is rebound.
pub fn only<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// Several reads that must agree with each other. On SQLite one read transaction sees one
/// snapshot. PostgreSQL's READ COMMITTED gives every statement its own snapshot inside a
/// transaction as outside one, so there the reads run as they are: `BEGIN` and `COMMIT` would
/// add two round trips and no agreement (the memo checks its snapshot before and after).
pub fn read_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(_) => conn.transaction(work),
        DbConnection::Pg(_) => work(conn),
    }
}

/// Writes a consistent copy of a SQLite database to `path` while it stays online
/// (`VACUUM INTO`), then checks the copy with `PRAGMA integrity_check`.
pub fn backup(conn: &mut DbConnection, path: &std::path::Path) -> anyhow::Result<()> {
    let DbConnection::Sqlite(inner) = conn else {
        anyhow::bail!("backup copies SQLite files; back up PostgreSQL with pg_dump (see the README)");
    };
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file", path.display());
    }
    // The copy is written under a temporary name beside the target and renamed only once it
    // passed its check: an interrupted backup leaves no file at the path that looks complete.
    let file_name =
        path.file_name().and_then(|n| n.to_str()).ok_or_else(|| anyhow::anyhow!("the backup path must name a file"))?;
    let partial = path.with_file_name(format!(".{file_name}.partial-{}", crate::auth::random_token(8)));
    let outcome = write_checked_copy(inner, &partial);
    match outcome.and_then(|()| {
        // No-clobber: a file that appeared at the path meanwhile is never replaced.
        std::fs::hard_link(&partial, path).map_err(|e| anyhow::anyhow!("moving the backup to {}: {e}", path.display()))
    }) {
        Ok(()) => {
            let _ = std::fs::remove_file(&partial);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_checked_copy(inner: &mut SqliteConnection, partial: &std::path::Path) -> anyhow::Result<()> {
    let target = partial.to_str().ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
    inner.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;

    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut copy = SqliteConnection::establish(target)?;
    let verdict: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut copy)?;
    drop(copy);
    match verdict.as_slice() {
        [only] if only.integrity_check == "ok" => {
            // On disk before it gets its real name.
            std::fs::File::open(partial)?.sync_all()?;
            Ok(())
        }
        problems => anyhow::bail!(
            "the backup failed its integrity check: {}",
            problems.iter().map(|p| p.integrity_check.as_str()).collect::<Vec<_>>().join("; ")
        ),
    }
}

/// Whether the database answers (for `/readyz`).
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// A value stored by the database but not one the application knows: the data was changed
/// behind the application's back.
pub fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(format!("unexpected {what} {value:?} in the database").into())
}

/// An operation's error that is either its own refusal (an unknown category, a conflict, a
/// rule of the domain) or a database failure.
pub trait Refusal: Sized {
    /// The database failure it is, or the refusal itself.
    fn database_failure(self) -> Result<diesel::result::Error, Self>;
}

macro_rules! refusals {
    ($($error:ty),*) => {$(
        impl Refusal for $error {
            fn database_failure(self) -> Result<diesel::result::Error, Self> {
                match self {
                    Self::Db(e) => Ok(e),
                    refusal => Err(refusal),
                }
            }
        }
    )*};
}

refusals!(
    requests::FileError,
    requests::ApplyError,
    knowledge::MarkError,
    knowledge::DeflectError,
    users::UserError,
    catalog::CatalogError
);

/// Sets a database failure apart (it becomes an error page) from the refusals the caller
/// answers itself.
pub fn refusals<T, E: Refusal>(result: Result<T, E>) -> QueryResult<Result<T, E>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) => match e.database_failure() {
            Ok(failure) => Err(failure),
            Err(refusal) => Ok(Err(refusal)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://goalkeeper.db"), Ok(DatabaseUrl::Sqlite("goalkeeper.db".into())));
        assert_eq!(DatabaseUrl::parse("sqlite:///var/lib/gk.db"), Ok(DatabaseUrl::Sqlite("/var/lib/gk.db".into())));
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://gk:s3cret@db:5432/gk"), "postgres://gk:***@db:5432/gk");
        assert_eq!(redact("postgres://db/gk"), "postgres://db/gk");
    }
}
