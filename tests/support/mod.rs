//! Running the real `goalkeeper` binary for tests that need a live server.
#![allow(dead_code)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_goalkeeper");

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub fn wait_for_port(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

pub fn database_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// `goalkeeper user add` on a SQLite file, with the password on standard input.
pub fn add_user(db: &Path, email: &str, name: &str, role: &str, password: &str) {
    add_user_url(&database_url(db), email, name, role, password)
}

pub fn add_user_url(url: &str, email: &str, name: &str, role: &str, password: &str) {
    let mut child = Command::new(BINARY)
        .args(["user", "add", "--email", email, "--name", name, "--role", role])
        .env("GOALKEEPER_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start goalkeeper user add");
    child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("write password");
    assert!(child.wait().expect("user add finished").success(), "goalkeeper user add failed");
}

/// A `goalkeeper serve` process on a free port; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Serves the SQLite database at `db`.
    pub fn start(db: &Path) -> Server {
        Self::start_url(&database_url(db))
    }

    pub fn start_url(url: &str) -> Server {
        let port = free_port();
        let child = Command::new(BINARY)
            .arg("serve")
            .env("GOALKEEPER_DATABASE_URL", url)
            .env("GOALKEEPER_BIND", format!("127.0.0.1:{port}"))
            .env("GOALKEEPER_WORKERS", "2")
            .env("GOALKEEPER_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start goalkeeper serve");
        assert!(wait_for_port(port, Duration::from_secs(20)), "the server did not start listening");
        Server { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown, no flushing; what was committed must survive.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL database of its own on the server named by `GOALKEEPER_TEST_POSTGRES_URL`,
/// dropped at the end; `None` where that variable is not set.
pub struct PgDatabase {
    pub admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> Option<PgDatabase> {
        use diesel::{Connection, RunQueryDsl};
        let admin_url = std::env::var("GOALKEEPER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        let name = format!("gk_test_{}", goalkeeper::auth::random_token(16).to_lowercase());
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("connect to GOALKEEPER_TEST_POSTGRES_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
        let url = with_database(&admin_url, &name);
        Some(PgDatabase { admin_url, name, url })
    }

    /// Runs SQL as the administrator (on the admin database, not this one).
    pub fn admin(&self, sql: &str) {
        use diesel::{Connection, RunQueryDsl};
        let mut admin = diesel::PgConnection::establish(&self.admin_url).expect("admin connection");
        diesel::sql_query(sql).execute(&mut admin).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.admin_url) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin);
        }
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

fn csv_time(raw: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&chrono::Utc)).expect("an RFC 3339 time")
}

/// Rebuilds every request's history from the two CSV exports alone. Categories are named in
/// the export: `category_ids` gives their ids where known; others are numbered in order.
pub fn histories_from_csv(
    requests_csv: &str,
    events_csv: &str,
    category_ids: &std::collections::HashMap<String, i64>,
) -> Vec<goalkeeper::domain::metrics::History> {
    use goalkeeper::domain::metrics::{History, MetricEvent};
    use goalkeeper::domain::{CategoryId, EventKind, RequestId, State, Tier, UserId};
    let mut requests = csv::Reader::from_reader(requests_csv.as_bytes());
    let header = requests.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (id, category, tier, state, created) =
        (column("id"), column("category"), column("tier"), column("state"), column("created_at"));
    let mut categories = category_ids.clone();
    let mut out: std::collections::BTreeMap<i64, History> = Default::default();
    for row in requests.records() {
        let row = row.expect("row");
        let next = 1_000_000 + categories.len() as i64;
        let category_id = *categories.entry(row[category].to_owned()).or_insert(next);
        let request = row[id].parse().expect("id");
        out.insert(
            request,
            History {
                id: RequestId(request),
                category: CategoryId(category_id),
                tier: Tier::parse(&row[tier]).ok(),
                state: State::parse(&row[state]).expect("state"),
                filed_at: csv_time(&row[created]),
                events: Vec::new(),
            },
        );
    }
    let mut events = csv::Reader::from_reader(events_csv.as_bytes());
    let header = events.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let optional = |raw: &str| raw.parse::<i64>().ok();
    for row in events.records() {
        let row = row.expect("row");
        let request: i64 = row[column("request_id")].parse().expect("request id");
        out.get_mut(&request).expect("a known request").events.push(MetricEvent {
            kind: EventKind::parse(&row[column("kind")]).expect("kind"),
            at: csv_time(&row[column("at")]),
            actor: UserId(row[column("actor_id")].parse().expect("actor")),
            by_engineer: &row[column("actor_is_engineer")] == "true",
            target: optional(&row[column("target_id")]).map(UserId),
            goalkeeper: optional(&row[column("goalkeeper_id")]).map(UserId),
            related: optional(&row[column("related_request_id")]).map(RequestId),
        });
    }
    out.into_values().collect()
}
