//! The command line: bad URLs, backups.

mod support;

use std::process::Command;
use support::{BINARY, add_user};

#[test]
fn a_bad_database_url_is_refused_with_a_clear_message() {
    let output = Command::new(BINARY).arg("migrate").env("GOALKEEPER_DATABASE_URL", "mysql://x").output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("must start with sqlite:// or postgres://"));
}

#[test]
fn backup_writes_a_checked_copy_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("live.db");
    add_user(&db, "ada@example.com", "Ada", "admin", "a long password");
    let backup = dir.path().join("backup.db");
    let run = || {
        Command::new(BINARY)
            .args(["backup", &backup.to_string_lossy()])
            .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
            .output()
            .expect("run backup")
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("integrity check: ok"));

    use diesel::prelude::*;
    let mut copy = diesel::SqliteConnection::establish(&backup.to_string_lossy()).expect("open backup");
    let people: i64 = goalkeeper::db::schema::users::table.count().get_result(&mut copy).expect("count");
    assert_eq!(people, 1);

    let again = run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn user_add_refuses_a_short_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BINARY)
        .args(["user", "add", "--email", "a@example.com", "--name", "A", "--role", "engineer"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&dir.path().join("u.db")))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(b"short\n").expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 8 characters"));
}

#[test]
fn an_interrupted_backup_leaves_nothing_at_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("live.db");
    let seeded = Command::new(BINARY)
        .args(["seed", "--requests", "20000"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let backup = dir.path().join("backup.db");
    // Killed at several moments of its work: whatever was written, the path is empty or holds a
    // whole, checked copy, and the next backup to it works.
    for delay_ms in [5u64, 40, 150] {
        let mut child = Command::new(BINARY)
            .args(["backup", &backup.to_string_lossy()])
            .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start backup");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let finished = child.wait().expect("wait").success();
        if finished {
            assert!(backup.exists());
            std::fs::remove_file(&backup).expect("remove the finished copy");
        } else {
            assert!(!backup.exists(), "a killed backup left a file at its path (after {delay_ms} ms)");
        }
    }
    let completed = Command::new(BINARY)
        .args(["backup", &backup.to_string_lossy()])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .output()
        .expect("backup");
    assert!(completed.status.success(), "{}", String::from_utf8_lossy(&completed.stderr));
    use diesel::prelude::*;
    let mut copy = diesel::SqliteConnection::establish(&backup.to_string_lossy()).expect("open backup");
    let requests: i64 = goalkeeper::db::schema::requests::table.count().get_result(&mut copy).expect("count");
    assert_eq!(requests, 20_000);
}

#[test]
fn sigterm_lets_keep_alive_clients_finish_every_request_they_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("live.db");
    add_user(&db, "ada@example.com", "Ada", "admin", "a long password");
    let server = support::Server::start(&db);
    let port = server.port;
    // Four clients, each on one keep-alive connection, asking as fast as they can.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                use std::io::{BufRead, BufReader, Read, Write};
                let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
                stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let (mut answered, mut cut_off) = (0, 0);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").is_err() {
                        break; // closed before we sent: nothing was lost
                    }
                    let mut status = String::new();
                    if reader.read_line(&mut status).unwrap_or(0) == 0 {
                        cut_off += 1; // sent, and never answered
                        break;
                    }
                    let (mut length, mut close) = (0usize, false);
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap_or(0);
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        close |= lower.starts_with("connection: close");
                        if line == "\r\n" || line.is_empty() {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    answered += 1;
                    if close {
                        break; // the server asked us to stop using this connection
                    }
                }
                (answered, cut_off)
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    std::thread::sleep(std::time::Duration::from_secs(3));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let results: Vec<(usize, usize)> = clients.into_iter().map(|c| c.join().expect("client")).collect();
    assert!(results.iter().all(|(answered, _)| *answered > 0), "{results:?}");
    assert_eq!(results.iter().map(|(_, cut)| cut).sum::<usize>(), 0, "requests cut off: {results:?}");
}

#[test]
fn a_database_file_that_cannot_be_opened_is_named() {
    let output = Command::new(BINARY)
        .arg("migrate")
        .env("GOALKEEPER_DATABASE_URL", "sqlite:///no/such/folder/goalkeeper.db")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("/no/such/folder/goalkeeper.db"), "{said}");
}

#[test]
fn export_writes_requests_and_events_as_csv_or_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("e.db");
    let url = support::database_url(&db);
    let seeded = Command::new(BINARY)
        .args(["seed", "--requests", "300"])
        .env("GOALKEEPER_DATABASE_URL", &url)
        .output()
        .expect("seed");
    assert!(seeded.status.success());
    let run =
        |args: &[&str]| Command::new(BINARY).args(args).env("GOALKEEPER_DATABASE_URL", &url).output().expect("export");
    let csv = run(&["export", "requests", "--from", "2000-01-01", "--to", "2100-01-01"]);
    assert!(csv.status.success(), "{}", String::from_utf8_lossy(&csv.stderr));
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(csv.starts_with("id,title,category,"));
    assert_eq!(csv.lines().count(), 301, "a header and 300 requests");
    let json = run(&["export", "events", "--from", "2000-01-01", "--to", "2100-01-01", "--format", "json"]);
    assert!(json.status.success());
    let events: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let events = events.as_array().expect("an array");
    assert!(events.len() > 300);
    assert_eq!(events[0]["kind"], "filed");
    assert_eq!(events[0]["actor_role"], "requester");
    assert!(events[0]["from_state"].is_null(), "empty cells are null");
    let bad = run(&["export", "requests", "--from", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from"));
}

#[test]
fn a_reply_by_email_resumes_the_request_and_strangers_are_refused() {
    use goalkeeper::app::{self, Context, requests::ActInput, requests::FileInput};
    use goalkeeper::domain::{ActionName, Clock, State, SystemClock, office::TeamSettings};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("mail.db");
    add_user(&db, "rita@example.com", "Rita", "requester", "a long password for rita");
    add_user(&db, "gina@example.com", "Gina", "engineer", "a long password for gina");
    let url = goalkeeper::db::DatabaseUrl::parse(&support::database_url(&db)).expect("url");
    let pool = goalkeeper::db::open(&url, 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let person = |conn: &mut goalkeeper::db::DbConnection, email: &str| {
        goalkeeper::db::users::by_email(conn, email).expect("lookup").expect("person").0
    };
    let (rita, gina) = (person(&mut conn, "rita@example.com"), person(&mut conn, "gina@example.com"));
    let ctx = |who: &goalkeeper::app::User| Context::new(who.id, who.role, SystemClock.now(), TeamSettings::default());
    let input =
        FileInput { title: "VPN drops".into(), description: "Every hour.".into(), category: 1, ..Default::default() };
    let (request, _) = app::requests::file(&mut conn, &ctx(&rita), &input).expect("filed");
    let ask = ActInput { note: Some("Which client do you use?".into()), ..Default::default() };
    app::requests::perform(&mut conn, &ctx(&gina), request.id, request.version, ActionName::Wait, &ask).expect("asked");
    let token = app::notify::reply_token(&mut conn, request.id.0, rita.id.0).expect("token");
    drop(conn);

    let mail_in = |database: &str, from: &str, to: &str| {
        let mut child = Command::new(BINARY)
            .arg("mail-in")
            .env("GOALKEEPER_DATABASE_URL", database)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run mail-in");
        let message = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: Re: Question about #{id}\r\nIn-Reply-To: <request-{id}@gk.example>\r\n\r\nWireGuard 1.0 on Debian.\r\n\r\nOn Tue, 24 Nov 2026, Goalkeeper wrote:\r\n> Which client do you use?\r\n",
            id = request.id
        );
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(message.as_bytes()).expect("write");
        child.wait_with_output().expect("wait")
    };
    let database = support::database_url(&db);
    let stranger = mail_in(&database, "mallory@example.com", &format!("gk+{token}@example.com"));
    assert_eq!(stranger.status.code(), Some(67), "{}", String::from_utf8_lossy(&stranger.stderr));
    assert!(String::from_utf8_lossy(&stranger.stderr).contains("no Goalkeeper account"));
    let forged =
        mail_in(&database, "rita@example.com", &format!("gk+r{}-{}-0000000000@example.com", request.id, rita.id));
    assert_eq!(forged.status.code(), Some(67));
    let down = mail_in("postgres://postgres@127.0.0.1:1/none", "rita@example.com", &format!("gk+{token}@example.com"));
    assert_eq!(down.status.code(), Some(75), "the MTA should retry: {}", String::from_utf8_lossy(&down.stderr));

    let replied = mail_in(&database, "Rita <rita@example.com>", &format!("gk+{token}@example.com"));
    assert!(replied.status.success(), "{}", String::from_utf8_lossy(&replied.stderr));
    let mut conn = pool.get().expect("connection");
    let now = goalkeeper::db::requests::get(&mut conn, request.id).expect("read").expect("request");
    assert_eq!(now.state, State::InProgress, "the reply resumed the waiting request");
    let history = goalkeeper::db::requests::history(&mut conn, request.id).expect("history");
    let last = history.last().expect("events");
    assert_eq!((last.actor, last.note.as_deref()), (rita.id, Some("WireGuard 1.0 on Debian.")));
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SchemaObject {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    sql: Option<String>,
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq)]
struct FtsSetting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    k: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    v: i64,
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The seed builds indexes and the full-text index after loading (`db::bulk`): the database it
/// leaves has every index and trigger a migrated one has, and search keeps up with new writes.
#[test]
fn a_seeded_database_has_the_migrated_schema_and_a_live_full_text_index() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;
    let dir = tempfile::tempdir().expect("temp dir");
    let seeded_path = dir.path().join("seeded.db");
    let seeded = Command::new(BINARY)
        .args(["seed", "--requests", "500"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&seeded_path))
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let fresh_path = dir.path().join("fresh.db");
    let mut fresh = SqliteConnection::establish(&fresh_path.to_string_lossy()).expect("fresh");
    fresh.run_pending_migrations(goalkeeper::db::SQLITE_MIGRATIONS).expect("migrate");
    let mut conn = SqliteConnection::establish(&seeded_path.to_string_lossy()).expect("seeded");
    let schema = |conn: &mut SqliteConnection| -> Vec<SchemaObject> {
        diesel::sql_query(
            "SELECT type AS kind, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name",
        )
        .load(conn)
        .expect("schema")
    };
    assert_eq!(schema(&mut conn), schema(&mut fresh));
    // The load rebuilt the full-text index with FTS5's own merge settings and put the migrated
    // ones back.
    let merging = |conn: &mut SqliteConnection| -> Vec<FtsSetting> {
        diesel::sql_query(
            "SELECT k, CAST(v AS INTEGER) AS v FROM request_fts_config WHERE k IN ('automerge', 'crisismerge') ORDER BY k",
        )
        .load(conn)
        .expect("settings")
    };
    let migrated = merging(&mut fresh);
    assert_eq!(
        migrated.iter().map(|s| (s.k.as_str(), s.v)).collect::<Vec<_>>(),
        [("automerge", 16), ("crisismerge", 64)]
    );
    assert_eq!(merging(&mut conn), migrated);

    let search = |conn: &mut SqliteConnection, word: &str| -> Vec<i64> {
        diesel::sql_query(format!(
            "SELECT rowid AS id FROM request_fts WHERE request_fts MATCH '{word}' ORDER BY rowid"
        ))
        .load::<Found>(conn)
        .expect("search")
        .into_iter()
        .map(|f| f.id)
        .collect()
    };
    // Every stored text with a requester's thanks in its notes is found by it, and only those.
    let thanked: Vec<i64> =
        diesel::sql_query("SELECT id FROM request_text WHERE notes LIKE '%Thanks, works now!%' ORDER BY id")
            .load::<Found>(&mut conn)
            .expect("texts")
            .into_iter()
            .map(|f| f.id)
            .collect();
    assert!(!thanked.is_empty());
    assert_eq!(search(&mut conn, "thanks"), thanked);
    conn.batch_execute("INSERT INTO request_fts (request_fts) VALUES ('integrity-check')")
        .expect("index matches the text");
    // The full-text index's triggers are back: a note written now is found.
    conn.batch_execute("UPDATE request_text SET notes = notes || ' zebracorn' WHERE id = 7").expect("write");
    assert_eq!(search(&mut conn, "zebracorn"), vec![7]);
}
