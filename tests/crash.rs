//! Nothing acknowledged is lost: file requests in a loop, SIGKILL the server mid-way, restart,
//! and find every request the server answered 303 for, in a database that passes
//! `PRAGMA integrity_check`.

mod support;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Server, add_user};

const PASSWORD: &str = "crash-test-password";

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

fn signed_in_client(server: &Server) -> (reqwest::blocking::Client, String) {
    let client = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client");
    let login = client.get(server.url("/login")).send().expect("login page").text().expect("body");
    let token = csrf_of(&login);
    let response = client
        .post(server.url("/login"))
        .form(&[("csrf_token", token.as_str()), ("email", "rita@example.com"), ("password", PASSWORD)])
        .send()
        .expect("login");
    assert_eq!(response.status().as_u16(), 303);
    let form = client.get(server.url("/requests/new")).send().expect("form").text().expect("body");
    (client, csrf_of(&form))
}

#[test]
fn acknowledged_requests_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("crash.db");
    add_user(&db, "rita@example.com", "Rita", "requester", PASSWORD);
    let mut server = Server::start(&db);
    let (client, token) = signed_in_client(&server);

    let acknowledged = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let acknowledged = acknowledged.clone();
        let stop = stop.clone();
        let url = server.url("/requests");
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let title = format!("crash-test request {n}");
                let key = format!("crash-key-{n}");
                let sent = client
                    .post(&url)
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("title", title.as_str()),
                        ("description", "filed during the crash test"),
                        ("category", "1"),
                        ("urgency", "normal"),
                        ("idempotency_key", key.as_str()),
                    ])
                    .send();
                match sent {
                    Ok(response) if response.status().as_u16() == 303 => {
                        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
                        let id =
                            location.trim_start_matches("/requests/").parse::<i64>().expect("request id in Location");
                        acknowledged.lock().expect("lock").push((id, title));
                    }
                    Ok(response) => panic!("unexpected status {}", response.status()),
                    Err(_) => break, // the server is gone
                }
            }
        })
    };
    // Let a good number of requests through, then pull the plug without warning.
    while acknowledged.lock().expect("lock").len() < 40 {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer thread");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 40);

    // Restart on the same file: every acknowledged request is there.
    let server = Server::start(&db);
    let (client, _) = signed_in_client(&server);
    for (id, title) in &acknowledged {
        let page = client.get(server.url(&format!("/requests/{id}"))).send().expect("request page");
        assert_eq!(page.status().as_u16(), 200, "request {id} is missing after the crash");
        assert!(page.text().expect("body").contains(title.as_str()));
    }
    drop(server);

    let mut conn = SqliteConnection::establish(&db.to_string_lossy()).expect("open the database");
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn).expect("integrity check");
    assert_eq!(check.iter().map(|c| c.integrity_check.as_str()).collect::<Vec<_>>(), vec!["ok"]);
}

/// A webhook receiver that logs each delivery's id (Python's standard library).
const RECEIVER: &str = r#"
import http.server, sys
port, log_file = int(sys.argv[1]), sys.argv[2]
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers['content-length']))
        with open(log_file, 'a') as log:
            log.write(self.headers['webhook-id'] + '\n')
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(('127.0.0.1', port), Receiver).serve_forever()
"#;

/// A notification is written with the request it is about: SIGKILL the server after the API
/// acknowledged the request but before the receiver (down) got its message, restart it ten
/// minutes later (libfaketime), and the message arrives.
#[test]
fn a_notification_acknowledged_before_a_crash_is_sent_after_the_restart() {
    // libfaketime itself, preloaded into the server (the `faketime` wrapper would leave the
    // server running when it is killed).
    let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
    if !std::path::Path::new(library).exists() {
        if std::env::var("GOALKEEPER_REQUIRE_FAKETIME").is_ok_and(|v| v == "1") {
            panic!("faketime is required here (GOALKEEPER_REQUIRE_FAKETIME=1) but missing");
        }
        eprintln!("skipping: apt-get install faketime");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("notify.db");
    add_user(&db, "rita@example.com", "Rita", "requester", PASSWORD);
    let receiver_port = support::free_port();
    {
        let url = goalkeeper::db::DatabaseUrl::parse(&support::database_url(&db)).expect("url");
        let pool = goalkeeper::db::open(&url, 1).expect("pool");
        let mut conn = pool.get().expect("connection");
        let hook = format!("http://127.0.0.1:{receiver_port}/");
        let channel = goalkeeper::db::notify::NewChannel {
            name: "ops",
            kind: "webhook",
            url: &hook,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            topics: "new_request",
        };
        goalkeeper::db::notify::add_channel(&mut conn, &channel, chrono::Utc::now()).expect("channel");
    }
    let token_output = std::process::Command::new(support::BINARY)
        .args(["token", "create", "--email", "rita@example.com", "--name", "bot", "--scope", "write"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .output()
        .expect("token create");
    let token = String::from_utf8_lossy(&token_output.stdout).trim().to_owned();

    let mut server = Server::start(&db);
    let filed = reqwest::blocking::Client::new()
        .post(server.url("/api/v1/requests"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"title": "Disk full on db-3", "description": "Alert.", "category_id": 1}"#)
        .send()
        .expect("file");
    assert_eq!(filed.status().as_u16(), 201, "acknowledged");
    server.kill();

    let log = dir.path().join("received");
    let mut receiver = std::process::Command::new("python3")
        .args(["-c", RECEIVER, &receiver_port.to_string()])
        .arg(&log)
        .spawn()
        .expect("start the receiver");
    assert!(support::wait_for_port(receiver_port, Duration::from_secs(10)));
    let port = support::free_port();
    let mut restarted = std::process::Command::new(support::BINARY)
        .arg("serve")
        .env("LD_PRELOAD", library)
        .env("FAKETIME", "+10m")
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .env("GOALKEEPER_BIND", format!("127.0.0.1:{port}"))
        .env("GOALKEEPER_LOG", "warn")
        .spawn()
        .expect("restart under faketime");
    let mut received = String::new();
    for _ in 0..150 {
        received = std::fs::read_to_string(&log).unwrap_or_default();
        if !received.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = restarted.kill();
    let _ = restarted.wait();
    let _ = receiver.kill();
    let _ = receiver.wait();
    assert!(received.starts_with("msg_"), "the message arrived after the restart: {received:?}");
    let ids: std::collections::BTreeSet<&str> = received.lines().collect();
    assert_eq!(ids.len(), 1, "one message, however often it was tried");
}
