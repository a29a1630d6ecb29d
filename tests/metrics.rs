//! `/metrics` on a running server: what Prometheus needs, checked by Prometheus's own
//! `promtool`. `.ci/run` installs it and sets `GOALKEEPER_REQUIRE_PROMTOOL`, so CI never skips.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use support::{BINARY, Server};

fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let client = reqwest::blocking::Client::new();
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("request");
    (response.status().as_u16(), response.text().expect("body"))
}

#[test]
fn metrics_pass_promtool_and_tell_what_is_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("m.db");
    let seeded = Command::new(BINARY)
        .args(["seed", "--requests", "400"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let server = Server::start(&db);
    for path in ["/healthz", "/readyz", "/login", "/requests/17", "/nothing-here"] {
        get(&server.url(path), None);
    }
    let (status, body) = get(&server.url("/metrics"), None);
    assert_eq!(status, 200);
    for expected in [
        "goalkeeper_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1",
        "goalkeeper_http_requests_total{route=\"/requests/{id}\",method=\"GET\",status=\"303\"} 1",
        "goalkeeper_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"}",
        "goalkeeper_db_pool_connections ",
        "goalkeeper_open_requests{state=\"new\",tier=\"critical\"}",
        "goalkeeper_overdue_requests ",
        "goalkeeper_oldest_untriaged_age_seconds ",
    ] {
        assert!(body.contains(expected), "{expected} is missing:\n{body}");
    }
    assert!(!body.contains("/requests/17"), "routes, never concrete paths");

    let promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut promtool) = promtool else {
        assert!(std::env::var("GOALKEEPER_REQUIRE_PROMTOOL").is_err(), "promtool is required here but not installed");
        eprintln!("skipped the promtool check: install Debian's prometheus package");
        return;
    };
    promtool.stdin.take().expect("stdin").write_all(body.as_bytes()).expect("write");
    let checked = promtool.wait_with_output().expect("promtool");
    assert!(
        checked.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn a_metrics_token_keeps_metrics_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("m.db");
    support::add_user(&db, "ada@example.com", "Ada", "admin", "a long password");
    let port = support::free_port();
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .env("GOALKEEPER_BIND", format!("127.0.0.1:{port}"))
        .env("GOALKEEPER_METRICS_TOKEN", "scrape-secret-0123456789")
        .env("GOALKEEPER_LOG", "warn")
        .spawn()
        .expect("serve");
    assert!(support::wait_for_port(port, std::time::Duration::from_secs(20)));
    let url = format!("http://127.0.0.1:{port}/metrics");
    assert_eq!(get(&url, None).0, 401);
    assert_eq!(get(&url, Some("wrong")).0, 401);
    assert_eq!(get(&url, Some("scrape-secret-0123456789")).0, 200);
    let _ = child.kill();
    let _ = child.wait();
}
