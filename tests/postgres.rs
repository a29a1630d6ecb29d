//! PostgreSQL as the backend of several instances: shared sessions, no double wins, outages
//! and recovery, and copying a SQLite history over. Runs where `GOALKEEPER_TEST_POSTGRES_URL`
//! names a server (`.ci/run` sets it).

mod support;

use goalkeeper::db::{self, DatabaseUrl, requests as store, users};
use goalkeeper::domain::{Action, Actor, CategoryId, Description, Note, RequestId, Role, Title, Urgency, UserId};
use reqwest::blocking::Client;
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};
use support::{BINARY, PgDatabase, Server, add_user_url};

const PASSWORD: &str = "postgres-test-password";

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .expect("http client")
}

fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field")) + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

fn sign_in(client: &Client, server: &Server, email: &str) {
    let page = client.get(server.url("/login")).send().expect("login page").text().expect("body");
    let response = client
        .post(server.url("/login"))
        .form(&[("csrf_token", field(&page, "csrf_token").as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .expect("login");
    assert_eq!(response.status().as_u16(), 303, "sign-in of {email}");
}

fn migrate(url: &str) {
    let status = Command::new(BINARY).arg("migrate").env("GOALKEEPER_DATABASE_URL", url).status().expect("migrate");
    assert!(status.success());
}

#[test]
fn two_instances_share_sessions_and_never_both_win() {
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return;
    };
    migrate(&database.url);
    add_user_url(&database.url, "rita@example.com", "Rita", "requester", PASSWORD);
    add_user_url(&database.url, "gina@example.com", "Gina", "engineer", PASSWORD);
    add_user_url(&database.url, "sam@example.com", "Sam", "engineer", PASSWORD);
    let (a, b) = (Server::start_url(&database.url), Server::start_url(&database.url));

    // A session made on one instance is valid on the other.
    let rita = client();
    sign_in(&rita, &a, "rita@example.com");
    let form = rita.get(b.url("/requests/new")).send().expect("form on B");
    assert_eq!(form.status().as_u16(), 200, "the session from A works on B");
    let token = field(&form.text().expect("body"), "csrf_token");
    let filed = rita
        .post(a.url("/requests"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("title", "Shared"),
            ("description", "d"),
            ("category", "1"),
            ("urgency", "normal"),
        ])
        .send()
        .expect("file");
    assert_eq!(filed.status().as_u16(), 303);
    let path = filed.headers()["location"].to_str().expect("location").to_owned();

    let (gina, sam) = (client(), client());
    sign_in(&gina, &a, "gina@example.com");
    sign_in(&sam, &b, "sam@example.com");
    let gina_token = field(&gina.get(a.url(&path)).send().expect("page").text().expect("body"), "csrf_token");
    let sam_token = field(&sam.get(b.url(&path)).send().expect("page").text().expect("body"), "csrf_token");

    let mut wins = 0;
    for round in 0..100 {
        let version = field(&gina.get(a.url(&path)).send().expect("page").text().expect("body"), "version");
        let barrier = Barrier::new(2);
        let act = |client: &Client, server: &Server, token: &str, who: &str| {
            let note = format!("{who} round {round}");
            barrier.wait();
            client
                .post(server.url(&format!("{path}/comment")))
                .form(&[("csrf_token", token), ("version", version.as_str()), ("note", note.as_str())])
                .send()
                .expect("comment")
                .status()
                .as_u16()
        };
        let (left, right) = std::thread::scope(|scope| {
            let left = scope.spawn(|| act(&gina, &a, &gina_token, "gina"));
            let right = scope.spawn(|| act(&sam, &b, &sam_token, "sam"));
            (left.join().expect("gina"), right.join().expect("sam"))
        });
        let mut statuses = [left, right];
        statuses.sort();
        assert_eq!(statuses, [303, 409], "round {round}: exactly one wins");
        wins += 1;
    }

    let url = DatabaseUrl::Postgres(database.url.clone());
    let pool = db::open(&url, 1).expect("open");
    let mut conn = pool.get().expect("connection");
    let id = RequestId(path.trim_start_matches("/requests/").parse().expect("id"));
    let history = store::history(&mut conn, id).expect("history");
    let comments = history.iter().filter(|e| e.kind == goalkeeper::domain::EventKind::Commented).count();
    assert_eq!(comments, wins, "one event per success");
    assert_eq!(store::get(&mut conn, id).expect("get").expect("request").version, 1 + wins as i32);
}

#[test]
fn a_lost_database_answers_503_and_the_app_recovers_by_itself() {
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return;
    };
    migrate(&database.url);
    add_user_url(&database.url, "gina@example.com", "Gina", "engineer", PASSWORD);
    let server = Server::start_url(&database.url);
    let gina = client();
    sign_in(&gina, &server, "gina@example.com");
    assert_eq!(gina.get(server.url("/queue")).send().expect("queue").status().as_u16(), 200);

    database.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", database.name));
    database.admin(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
        database.name
    ));
    let status = |path: &str| gina.get(server.url(path)).send().map(|r| r.status().as_u16()).unwrap_or(0);
    let wait_for = |path: &str, want: u16| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if status(path) == want {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    };
    assert!(wait_for("/readyz", 503), "/readyz reports the outage");
    let page = gina.get(server.url("/queue")).send().expect("queue during the outage");
    assert_eq!(page.status().as_u16(), 503);
    assert!(page.headers().contains_key("content-security-policy"), "error pages keep the security headers");
    assert!(page.text().expect("body").contains("cannot reach its database"));

    database.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", database.name));
    assert!(wait_for("/readyz", 200), "/readyz recovers without a restart");
    assert_eq!(status("/queue"), 200, "the session survived the outage");
}

#[test]
fn copy_moves_a_sqlite_history_to_postgres() {
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let source = db::open(&DatabaseUrl::parse(&sqlite_url).expect("url"), 1).expect("open source");
    let mut conn = source.get().expect("connection");
    let now = chrono::Utc::now();
    let person = |conn: &mut db::DbConnection, email: &str, role| {
        users::create(conn, &users::NewUser { email, name: email, role, password_hash: "$argon2id$x" }, now)
            .expect("user")
            .id
    };
    let rita = person(&mut conn, "rita@example.com", Role::Requester);
    let gina = person(&mut conn, "gina@example.com", Role::Engineer);
    let file = |conn: &mut db::DbConnection, n: usize| {
        let (title, description) =
            (Title::parse(&format!("Request {n}")).expect("title"), Description::parse("d").expect("d"));
        let new = store::NewRequest {
            title: &title,
            description: &description,
            category: CategoryId(1 + (n as i64 % 7)),
            service: None,
            urgency: Urgency::Normal,
            requester: rita,
            requester_role: Role::Requester,
            idempotency_key: Some(&format!("key-{n}")),
            private: n % 10 == 9,
        };
        let setup = goalkeeper::db::team::current(conn).expect("setup");
        store::file(conn, &new, &setup, now).expect("file").id()
    };
    let ids: Vec<RequestId> = (0..30).map(|n| file(&mut conn, n)).collect();
    let engineer = Actor { id: gina, role: Role::Engineer };
    // The first request is a duplicate of a later one: links must survive the copy.
    let setup = goalkeeper::db::team::current(&mut conn).expect("setup");
    store::apply(&mut conn, &setup, ids[0], 1, engineer, Action::Duplicate { of: ids[29], note: None }, now)
        .expect("duplicate");
    let resolution = Note::parse("Restarted the flux capacitor.").expect("note");
    store::apply(&mut conn, &setup, ids[1], 1, engineer, Action::Resolve { note: resolution }, now).expect("resolve");
    // A good answer that solved someone's problem before they filed it.
    goalkeeper::db::knowledge::mark_good_answer(&mut conn, ids[1], engineer, true, now).expect("good answer");
    let deflection = goalkeeper::db::knowledge::NewDeflection {
        requester: rita,
        answer: ids[1],
        title: "Flux capacitor again",
        category: None,
        idempotency_key: None,
    };
    goalkeeper::db::knowledge::record_deflection(&mut conn, &deflection, now).expect("deflection");
    let source_history = store::history(&mut conn, ids[1]).expect("history");
    // The rota and the handover notes come along too.
    let plan = goalkeeper::domain::rotation::RotationPlan {
        anchor: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        handover_time: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        timezone: chrono_tz::Tz::UTC,
        engineers: vec![gina],
    };
    let version = goalkeeper::domain::rotation::RotationVersion { effective_from: plan.handover(0), plan };
    goalkeeper::db::rotation::save_version(&mut conn, &version, gina, now).expect("rotation");
    goalkeeper::db::metrics::save_notes(&mut conn, "2026-W48", "Watch the DNS alerts.", gina, now).expect("notes");
    // A chat bot's token keeps working on the new database.
    let bot = goalkeeper::app::Context::new(rita, Role::Requester, now, Default::default());
    let (_, bot_token) = goalkeeper::app::tokens::create(&mut conn, &bot, "chat bot", "write", None).expect("token");
    // A screenshot on a request travels with it, byte for byte.
    let screenshot: Vec<u8> = b"\x89PNG\r\n\x1a\n".iter().copied().chain((0..=255u8).cycle().take(70_000)).collect();
    let shot = goalkeeper::db::attachments::NewFile {
        file_name: "screen.png",
        content_type: "image/png",
        internal: false,
        content: &screenshot,
    };
    let setup = goalkeeper::db::team::current(&mut conn).expect("setup");
    let attachment = goalkeeper::db::attachments::add(&mut conn, &setup, ids[2], engineer, &shot, now).expect("attach");
    drop(conn);

    let run = |args: &[&str]| Command::new(BINARY).args(args).output().expect("goalkeeper copy");
    let copied = run(&["copy", "--from", &sqlite_url, "--to", &database.url]);
    assert!(copied.status.success(), "{}", String::from_utf8_lossy(&copied.stderr));
    assert!(String::from_utf8_lossy(&copied.stdout).contains("row counts match"));

    let target = db::open(&DatabaseUrl::Postgres(database.url.clone()), 1).expect("open target");
    let mut pg = target.get().expect("connection");
    let mut sqlite = source.get().expect("connection");
    let copied = db::copy::counts(&mut pg).expect("counts");
    assert_eq!(copied, db::copy::counts(&mut sqlite).expect("counts"));
    let holder = goalkeeper::app::tokens::authenticate(&mut pg, &bot_token, now).expect("authenticate");
    assert_eq!(holder.map(|b| b.user), Some(rita), "the token still works after the copy");
    assert!(
        copied.iter().all(|(table, rows)| *rows > 0
            || ["settings", "sessions", "login_failures", "services", "rotation_overrides", "routing_advice"]
                .contains(table)),
        "{copied:?}"
    );
    assert_eq!(store::history(&mut pg, ids[1]).expect("history"), source_history, "events keep ids and timestamps");
    assert_eq!(goalkeeper::db::attachments::content(&mut pg, attachment).expect("content"), screenshot);
    // The search text is rebuilt on the target: the answer is found by its resolution.
    let scope = goalkeeper::db::search::Scope::Answers;
    let found =
        goalkeeper::db::search::search(&mut pg, "flux capacitor", goalkeeper::db::search::Match::Any, scope, None, 5)
            .expect("search");
    assert_eq!(found.iter().map(|h| h.id).collect::<Vec<_>>(), vec![ids[1].0]);
    let private: i64 = {
        use diesel::prelude::*;
        goalkeeper::db::schema::requests::table
            .filter(goalkeeper::db::schema::requests::private.eq(true))
            .count()
            .get_result(&mut **pg)
            .expect("private")
    };
    assert_eq!(private, 3, "private flags come along");
    assert_eq!(store::get(&mut pg, ids[0]).expect("get").expect("request").duplicate_of, Some(ids[29]));
    let next = person(&mut pg, "new@example.com", Role::Requester);
    assert_eq!(next, UserId(3), "sequences continue after the copied ids");
    // The load took the target's indexes, foreign keys and triggers off; all are back, and
    // the copied search text equals the source's.
    let catalog_counts = |pg: &mut db::DbConnection| -> Vec<i64> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        [
            "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema()",
            "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'",
            "SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'",
            "SELECT count(*) AS n FROM pg_trigger WHERE tgenabled = 'D'",
        ]
        .iter()
        .map(|sql| diesel::sql_query(*sql).get_result::<Count>(pg).expect("catalog").n)
        .collect()
    };
    let fresh = PgDatabase::create().expect("a second database");
    let migrated = db::open(&DatabaseUrl::Postgres(fresh.url.clone()), 1).expect("migrate");
    let expected = catalog_counts(&mut migrated.get().expect("connection"));
    assert_eq!(catalog_counts(&mut pg), expected, "indexes, foreign keys, enabled and disabled triggers");
    let texts = |conn: &mut db::DbConnection| -> Vec<(i64, String, String, String, String)> {
        use diesel::prelude::*;
        use goalkeeper::db::schema::request_text as t;
        t::table.order(t::id).select((t::id, t::title, t::notes, t::resolution, t::tags)).load(conn).expect("texts")
    };
    assert_eq!(texts(&mut pg), texts(&mut sqlite));
    // Written after the copy, a resolution is found by the triggers' search text.
    let warp = Note::parse("Recalibrated the warp coil.").expect("note");
    let setup = goalkeeper::db::team::current(&mut pg).expect("setup");
    store::apply(&mut pg, &setup, ids[3], 1, engineer, Action::Resolve { note: warp }, now)
        .expect("resolve on the target");
    let found = goalkeeper::db::search::search(
        &mut pg,
        "warp coil",
        goalkeeper::db::search::Match::All,
        goalkeeper::db::search::Scope::Everything,
        None,
        5,
    )
    .expect("search");
    assert_eq!(found.iter().map(|h| h.id).collect::<Vec<_>>(), vec![ids[3].0]);

    let refused = run(&["copy", "--from", &sqlite_url, "--to", &database.url]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--replace"));
    let replaced = run(&["copy", "--from", &sqlite_url, "--to", &database.url, "--replace"]);
    assert!(replaced.status.success(), "{}", String::from_utf8_lossy(&replaced.stderr));
    assert_eq!(db::copy::counts(&mut pg).expect("counts"), db::copy::counts(&mut sqlite).expect("counts"));
}

#[test]
fn connection_problems_print_the_real_cause_quickly() {
    let started = Instant::now();
    let refused = Command::new(BINARY)
        .arg("migrate")
        .env("GOALKEEPER_DATABASE_URL", "postgres://postgres@127.0.0.1:1/goalkeeper")
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(started.elapsed() < Duration::from_secs(6));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("cannot open the database") && message.contains("refused"), "{message}");

    let Some(database) = PgDatabase::create() else {
        return;
    };
    let missing = support::with_database(&database.url, "gk_no_such_database");
    let started = Instant::now();
    let output = Command::new(BINARY).arg("migrate").env("GOALKEEPER_DATABASE_URL", &missing).output().expect("run");
    assert!(!output.status.success());
    assert!(started.elapsed() < Duration::from_secs(6));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
}

/// A TCP proxy in front of PostgreSQL that can freeze: connections stay open and accepted, but
/// nothing passes, as when the server's processes are stopped.
struct FreezableProxy {
    port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FreezableProxy {
    fn start(upstream: std::net::SocketAddr) -> FreezableProxy {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(upstream) else { continue };
                for (mut from, mut to) in
                    [(client.try_clone().expect("clone"), server.try_clone().expect("clone")), (server, client)]
                {
                    let flag = flag.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        loop {
                            while flag.load(Ordering::Relaxed) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            match from.read(&mut buffer) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    while flag.load(Ordering::Relaxed) {
                                        std::thread::sleep(Duration::from_millis(20));
                                    }
                                    if to.write_all(&buffer[..n]).is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        FreezableProxy { port, frozen }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.store(frozen, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn a_frozen_database_answers_503_within_the_deadline_and_the_app_recovers() {
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return;
    };
    migrate(&database.url);
    add_user_url(&database.url, "gina@example.com", "Gina", "engineer", PASSWORD);
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&"127.0.0.1:5432").expect("address").next().expect("one");
    let proxy = FreezableProxy::start(upstream);
    let through_proxy =
        support::with_database(&format!("postgres://postgres@127.0.0.1:{}/x", proxy.port), &database.name);
    let server = Server::start_url(&through_proxy);
    let gina = client();
    sign_in(&gina, &server, "gina@example.com");
    assert_eq!(gina.get(server.url("/queue")).send().expect("queue").status().as_u16(), 200);

    proxy.freeze(true);
    let started = Instant::now();
    let page = gina.get(server.url("/queue")).send().expect("an answer while the database is frozen");
    let waited = started.elapsed();
    assert_eq!(page.status().as_u16(), 503);
    assert!(waited < Duration::from_secs(14), "answered after {waited:?}");
    let ready = gina.get(server.url("/readyz")).send().expect("readyz");
    assert_eq!(ready.status().as_u16(), 503);

    proxy.freeze(false);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = 0;
    while Instant::now() < deadline {
        status = gina.get(server.url("/queue")).send().map(|r| r.status().as_u16()).unwrap_or(0);
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(status, 200, "the app recovers once the database thaws");
}

#[test]
fn search_walks_a_long_history_newest_first_in_bands() {
    use diesel::prelude::*;
    use goalkeeper::db::search::{Match, Scope, search};
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return;
    };
    let pool = db::open(&DatabaseUrl::Postgres(database.url.clone()), 1).expect("open");
    let mut pg = pool.get().expect("connection");
    // 50,000 texts: the newest band (8,192 ids) is matched row by row, the next two through the
    // index. "Quasar" is in one text of each band, "printer" in every tenth text.
    diesel::sql_query(
        "INSERT INTO request_text (id, title, description) \
         SELECT g, 'Request ' || g || CASE WHEN g % 10 = 0 THEN ' printer' ELSE '' END, \
                CASE WHEN g IN (3, 20000, 49000) THEN 'the quasar alarm again' ELSE 'nothing to see' END \
         FROM generate_series(1, 50000) g",
    )
    .execute(&mut **pg)
    .expect("texts");
    let ids = |pg: &mut db::DbConnection, query: &str, from: Option<i64>| -> Vec<i64> {
        search(pg, query, Match::All, Scope::Everything, from, 5).expect("search").iter().map(|h| h.id).collect()
    };
    assert_eq!(ids(&mut pg, "quasar", None), vec![49000, 20000, 3], "every band is reached");
    assert_eq!(ids(&mut pg, "quasar alarm", Some(10_000)), vec![49000, 20000], "not before from_id");
    assert_eq!(ids(&mut pg, "printer", None), vec![50000, 49990, 49980, 49970, 49960], "the newest first");
}

/// A migrated database of its own and three connections to it; None (the test skips) where no
/// PostgreSQL server is named.
fn three_connections() -> Option<(PgDatabase, [db::PooledConnection; 3])> {
    let Some(database) = PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL");
        return None;
    };
    migrate(&database.url);
    let pool = db::open(&DatabaseUrl::Postgres(database.url.clone()), 3).expect("open");
    let connection = || pool.get().expect("connection");
    Some((database, [connection(), connection(), connection()]))
}

#[test]
fn the_history_memo_is_never_reused_after_a_commit_even_one_out_of_id_order() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use goalkeeper::db::{memo::HistoryMemo, schema::events};
    let Some((_database, [mut reader, mut early, mut late])) = three_connections() else { return };
    let now = chrono::Utc::now();
    let rita = users::create(
        &mut reader,
        &users::NewUser {
            email: "rita@example.com",
            name: "Rita",
            role: Role::Requester,
            password_hash: "$argon2id$x",
        },
        now,
    )
    .expect("user")
    .id;
    let (title, description) = (Title::parse("Printer on fire").expect("title"), Description::parse("d").expect("d"));
    let new = store::NewRequest {
        title: &title,
        description: &description,
        category: CategoryId(1),
        service: None,
        urgency: Urgency::Normal,
        requester: rita,
        requester_role: Role::Requester,
        idempotency_key: None,
        private: false,
    };
    let setup = goalkeeper::db::team::current(&mut reader).expect("setup");
    let request = store::file(&mut reader, &new, &setup, now).expect("file").id();
    let comment = format!(
        "INSERT INTO events (request_id, actor_id, at, kind, to_state, request_version, actor_role) \
         VALUES ({}, {}, now(), 'commented', 'new', 1, 'requester')",
        request.0, rita.0
    );

    let memo = HistoryMemo::default();
    let computed = std::cell::Cell::new(0);
    let count = |conn: &mut db::DbConnection| -> i64 {
        *memo
            .get_or_compute(conn, "events", |conn| {
                computed.set(computed.get() + 1);
                events::table.count().get_result::<i64>(conn)
            })
            .expect("count")
    };
    let first = count(&mut reader);
    assert_eq!(count(&mut reader), first);
    assert_eq!(computed.get(), 1, "nothing was committed in between: the value is reused");

    // One event takes its id and waits; a later one commits first.
    early.batch_execute(&format!("BEGIN; {comment}")).expect("early event");
    late.batch_execute(&comment).expect("late event");
    assert_eq!(count(&mut reader), first + 1);
    // The older id commits last: the newest id is the same as before, the history is not.
    early.batch_execute("COMMIT").expect("commit");
    assert_eq!(count(&mut reader), first + 2, "the event committed out of id order is counted");
    assert_eq!(computed.get(), 3);

    // A transaction that wrote sees its own rows: what it computes is neither kept nor served.
    // (Rolled back, its snapshot's text is the one the next reader gets.)
    let inside = reader.transaction(|conn| {
        conn.batch_execute(&comment)?;
        assert_eq!(count(conn), first + 3);
        Err::<(), _>(diesel::result::Error::RollbackTransaction)
    });
    assert!(inside.is_err());
    assert_eq!(count(&mut reader), first + 2, "the rolled-back count was never kept");
}

#[test]
fn the_history_memo_keeps_nothing_computed_while_a_commit_landed() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use goalkeeper::db::{memo::HistoryMemo, schema::users as people};
    let Some((_database, [mut reader, mut other_reader, mut writer])) = three_connections() else { return };
    let people_now = |conn: &mut db::DbConnection| people::table.count().get_result::<i64>(conn).expect("count");
    let before = people_now(&mut reader);

    // A reader whose transaction began before the commit below reads that older state throughout.
    other_reader.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ").expect("begin");
    assert_eq!(people_now(&mut other_reader), before);

    // This computation reads twice, and a commit lands between its two reads: its value mixes two
    // states of the database, and must not be kept for the older one.
    writer.batch_execute("BEGIN; INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('x@example.com', 'X', 'requester', 'x', now())").expect("insert");
    let memo = HistoryMemo::default();
    let mixed = memo
        .get_or_compute(&mut reader, "people twice", |conn| {
            let first = people_now(conn);
            writer.batch_execute("COMMIT").expect("commit");
            Ok::<_, diesel::result::Error>((first, people_now(conn)))
        })
        .expect("compute");
    assert_eq!(*mixed, (before, before + 1));
    let seen = memo
        .get_or_compute(&mut other_reader, "people twice", |conn| {
            Ok::<_, diesel::result::Error>((people_now(conn), people_now(conn)))
        })
        .expect("older snapshot");
    assert_eq!(*seen, (before, before), "the older state gets its own figures, never the mixed ones");
    other_reader.batch_execute("COMMIT").expect("end");
}
