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
