//! Reports that never mislead: each figure follows the brief's definitions, whatever happens to
//! a request after it closed, whoever covers the goalkeeper, and wherever DST falls.

use crate::backend_test;
use crate::helpers::{Browser, PASSWORD, TestApp};
use actix_web::http::StatusCode;
use chrono::{Duration, NaiveDateTime};
use goalkeeper::domain::Role;
use serde_json::Value;

/// The summary columns the reports read, as stored.
type Stored = (Option<NaiveDateTime>, Option<i64>, Option<i64>, Option<i64>, Option<NaiveDateTime>);

fn stored(app: &TestApp, id: i64) -> Stored {
    use diesel::prelude::*;
    use goalkeeper::db::schema::requests;
    let mut conn = app.pool.get().expect("connection");
    requests::table
        .find(id)
        .select((
            requests::closed_at,
            requests::closed_by,
            requests::close_goalkeeper,
            requests::duplicate_of,
            requests::first_response_at,
        ))
        .first(&mut **conn)
        .expect("request row")
}

/// Ada (admin) sets up a UTC rotation Gina → Sam from Mon 23 Nov (2026-W48); the test clock
/// stands at Tue 24 Nov 10:00 UTC.
async fn rotation(app: &TestApp) -> (Browser, Browser, i64, Browser, i64) {
    let (ada, gina, gina_id, sam, sam_id) = crate::rotation::rotation(app).await;
    (ada, gina, gina_id.0, sam, sam_id.0)
}

async fn report(browser: &Browser, week: &str) -> Value {
    let response = browser.get(&format!("/reports/weekly/{week}.json")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).expect("report JSON")
}

async fn relogin(email: &str, app: &TestApp) -> Browser {
    let browser = app.browser();
    assert_eq!(browser.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    browser
}

backend_test! {
    async fn a_comment_on_a_closed_request_changes_no_close_and_no_figure(app) {
        let (_, gina, gina_id, _, _) = rotation(&app).await;
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let original = rita.file("Disk full on db-3").await;
        let copy = rita.file("db-3 disk is full").await;
        assert_eq!(gina.act(original, "take", &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(gina.act(original, "resolve", &[("note", "Rotated the logs.")]).await.status, StatusCode::SEE_OTHER);
        let original_text = original.to_string();
        let closed = gina.act(copy, "duplicate", &[("of", &original_text), ("note", "Same disk.")]).await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let before = (stored(&app, original), stored(&app, copy));
        assert_eq!(before.0.1, Some(gina_id));
        assert_eq!(before.1.3, Some(original), "closed as a duplicate of the original");
        let week48 = report(&gina, "2026-W48").await;

        // Two weeks later the requester says thanks on both, and Gina adds a note to one.
        app.clock.advance(Duration::weeks(2));
        let (rita, gina) = (relogin("rita@example.com", &app).await, relogin("gina@example.com", &app).await);
        for id in [original, copy] {
            let thanks = rita.act(id, "comment", &[("note", "thanks, works now!")]).await;
            assert_eq!(thanks.status, StatusCode::SEE_OTHER, "{}", thanks.body);
        }
        assert_eq!(gina.act(original, "comment", &[("note", "For the record: logrotate.")]).await.status, StatusCode::SEE_OTHER);

        assert_eq!((stored(&app, original), stored(&app, copy)), before, "no close, closer or duplicate link moved");
        let again = report(&gina, "2026-W48").await;
        for key in ["figures", "concentration", "silos"] {
            assert_eq!(again[key], week48[key], "{key} of 2026-W48 changed after a comment");
        }
        let handlers = &again["concentration"][0]["by_engineer"];
        assert_eq!(handlers.get(gina_id.to_string()).and_then(Value::as_u64), Some(1));
        assert!(handlers.get(rita_id.0.to_string()).is_none(), "the requester never becomes the handler");
        let week50 = report(&gina, "2026-W50").await;
        assert_eq!(week50["figures"]["lead_time"]["count"], 0, "the comment's week gains no close");
        assert_eq!(week50["figures"]["reopen_rate"]["of"], 0);

        let csv = gina.get("/export/requests.csv?from=2026-11-01&to=2026-12-31").await.body;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().expect("header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).expect("column");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let row = |id: i64| rows.iter().find(|r| r[column("id")] == id.to_string()).expect("row of the request");
        assert_eq!(&row(copy)[column("duplicate_of")], original_text.as_str());
        assert!(row(original)[column("closed_at")].starts_with("2026-11-24T10:00"), "{:?}", row(original));
    }
}

backend_test! {
    async fn the_report_names_who_really_kept_goal_and_they_write_the_notes(app) {
        let (_, gina, _, sam, sam_id) = rotation(&app).await;
        // Sam covers Gina from Tuesday 10:00 to Sunday 10:00: five of Gina's six and a half days.
        gina.get("/rotation").await;
        let sam_text = sam_id.to_string();
        let cover = gina
            .post("/rotation/overrides", &[("engineer", &sam_text), ("from", "2026-11-24T10:00"), ("to", "2026-11-29T10:00"), ("note", "holiday")])
            .await;
        assert_eq!(cover.status, StatusCode::SEE_OTHER, "{}", cover.body);
        let week48 = report(&gina, "2026-W48").await;
        assert_eq!(week48["goalkeeper"]["id"], sam_id, "Sam was on duty longest in 2026-W48");
        assert_eq!(week48["next_goalkeeper"]["id"], sam_id, "2026-W49 is Sam's scheduled week");
        let gina_notes = gina.post("/reports/weekly/2026-W48/notes", &[("notes", "mine?")]).await;
        assert_eq!(gina_notes.status, StatusCode::FORBIDDEN);
        sam.get("/reports/weekly/2026-W48").await;
        let sam_notes = sam.post("/reports/weekly/2026-W48/notes", &[("notes", "Watch the DNS alerts.")]).await;
        assert_eq!(sam_notes.status, StatusCode::SEE_OTHER);
        assert!(sam.get("/reports/weekly/2026-W48").await.body.contains("Watch the DNS alerts."));

        // The week before the rotation began has no goalkeeper, but its next one is known.
        let week47 = report(&gina, "2026-W47").await;
        assert_eq!(week47["goalkeeper"], Value::Null);
        assert_eq!(week47["next_goalkeeper"]["id"], sam_id);
    }
}

backend_test! {
    async fn still_open_lists_every_open_request(app) {
        use goalkeeper::db::requests as store;
        use goalkeeper::domain::{CategoryId, Description, Title, Urgency};
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        {
            let mut conn = app.pool.get().expect("connection");
            let now = goalkeeper::domain::Clock::now(&*app.clock);
            let description = Description::parse("d").expect("description");
            for n in 0..205 {
                let title = Title::parse(&format!("Open request {n}")).expect("title");
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
                let setup = goalkeeper::db::team::current(&mut conn).expect("setup");
                store::file(&mut conn, &new, &setup, now - Duration::minutes(300 - n)).expect("file");
            }
        }
        let json = report(&gina, "2026-W48").await;
        assert_eq!(json["open_requests"].as_array().map(Vec::len), Some(205));
        assert_eq!(json["open_requests"][0]["title"], "Open request 0", "oldest first");
        let markdown = gina.get("/reports/weekly/2026-W48.md").await.body;
        assert!(markdown.contains("## Still open (205)"));
        assert_eq!(markdown.matches("Open request ").count(), 205);
        let page = gina.get("/reports/weekly/2026-W48").await.body;
        assert_eq!(page.matches("data-open-request=").count(), 205);
    }
}

backend_test! {
    async fn exports_give_each_event_the_role_its_actor_had_then(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Certificate expires Friday").await;
        assert_eq!(rita.act(id, "comment", &[("note", "It is the staging one.")]).await.status, StatusCode::SEE_OTHER);
        app.clock.advance(Duration::minutes(30));
        assert_eq!(gina.act(id, "take", &[]).await.status, StatusCode::SEE_OTHER);
        ada.get("/admin/users").await;
        let promoted = ada.post(&format!("/admin/users/{}/role", rita_id.0), &[("role", "engineer")]).await;
        assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.body);

        let csv = gina.get("/export/events.csv?from=2026-11-01&to=2026-12-31").await.body;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().expect("header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).expect("column");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let roles: Vec<(&str, &str, &str)> =
            rows.iter().map(|r| (&r[column("kind")], &r[column("actor_role")], &r[column("actor_is_engineer")])).collect();
        assert_eq!(
            roles,
            [("filed", "requester", "false"), ("commented", "requester", "false"), ("taken", "engineer", "true")]
        );
        // First response recomputed from the export is the engineer's take, 30 minutes in.
        let requests = gina.get("/export/requests.csv?from=2026-11-01&to=2026-12-31").await.body;
        let histories = crate::support::histories_from_csv(&requests, &csv, &std::collections::HashMap::new());
        assert_eq!(histories[0].time_to_first_response().map(|(a, b)| b - a), Some(Duration::minutes(30)));
        let stored_first_response = stored(&app, id).4.map(|t| t.and_utc());
        assert_eq!(stored_first_response, histories[0].first_response().map(|e| e.at));
    }
}

backend_test! {
    async fn the_twelve_week_window_starts_at_monday_midnight_local_across_dst(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        ada.get("/rotation/settings").await;
        let team = ada
            .post("/rotation/settings/team", &[("timezone", "Europe/Stockholm"), ("day_mon", "1"), ("day_tue", "1"), ("day_wed", "1"), ("day_thu", "1"), ("day_fri", "1"), ("office_start", "09:00"), ("office_end", "17:00"), ("holidays", ""), ("critical_minutes", "60"), ("important_minutes", "240"), ("can_wait_minutes", "960")])
            .await;
        assert_eq!(team.status, StatusCode::SEE_OTHER, "{}", team.body);
        app.create_user("gina@example.com", "Gina", Role::Engineer);
        app.create_user("rita@example.com", "Rita", Role::Requester);
        // 2026-W48's 12-week window starts Monday 7 September 00:00 in Stockholm (CEST), which
        // is Sunday 6 September 22:00 UTC; the window ends after the clocks went back.
        let back = goalkeeper::domain::Clock::now(&*app.clock) - chrono::DateTime::parse_from_rfc3339("2026-09-06T21:30:00Z").expect("time").to_utc();
        app.clock.advance(-back);
        for (title, minutes) in [("Sunday 23:30 local", 0), ("Monday 00:30 local", 60)] {
            app.clock.advance(Duration::minutes(minutes));
            let (rita, gina) = (relogin("rita@example.com", &app).await, relogin("gina@example.com", &app).await);
            let id = rita.file(title).await;
            assert_eq!(gina.act(id, "resolve", &[("note", "Done.")]).await.status, StatusCode::SEE_OTHER);
        }
        app.clock.advance(back - Duration::minutes(60));
        let gina = relogin("gina@example.com", &app).await;
        let week48 = report(&gina, "2026-W48").await;
        let concentration = week48["concentration"].as_array().expect("concentration");
        assert_eq!(concentration.len(), 1);
        assert_eq!(concentration[0]["resolved"], 1, "only the Monday 00:30 resolution is inside the window");
    }
}

backend_test! {
    async fn a_lone_handler_has_zero_spread_not_minus_zero(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (gina, gina_id) = app.signed_in(Role::Engineer, "Gina").await;
        let (_, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
        ada.get("/rotation/settings").await;
        ada.post("/rotation/settings/plan", &[(&format!("pos_{gina_id}"), "1"), (&format!("pos_{sam_id}"), "2"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")]).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Grant me access to the wiki").await;
        assert_eq!(gina.act(id, "resolve", &[("note", "Granted.")]).await.status, StatusCode::SEE_OTHER);
        let page = gina.get("/insights").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("-0.00"), "a negative zero is printed");
        assert!(page.body.contains("<td>0.00</td>"));
        let json = report(&gina, "2026-W48").await;
        assert_eq!(json["concentration"][0]["normalized_entropy"].as_f64().map(f64::is_sign_positive), Some(true));
    }
}
