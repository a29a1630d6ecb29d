//! Schemathesis (PyPI `schemathesis`) against the running API with a token: it reads
//! `/api/v1/openapi.json`, generates calls, and checks that none answers 5xx and every answer
//! matches the document. `.ci/run` installs it and sets `GOALKEEPER_REQUIRE_SCHEMATHESIS`.

mod support;

use std::process::Command;
use support::{BINARY, Server};

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_document() {
    let found = Command::new("schemathesis").arg("--version").output();
    if found.is_err() {
        assert!(std::env::var("GOALKEEPER_REQUIRE_SCHEMATHESIS").is_err(), "schemathesis is required here but missing");
        eprintln!("skipped: pip install schemathesis");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("api.db");
    let url = support::database_url(&db);
    let seeded = Command::new(BINARY)
        .args(["seed", "--requests", "200"])
        .env("GOALKEEPER_DATABASE_URL", &url)
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let token = Command::new(BINARY)
        .args(["token", "create", "--email", "gina@example.com", "--name", "schemathesis"])
        .env("GOALKEEPER_DATABASE_URL", &url)
        .output()
        .expect("token");
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    let server = Server::start(&db);
    // Run in the temporary folder: schemathesis keeps a cache where it runs.
    let run = Command::new("schemathesis")
        .current_dir(dir.path())
        .args(["run", &server.url("/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", "40", "--seed", "20261130", "--no-color"])
        .output()
        .expect("run schemathesis");
    let said = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "{said}");
    assert!(said.contains("passed"), "{said}");
}
