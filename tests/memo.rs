//! Kept figures on SQLite (`db::memo`): every table a kept figure may read moves the generation
//! when it changes, a kept value is reused only until then, and nothing computed inside a write
//! transaction is kept.

use diesel::prelude::*;
use diesel::sql_types::Text;
use goalkeeper::db::memo::{HistoryMemo, UNWATCHED_TABLES};
use goalkeeper::db::{self, DatabaseUrl, DbConnection, users};
use goalkeeper::domain::Role;
use std::cell::Cell;
use std::collections::BTreeSet;

fn migrated() -> (tempfile::TempDir, DbConnection) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::Sqlite(dir.path().join("memo.db").to_string_lossy().into_owned());
    let mut conn = db::connect(&url).expect("open");
    db::migrate(&mut conn).expect("migrate");
    (dir, conn)
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

fn names(conn: &mut DbConnection, sql: &str) -> BTreeSet<String> {
    diesel::sql_query(sql).load::<Named>(conn).expect("names").into_iter().map(|n| n.name).collect()
}

fn add_person(conn: &mut DbConnection, email: &str, name: &str) {
    let person = users::NewUser { email, name, role: Role::Engineer, password_hash: "$argon2id$x" };
    users::create(conn, &person, chrono::Utc::now()).expect("person");
}

fn people(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use goalkeeper::db::schema::users;
    users::table.select(users::name).order(users::name).load(conn)
}

#[test]
fn every_table_moves_the_generation_or_is_listed_as_never_read_by_kept_figures() {
    let (_dir, mut conn) = migrated();
    let tables = names(
        &mut conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' AND name NOT LIKE 'request_fts%'",
    );
    let triggers = names(&mut conn, "SELECT name FROM sqlite_master WHERE type = 'trigger'");
    for table in &tables {
        let watched = ["insert", "update", "delete"].map(|op| triggers.contains(&format!("{table}_generation_{op}")));
        if UNWATCHED_TABLES.contains(&table.as_str()) {
            assert_eq!(watched, [false; 3], "{table} is listed as unwatched yet has generation triggers");
        } else {
            assert_eq!(
                watched, [true; 3],
                "{table}: a new table moves the generation (three triggers in its migration) or is listed in \
                 memo::UNWATCHED_TABLES, and then no kept figure may read it"
            );
        }
    }
    for table in UNWATCHED_TABLES {
        assert!(tables.contains(*table), "{table} is listed as unwatched but is no table");
    }
}

#[test]
fn a_kept_value_is_reused_until_a_watched_table_changes() {
    let (_dir, mut conn) = migrated();
    let memo = HistoryMemo::default();
    let computed = Cell::new(0);
    let ask = |conn: &mut DbConnection| {
        memo.get_or_compute(conn, "people", |conn| {
            computed.set(computed.get() + 1);
            people(conn)
        })
        .expect("people")
    };
    add_person(&mut conn, "gina@example.com", "Gina");
    assert_eq!(*ask(&mut conn), ["Gina"]);
    assert_eq!(*ask(&mut conn), ["Gina"]);
    assert_eq!(computed.get(), 1, "nothing changed: the kept value serves");
    // A rename straight in the database, as the CLI or a migration would write it.
    diesel::sql_query("UPDATE users SET name = 'Gina B.'").execute(&mut conn).expect("rename");
    assert_eq!(*ask(&mut conn), ["Gina B."]);
    assert_eq!(computed.get(), 2);
}

#[test]
fn nothing_computed_inside_a_write_is_kept() {
    let (_dir, mut conn) = migrated();
    let memo = HistoryMemo::default();
    let refused = db::write_transaction(&mut conn, |conn| {
        add_person(conn, "ghost@example.com", "Ghost");
        assert_eq!(*memo.get_or_compute(conn, "people", people)?, ["Ghost"]);
        Err::<(), _>(diesel::result::Error::RollbackTransaction)
    });
    assert!(refused.is_err());
    // Another write reaches the generation the rolled-back one had reached.
    add_person(&mut conn, "real@example.com", "Real");
    assert_eq!(*memo.get_or_compute(&mut conn, "people", people).expect("people"), ["Real"]);
}
