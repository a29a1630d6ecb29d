use crate::backend_test;
use crate::helpers::{Browser, TestApp};
use actix_web::http::StatusCode;
use goalkeeper::domain::{Role, UserId};

/// Ada (admin) sets up a UTC rotation Gina → Sam with Monday 09:00 handovers from Mon 23 Nov;
/// the test clock stands at Tue 24 Nov 10:00 UTC, inside Gina's first week.
pub async fn rotation(app: &TestApp) -> (Browser, Browser, UserId, Browser, UserId) {
    let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
    let (gina, gina_id) = app.signed_in(Role::Engineer, "Gina").await;
    let (sam, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
    ada.get("/rotation/settings").await;
    let saved = ada
        .post(
            "/rotation/settings/plan",
            &[
                (&format!("pos_{gina_id}"), "1"),
                (&format!("pos_{sam_id}"), "2"),
                ("weekday", "Mon"),
                ("time", "09:00"),
                ("first", "2026-11-23"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    (ada, gina, gina_id, sam, sam_id)
}

fn goalkeepers_on_events(app: &TestApp) -> Vec<Option<i64>> {
    use diesel::prelude::*;
    use goalkeeper::db::schema::events;
    let mut conn = app.pool.get().expect("connection");
    events::table.order(events::id).select(events::goalkeeper_id).load(&mut **conn).expect("events")
}

backend_test! {
    async fn the_rota_shows_who_is_on_duty_and_next(app) {
        let (_, gina, _, _, _) = rotation(&app).await;
        let page = gina.get("/rotation").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Goalkeeper now: <strong>Gina</strong> (you), until <strong>Mon 30 Nov 09:00</strong>"), "{}", page.body);
        assert!(page.body.contains("next: <strong>Sam</strong>"));
        assert!(page.body.contains("Mondays at 09:00"));
        assert_eq!(page.body.matches("<tr class=\"mine").count(), 6, "every other week of 12 is Gina's");
        let queue = gina.get("/queue").await;
        assert!(queue.body.contains("Goalkeeper: <strong>Gina</strong> (you) until Mon 30 Nov 09:00 · next: Sam"));
    }
}

backend_test! {
    async fn without_a_rotation_the_pages_say_so(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        assert!(ada.get("/rotation").await.body.contains("There is no rotation yet."));
        assert!(ada.get("/queue").await.body.contains("No goalkeeper on duty"));
        assert_eq!(rita.get("/rotation").await.status, StatusCode::OK, "everyone sees the rota");
        assert_eq!(rita.get("/rotation/settings").await.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn every_event_records_the_goalkeeper_of_its_moment(app) {
        let (_, gina, gina_id, _, sam_id) = rotation(&app).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Printer on fire").await;
        app.clock.advance(chrono::Duration::days(7));
        let sam = app.browser();
        sam.login("sam@example.com", crate::helpers::PASSWORD).await;
        sam.act(id, "take", &[]).await;
        assert_eq!(goalkeepers_on_events(&app), vec![Some(gina_id.0), Some(sam_id.0)]);

        // Editing the rotation afterwards does not rewrite what was recorded.
        let _ = gina;
        let (ada, _) = (app.browser(), ());
        ada.login("ada@example.com", crate::helpers::PASSWORD).await;
        ada.get("/rotation/settings").await;
        ada.post("/rotation/settings/plan", &[(&format!("pos_{sam_id}"), "1"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")]).await;
        assert_eq!(goalkeepers_on_events(&app), vec![Some(gina_id.0), Some(sam_id.0)]);
    }
}

backend_test! {
    async fn the_goalkeeper_hands_off_part_of_their_duty(app) {
        let (_, gina, _, _, sam_id) = rotation(&app).await;
        gina.get("/rotation").await;
        let sam_text = sam_id.to_string();
        let added = gina
            .post("/rotation/overrides", &[("engineer", &sam_text), ("from", "2026-11-25T10:00"), ("to", "2026-11-26T10:00"), ("note", "dentist")])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let page = gina.get("/rotation").await;
        assert!(page.body.contains("Sam covers Wed 25 Nov 10:00 – Thu 26 Nov 10:00"));
        assert!(page.body.contains("Gina set Sam on duty instead of Gina from Wed 25 Nov 10:00 to Thu 26 Nov 10:00 — dentist"));

        app.clock.advance(chrono::Duration::hours(26)); // Wed 12:00
        let (gina, sam) = (app.browser(), app.browser());
        gina.login("gina@example.com", crate::helpers::PASSWORD).await;
        sam.login("sam@example.com", crate::helpers::PASSWORD).await;
        assert!(sam.get("/queue").await.body.contains("Goalkeeper: <strong>Sam</strong> (you) until Thu 26 Nov 10:00 · next: Gina"));

        // Sam cannot give away Gina's time.
        sam.get("/rotation").await;
        let gina_id = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::users;
            let mut conn = app.pool.get().expect("connection");
            users::table.filter(users::name.eq("Gina")).select(users::id).first::<i64>(&mut **conn).expect("gina")
        };
        let refused = sam
            .post("/rotation/overrides", &[("engineer", &gina_id.to_string()), ("from", "2026-11-27T10:00"), ("to", "2026-11-27T12:00")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("You can only hand off time when you are on duty"));
        gina.get("/rotation").await;
        let backwards = gina.post("/rotation/overrides", &[("engineer", &sam_text), ("from", "2026-11-27T12:00"), ("to", "2026-11-27T10:00")]).await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(backwards.body.contains("The end must come after the start."));
        assert_eq!(app.count("rotation_overrides"), 1);
    }
}

backend_test! {
    async fn two_engineers_swap_weeks(app) {
        let (_, gina, gina_id, _, sam_id) = rotation(&app).await;
        let page = gina.get("/rotation").await;
        assert!(page.body.contains("Mon 30 Nov 09:00 – Sam"));
        let mine = "1795424400"; // Mon 23 Nov 2026 09:00 UTC
        let theirs = "1796029200"; // Mon 30 Nov 2026 09:00 UTC
        let swapped = gina.post("/rotation/swap", &[("mine", mine), ("theirs", theirs)]).await;
        assert_eq!(swapped.status, StatusCode::SEE_OTHER, "{}", swapped.body);
        assert_eq!(app.count(&format!("rotation_overrides WHERE engineer_id = {} AND replaces_id = {}", sam_id, gina_id)), 1);
        assert_eq!(app.count(&format!("rotation_overrides WHERE engineer_id = {} AND replaces_id = {}", gina_id, sam_id)), 1);
        assert!(gina.get("/queue").await.body.contains("Goalkeeper: <strong>Sam</strong> until Mon 30 Nov 09:00 · next: Gina"));
        let not_mine = gina.post("/rotation/swap", &[("mine", theirs), ("theirs", mine)]).await;
        assert_eq!(not_mine.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(not_mine.body.contains("That week is not yours."));
    }
}

backend_test! {
    async fn editing_the_order_starts_at_the_next_handover(app) {
        let (ada, _, gina_id, _, sam_id) = rotation(&app).await;
        ada.get("/rotation/settings").await;
        let saved = ada
            .post("/rotation/settings/plan", &[(&format!("pos_{sam_id}"), "2"), (&format!("pos_{gina_id}"), "1"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let reordered = ada
            .post("/rotation/settings/plan", &[(&format!("pos_{sam_id}"), "1"), (&format!("pos_{gina_id}"), "2"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")])
            .await;
        assert!(ada.get("/rotation").await.body.contains("Rotation saved; it applies from Mon 30 Nov 09:00."), "{}", reordered.location());
        let page = ada.get("/rotation").await.body;
        assert!(page.contains("Goalkeeper now: <strong>Gina</strong>, until <strong>Mon 30 Nov 09:00</strong>"), "the current week stays");
        assert!(page.contains("next: <strong>Sam</strong>"));
        let bad = ada.post("/rotation/settings/plan", &[("weekday", "Funday"), ("time", "25:00"), ("first", "soon")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Put at least one engineer in the rotation.") && bad.body.contains("HH:MM"));
        assert_eq!(app.count("rotation_versions"), 2, "a not-yet-started version is replaced, the first one stays");
    }
}

backend_test! {
    async fn overdue_requests_are_marked_in_the_queue(app) {
        let (ada, gina, _, _, _) = rotation(&app).await;
        ada.get("/admin/services").await;
        ada.post("/admin/services", &[("name", "Login"), ("tier", "critical"), ("description", "")]).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.file_with(&[("title", "login broken"), ("service", "1")]).await;
        rita.file_with(&[("title", "wiki typo")]).await;
        assert!(!gina.get("/queue").await.body.contains(">overdue<"));
        app.clock.advance(chrono::Duration::minutes(61));
        let queue = gina.get("/queue").await.body;
        assert_eq!(queue.matches(">overdue<").count(), 1, "critical after one office hour, the other not yet");
        app.clock.advance(chrono::Duration::hours(4));
        assert_eq!(gina.get("/queue").await.body.matches(">overdue<").count(), 2);
    }
}

backend_test! {
    async fn routed_to_me_lists_what_was_routed_to_me(app) {
        let (_, gina, _, sam, sam_id) = rotation(&app).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let routed = rita.file("routed-one").await;
        rita.file("not-routed").await;
        gina.act(routed, "route", &[("to", &sam_id.to_string())]).await;
        let mine = sam.get("/queue?routed=me").await.body;
        assert!(mine.contains(">routed-one<") && !mine.contains(">not-routed<"));
        assert!(!gina.get("/queue?routed=me").await.body.contains(">routed-one<"));
    }
}

backend_test! {
    async fn team_settings_are_validated_and_saved(app) {
        let (ada, _, _, _, _) = rotation(&app).await;
        ada.get("/rotation/settings").await;
        let bad = ada
            .post("/rotation/settings/team", &[("timezone", "Mars/Olympus"), ("office_start", "17:00"), ("office_end", "09:00"), ("holidays", "christmas"), ("critical_minutes", "0"), ("important_minutes", "240"), ("can_wait_minutes", "960")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in ["Choose a time zone", "Tick at least one working day.", "must end after they start", "does not start with a date", "Give a number of office minutes"] {
            assert!(bad.body.contains(message), "{message}");
        }
        let good = ada
            .post(
                "/rotation/settings/team",
                &[("timezone", "Europe/Stockholm"), ("day_mon", "1"), ("day_tue", "1"), ("day_wed", "1"), ("day_thu", "1"), ("day_fri", "1"), ("office_start", "08:30"), ("office_end", "16:30"), ("holidays", "2026-12-24 Christmas Eve"), ("critical_minutes", "30"), ("important_minutes", "240"), ("can_wait_minutes", "960")],
            )
            .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
        let page = ada.get("/rotation/settings").await.body;
        assert!(page.contains("value=\"Europe/Stockholm\"") && page.contains("2026-12-24") && page.contains("value=\"30\""));
        // The new time zone moves the handovers from the next one: 09:00 Stockholm time.
        assert!(ada.get("/rotation").await.body.contains("Mon 7 Dec 09:00"));
    }
}

backend_test! {
    async fn calendar_feeds_need_the_secret_token(app) {
        let (_, gina, gina_id, _, _) = rotation(&app).await;
        let page = gina.get("/rotation").await.body;
        let marker = "/rotation.ics?token=";
        let start = page.find(marker).expect("a feed link") + marker.len();
        let token: String = page[start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let feed = app.browser().get(&format!("/rotation.ics?token={token}")).await;
        assert_eq!(feed.status, StatusCode::OK);
        assert!(feed.header("content-type").starts_with("text/calendar"));
        assert!(feed.body.contains("SUMMARY:Goalkeeper: Gina") && feed.body.contains("SUMMARY:Goalkeeper: Sam"));
        let own = app.browser().get(&format!("/rotation/{gina_id}.ics?token={token}")).await;
        assert!(own.body.contains("Goalkeeper: Gina") && !own.body.contains("Goalkeeper: Sam"));
        assert_eq!(app.browser().get("/rotation.ics?token=wrong").await.status, StatusCode::NOT_FOUND);
        gina.post("/rotation/calendar-token", &[]).await;
        assert_eq!(app.browser().get(&format!("/rotation.ics?token={token}")).await.status, StatusCode::NOT_FOUND, "old links stop working");
    }
}

backend_test! {
    async fn the_feed_parses_with_a_real_icalendar_parser_across_dst(app) {
        let python_has_icalendar = std::process::Command::new("python3")
            .args(["-c", "import icalendar"])
            .status()
            .is_ok_and(|s| s.success());
        if !python_has_icalendar {
            assert!(
                std::env::var("GOALKEEPER_REQUIRE_ICALENDAR").is_err(),
                "python3 with the icalendar package is required here (pip install icalendar)"
            );
            eprintln!("skipped: pip install icalendar to check the feed with a real parser");
            return;
        }
        let (ada, gina, _, _, _) = rotation(&app).await;
        ada.get("/rotation/settings").await;
        let saved = ada
            .post(
                "/rotation/settings/team",
                &[("timezone", "America/New_York"), ("day_mon", "1"), ("day_tue", "1"), ("day_wed", "1"), ("day_thu", "1"), ("day_fri", "1"), ("office_start", "09:00"), ("office_end", "17:00"), ("holidays", ""), ("critical_minutes", "60"), ("important_minutes", "240"), ("can_wait_minutes", "960")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        // Twelve weeks from late November cross the US change to summer time on 14 March 2027.
        app.clock.advance(chrono::Duration::weeks(10));
        let gina_again = app.browser();
        gina_again.login("gina@example.com", crate::helpers::PASSWORD).await;
        let page = gina_again.get("/rotation").await.body;
        let _ = gina;
        let marker = "/rotation.ics?token=";
        let start = page.find(marker).expect("a feed link") + marker.len();
        let token: String = page[start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let feed = app.browser().get(&format!("/rotation.ics?token={token}")).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rota.ics");
        std::fs::write(&path, &feed.body).expect("write feed");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ics_check.py");
        let output = std::process::Command::new("python3")
            .args([script, &path.to_string_lossy(), "America/New_York", "09:00"])
            .output()
            .expect("run the checker");
        assert!(
            output.status.success(),
            "{}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            feed.body
        );
    }
}

backend_test! {
    async fn the_incoming_goalkeeper_is_pointed_at_the_outgoing_notes(app) {
        let (_, gina, _, sam, _) = rotation(&app).await;
        gina.get("/reports/weekly/2026-W48").await;
        let saved = gina.post("/reports/weekly/2026-W48/notes", &[("notes", "db-3 disk fills up on Fridays; watch it.")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("handover_notes"), 1, "{}", saved.header("location"));
        assert!(!gina.get("/queue").await.body.contains("data-handover"), "not for the one who wrote them");
        // Monday 30 Nov 10:00: Sam took over an hour ago (and signs in afresh).
        app.clock.advance(chrono::Duration::days(6));
        let _ = sam;
        let sam = app.browser();
        sam.login("sam@example.com", crate::helpers::PASSWORD).await;
        let queue = sam.get("/queue").await.body;
        assert!(queue.contains(r#"data-handover="2026-W48""#) && queue.contains("Gina left handover notes"), "{queue}");
        let report = sam.get("/reports/weekly/2026-W48").await.body;
        assert!(report.contains(r#"<th scope="row">Can wait</th>"#) && !report.contains(">can_wait<"), "words, not codes");
        app.clock.advance(chrono::Duration::days(3));
        let sam = app.browser();
        sam.login("sam@example.com", crate::helpers::PASSWORD).await;
        let later = sam.get("/queue").await;
        assert_eq!(later.status, StatusCode::OK);
        assert!(!later.body.contains("data-handover"), "only in the first days");
    }
}

backend_test! {
    async fn a_filing_records_the_goalkeeper_of_the_rota_saved_a_moment_before(app) {
        let (ada, _, gina_id, _, _) = rotation(&app).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.file("Printer on fire").await;
        // Gina alone from the next handover on: the rota kept for the first filing would name
        // Sam for next week.
        ada.get("/rotation/settings").await;
        let saved = ada
            .post(
                "/rotation/settings/plan",
                &[(&format!("pos_{gina_id}"), "1"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        app.clock.advance(chrono::Duration::days(7));
        // A week on, Rita's session has lapsed: she signs in again.
        let rita = app.browser();
        rita.login("rita@example.com", crate::helpers::PASSWORD).await;
        rita.file("Printer still on fire").await;
        assert_eq!(goalkeepers_on_events(&app), vec![Some(gina_id.0), Some(gina_id.0)]);
    }
}

backend_test! {
    async fn a_filing_tells_the_goalkeeper_as_their_settings_stand_a_moment_before(app) {
        let (_, _, gina_id, _, _) = rotation(&app).await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let to_gina = |medium: &str| {
            app.count(&format!("deliveries WHERE recipient_id = {} AND medium = '{medium}' AND topic = 'new_request'", gina_id.0))
        };
        rita.file("Printer on fire").await;
        assert_eq!((to_gina("inbox"), to_gina("email")), (1, 1));
        // Muted past the app (another instance, psql): the next filing's e-mail is not sent.
        app.execute(&format!("INSERT INTO muted_topics (user_id, topic) VALUES ({}, 'new_request')", gina_id.0));
        rita.file("Printer still on fire").await;
        assert_eq!((to_gina("inbox"), to_gina("email")), (2, 1), "the inbox shows everything; e-mail what is not muted");
    }
}
