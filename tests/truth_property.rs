//! Property: for any history the application lets people write — any allowed action by anyone,
//! comments after a close, reopen and re-close, duplicates, role changes, across a DST change —
//! the stored per-request summary equals the one recomputed from the events, and every weekly
//! report figure equals the figure recomputed from `requests.csv` and `events.csv` alone.
//! Runs on SQLite, and on PostgreSQL when `GOALKEEPER_TEST_POSTGRES_URL` is set.

#[path = "support/mod.rs"]
mod support;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use goalkeeper::db::{self, DatabaseUrl, DbConnection, catalog, requests as store, rotation, users};
use goalkeeper::domain::metrics::{self, Concentration, History, IsoWeek, RequestSummary};
use goalkeeper::domain::office::{OfficeHours, TeamSettings};
use goalkeeper::domain::rotation::{RotationPlan, RotationVersion};
use goalkeeper::domain::{Action, Actor, CategoryId, Description, Note, RequestId, Role, Title, Urgency, UserId};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::{BTreeSet, HashMap};

/// One step of a generated history.
#[derive(Debug, Clone)]
enum Step {
    File {
        requester: usize,
        category: i64,
    },
    Act {
        request: usize,
        actor: usize,
        action: u8,
        other: usize,
    },
    Wait {
        minutes: i64,
    },
    /// Promote a requester or demote an engineer (the admin never changes).
    FlipRole {
        person: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..5usize, 1..4i64).prop_map(|(requester, category)| Step::File { requester, category }),
        6 => (0..12usize, 0..5usize, 0..9u8, 0..12usize)
            .prop_map(|(request, actor, action, other)| Step::Act { request, actor, action, other }),
        3 => (1..4_000i64).prop_map(|minutes| Step::Wait { minutes }),
        1 => (1..5usize).prop_map(|person| Step::FlipRole { person }),
    ]
}

struct World {
    people: Vec<(UserId, Role)>,
    requests: Vec<RequestId>,
    now: DateTime<Utc>,
}

fn note(text: &str) -> Note {
    Note::parse(text).expect("note")
}

fn action(code: u8, other: Actor, of: RequestId) -> Action {
    match code {
        0 => Action::Take,
        1 => Action::Route { to: other, note: Some(note("yours")) },
        2 => Action::Consult { with: other, note: note("seen this?") },
        3 => Action::Wait { note: note("which host?") },
        4 => Action::Comment { note: note("thanks, works now!") },
        5 => Action::Resolve { note: note("fixed") },
        6 => Action::Reject { note: note("not ours") },
        7 => Action::Duplicate { of, note: None },
        _ => Action::Reopen { note: note("still broken") },
    }
}

/// Plays `steps` on the database; refused actions are simply not written.
fn play(conn: &mut DbConnection, world: &mut World, steps: &[Step]) {
    for step in steps {
        match step {
            Step::File { requester, category } => {
                let (id, role) = world.people[*requester];
                let title = Title::parse(&format!("Request {}", world.requests.len())).expect("title");
                let description = Description::parse("details").expect("description");
                let new = store::NewRequest {
                    title: &title,
                    description: &description,
                    category: CategoryId(*category),
                    service: None,
                    urgency: Urgency::Normal,
                    requester: id,
                    requester_role: role,
                    idempotency_key: None,
                    private: false,
                };
                let setup = goalkeeper::db::team::current(conn).expect("setup");
                world.requests.push(store::file(conn, &new, &setup, world.now).expect("file").id());
            }
            Step::Act { request, actor, action: code, other } => {
                let Some(&request) = world.requests.get(request % world.requests.len().max(1)) else { continue };
                let (id, role) = world.people[*actor];
                let other_person = world.people[other % world.people.len()];
                let of = world.requests[other % world.requests.len()];
                let current = store::get(conn, request).expect("read").expect("request");
                let act = action(*code, Actor { id: other_person.0, role: other_person.1 }, of);
                let setup = goalkeeper::db::team::current(conn).expect("setup");
                match store::apply(conn, &setup, request, current.version, Actor { id, role }, act, world.now) {
                    Ok(_) | Err(store::ApplyError::Triage(_)) | Err(store::ApplyError::NotFound) => {}
                    Err(other) => panic!("unexpected failure: {other:?}"),
                }
            }
            Step::Wait { minutes } => world.now += Duration::minutes(*minutes),
            Step::FlipRole { person } => {
                let (id, role) = world.people[*person];
                let flipped = if role == Role::Requester { Role::Engineer } else { Role::Requester };
                users::set_role(conn, id, flipped).expect("role change");
                world.people[*person].1 = flipped;
            }
        }
    }
}

/// Checks the property on everything written so far. One `memo` serves every check, as one
/// server's does: what it kept must never outlive the history it was computed from.
fn check(conn: &mut DbConnection, world: &World, team: &TeamSettings, memo: &db::memo::HistoryMemo) {
    let ids: BTreeSet<i64> = world.requests.iter().map(|r| r.0).collect();
    let far = (Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap());
    let mut stored: Vec<RequestSummary> = db::metrics::summaries(conn, far.0, far.1).expect("summaries");
    stored.sort_by_key(|s| s.id);
    let by_definition: Vec<RequestSummary> =
        db::metrics::histories(conn, &ids).expect("histories").iter().map(History::summary).collect();
    assert_eq!(stored, by_definition, "stored summaries differ from the events' definition");

    let requests_csv =
        String::from_utf8(goalkeeper::export::requests_csv(conn, far.0, far.1).expect("csv")).expect("utf-8");
    let events_csv =
        String::from_utf8(goalkeeper::export::events_csv(conn, far.0, far.1).expect("csv")).expect("utf-8");
    let names: HashMap<String, i64> =
        catalog::categories(conn).expect("categories").into_iter().map(|c| (c.name, c.id.0)).collect();
    let from_csv = support::histories_from_csv(&requests_csv, &events_csv, &names);
    assert_eq!(from_csv.len(), ids.len());
    let csv_summaries: Vec<RequestSummary> = from_csv.iter().map(History::summary).collect();
    let tiers_blank = |list: &[RequestSummary]| -> Vec<RequestSummary> {
        list.iter().map(|s| RequestSummary { tier: None, ..s.clone() }).collect()
    };
    assert_eq!(tiers_blank(&csv_summaries), tiers_blank(&stored), "the exports tell another story");

    let tz = team.timezone();
    let first = IsoWeek::containing(START, tz);
    let last = IsoWeek::containing(world.now, tz);
    let mut week = first;
    while week <= last {
        let report = goalkeeper::report::weekly(conn, memo, week, team, world.now).expect("report");
        let bounds = week.bounds(tz);
        let expected = metrics::week_figures(&from_csv, bounds, &team.office).with_deflections(&[], bounds);
        assert_eq!(report.figures, expected, "figures of {week}");
        let roster = rotation::roster(conn, world.now).expect("roster");
        let size = roster.size_before(bounds.1);
        let expected: Vec<Concentration> = metrics::coverage(&from_csv, week.window(12, tz))
            .into_iter()
            .map(|(category, counts)| Concentration::of(category, counts, size))
            .collect();
        assert_eq!(report.concentration, expected, "knowledge concentration of {week}");
        let open = by_definition.iter().filter(|s| !s.state.is_final()).count();
        assert_eq!(report.open_requests.len(), open, "still open in {week}");
        week = week.next();
    }
}

/// Monday 19 October 2026, a week before the clocks go back in Stockholm.
const START: DateTime<Utc> = DateTime::from_timestamp(1_792_368_000, 0).expect("a valid time");

fn run(url: DatabaseUrl) {
    let pool = db::open(&url, 2).expect("open database");
    let mut conn = pool.get().expect("connection");
    let hash = "not a hash: nobody signs in here";
    let mut people = Vec::new();
    for (n, role) in
        [Role::Admin, Role::Engineer, Role::Engineer, Role::Requester, Role::Requester].into_iter().enumerate()
    {
        let email = format!("person{n}@example.com");
        let new = users::NewUser { email: &email, name: &format!("Person {n}"), role, password_hash: hash };
        people.push((users::create(&mut conn, &new, START).expect("user").id, role));
    }
    let tz = chrono_tz::Europe::Stockholm;
    let plan = RotationPlan {
        anchor: NaiveDate::from_ymd_opt(2026, 10, 19).expect("date"),
        handover_time: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        timezone: tz,
        engineers: people.iter().take(3).map(|(id, _)| *id).collect(),
    };
    let version = RotationVersion { effective_from: plan.handover(0), plan };
    rotation::save_version(&mut conn, &version, people[0].0, START).expect("rotation");
    let team =
        TeamSettings { office: OfficeHours { timezone: tz, ..OfficeHours::default() }, ..TeamSettings::default() };
    rotation::save_team_settings(&mut conn, &team).expect("team settings");

    let world = World { people, requests: Vec::new(), now: START + Duration::hours(10) };
    let cases = std::env::var("GOALKEEPER_PROPERTY_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let conn = std::cell::RefCell::new(conn);
    let world = std::cell::RefCell::new(world);
    let memo = db::memo::HistoryMemo::default();
    runner
        .run(&proptest::collection::vec(step(), 1..40), |steps| {
            let (mut conn, mut world) = (conn.borrow_mut(), world.borrow_mut());
            play(&mut conn, &mut world, &steps);
            check(&mut conn, &world, &team, &memo);
            Ok(())
        })
        .expect("the property holds");
}

#[test]
fn stored_summaries_and_report_figures_follow_the_events_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(DatabaseUrl::Sqlite(dir.path().join("property.db").to_string_lossy().into_owned()));
}

#[test]
fn stored_summaries_and_report_figures_follow_the_events_on_postgres() {
    let Some(database) = support::PgDatabase::create() else {
        eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL to run this on PostgreSQL");
        return;
    };
    run(DatabaseUrl::Postgres(database.url.clone()));
}
