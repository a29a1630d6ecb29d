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
