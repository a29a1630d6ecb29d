use crate::backend_test;
use crate::helpers::TestApp;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

fn state_of(app: &TestApp, id: i64) -> (String, Option<i64>, i32) {
    use diesel::prelude::*;
    use goalkeeper::db::schema::requests;
    let mut conn = app.pool.get().expect("connection");
    requests::table
        .find(id)
        .select((requests::state, requests::owner_id, requests::version))
        .first(&mut **conn)
        .expect("request row")
}

backend_test! {
    async fn the_whole_lifecycle_in_the_browser(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, gk_id) = app.signed_in(Role::Engineer, "Gina").await;
        let (_, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("VPN drops every hour").await;

        let queue = gk.get("/queue").await;
        assert!(queue.body.contains("VPN drops every hour"));

        let taken = gk.act(id, "take", &[]).await;
        assert_eq!(taken.location(), format!("/requests/{id}"));
        assert_eq!(state_of(&app, id), ("in_progress".into(), Some(gk_id.0), 2));
        assert!(
            gk.get(&format!("/requests/{id}"))
                .await
                .body
                .contains(&format!("You own #{id} now."))
        );

        let sam = sam_id.to_string();
        assert_eq!(
            gk.act(
                id,
                "consult",
                &[("with", &sam), ("note", "Seen this before?")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            state_of(&app, id),
            ("in_progress".into(), Some(gk_id.0), 3),
            "consulting keeps the owner"
        );

        assert_eq!(
            gk.act(id, "wait", &[("note", "Which office are you in?")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(state_of(&app, id).0, "waiting");
        let waiting_page = rita.get(&format!("/requests/{id}")).await;
        assert!(
            waiting_page.body.contains("Which office are you in?")
                && waiting_page.body.contains("Send answer")
        );

        assert_eq!(
            rita.act(id, "comment", &[("note", "Stockholm, 3rd floor")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            state_of(&app, id).0,
            "in_progress",
            "the requester's answer resumes it"
        );

        assert_eq!(
            gk.act(id, "route", &[("to", &sam), ("note", "Your network")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(state_of(&app, id).1, Some(sam_id.0));

        let resolved = gk
            .act(id, "resolve", &[("note", "Replaced the access point.")])
            .await;
        assert_eq!(resolved.status, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, id), ("resolved".into(), Some(gk_id.0), 7));
        let seen = rita.get(&format!("/requests/{id}")).await;
        assert!(
            seen.body.contains("badge state-resolved")
                && seen.body.contains("Replaced the access point.")
        );
        assert!(seen.body.contains("Reopen"));

        assert_eq!(
            rita.act(id, "reopen", &[("note", "Dropped again")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            state_of(&app, id),
            ("in_progress".into(), Some(gk_id.0), 8),
            "back to its last owner"
        );

        let kinds = [
            "filed",
            "taken",
            "consulted",
            "waiting",
            "resumed",
            "routed",
            "resolved",
            "reopened",
        ];
        for kind in kinds {
            assert_eq!(
                app.count(&format!(
                    "events WHERE request_id = {id} AND kind = '{kind}'"
                )),
                1,
                "{kind}"
            );
        }
        assert_eq!(
            app.count(&format!("events WHERE request_id = {id}")),
            kinds.len() as i64
        );
        assert!(
            !gk.get("/queue")
                .await
                .body
                .contains("in_progress\">Resolved")
        );
    }
}

backend_test! {
    async fn rejecting_needs_a_reason_and_the_requester_sees_it(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Please buy me a new laptop").await;
        let empty = gk.act(id, "reject", &[("note", "  ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Give the requester a reason."));
        assert_eq!(state_of(&app, id).0, "new");
        assert_eq!(
            gk.act(id, "reject", &[("note", "IT handles laptops, not ops.")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let page = rita.get(&format!("/requests/{id}")).await;
        assert!(
            page.body.contains("badge state-rejected")
                && page.body.contains("IT handles laptops, not ops.")
        );
    }
}

backend_test! {
    async fn resolving_needs_a_note(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Disk full on build-7").await;
        let page = gk.act(id, "resolve", &[]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("Say how it was resolved."));
        assert_eq!(app.count("events"), 1);
    }
}

backend_test! {
    async fn closing_as_duplicate_links_the_original(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let original = rita.file("DNS is slow").await;
        let copy = rita.file("DNS slow again").await;
        let unknown = gk.act(copy, "duplicate", &[("of", "424242")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("There is no request with this number."));
        let itself = gk
            .act(copy, "duplicate", &[("of", &copy.to_string())])
            .await;
        assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            gk.act(copy, "duplicate", &[("of", &format!("#{original}"))])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(state_of(&app, copy).0, "rejected");
        let page = rita.get(&format!("/requests/{copy}")).await;
        assert!(
            page.body
                .contains(&format!("href=\"/requests/{original}\""))
        );
        assert!(page.body.contains(&format!("Duplicate of #{original}.")));
    }
}

backend_test! {
    async fn a_stale_version_answers_409_and_loses_nothing(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (sam, _) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("Certificate expires Friday").await;
        let seen_by_sam = sam.version(id).await;
        assert_eq!(
            gina.act(id, "take", &[]).await.status,
            StatusCode::SEE_OTHER
        );

        sam.get(&format!("/requests/{id}")).await; // a fresh CSRF token, old version in hand
        let late = sam
            .post(
                &format!("/requests/{id}/resolve"),
                &[
                    ("version", &seen_by_sam),
                    ("note", "Renewed the certificate via ACME."),
                ],
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        assert!(
            late.body
                .contains("This request changed while you were looking")
        );
        assert!(
            late.body.contains("Gina") && late.body.contains("took it"),
            "shows what happened"
        );
        assert!(
            late.body.contains("Renewed the certificate via ACME."),
            "gives the typed note back"
        );
        assert_eq!(
            state_of(&app, id),
            ("in_progress".into(), state_of(&app, id).1, 2)
        );
        assert_eq!(app.count(&format!("events WHERE request_id = {id}")), 2);
    }
}

backend_test! {
    async fn requesters_cannot_triage_even_their_own_requests(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Need a database").await;
        let page = rita.get(&format!("/requests/{id}")).await;
        assert!(!page.body.contains("Take it") && !page.body.contains("/resolve\""));
        let take = rita.act(id, "take", &[]).await;
        assert_eq!(take.status, StatusCode::FORBIDDEN);
        assert!(take.body.contains(r#"data-code="engineers_only""#));
        let resolve = rita.act(id, "resolve", &[("note", "done myself")]).await;
        assert_eq!(resolve.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("events"), 1);
    }
}

backend_test! {
    async fn routing_needs_an_engineer(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Grant me prod access").await;
        let to_requester = gk.act(id, "route", &[("to", &rita_id.to_string())]).await;
        assert_eq!(to_requester.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            to_requester
                .body
                .contains("Choose one of the listed engineers.")
        );
        let nobody = gk.act(id, "route", &[("to", "")]).await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            gk.post(&format!("/requests/{id}/explode"), &[("version", "1")])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.count("events"), 1);
    }
}

backend_test! {
    async fn reopening_is_possible_for_fourteen_days(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Backups failing").await;
        gk.act(id, "resolve", &[("note", "Fixed the cron job.")])
            .await;
        app.clock.advance(chrono::Duration::days(10));
        rita.get("/requests/mine").await; // keep the session alive
        app.clock.advance(chrono::Duration::days(5));
        let (late_rita, _) = (app.browser(), ());
        late_rita
            .login("rita@example.com", crate::helpers::PASSWORD)
            .await;
        let page = late_rita.get(&format!("/requests/{id}")).await;
        assert!(!page.body.contains("Reopen it"));
        let refused = late_rita
            .act(id, "reopen", &[("note", "still broken")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains(r#"data-code="reopen_window_passed""#));
    }
}

backend_test! {
    async fn the_queue_puts_the_most_urgent_first_and_filters(app) {
        let (admin, _) = app.signed_in(Role::Admin, "Ada").await;
        admin.get("/admin/services").await;
        for (name, tier) in [("Login", "critical"), ("Wiki", "can_wait")] {
            assert_eq!(
                admin
                    .post(
                        "/admin/services",
                        &[("name", name), ("tier", tier), ("description", "")]
                    )
                    .await
                    .status,
                StatusCode::SEE_OTHER
            );
        }
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let wiki_low = rita
            .file_with(&[("title", "wiki-low"), ("service", "2"), ("urgency", "low")])
            .await;
        app.clock.advance(chrono::Duration::minutes(1));
        let none_high = rita
            .file_with(&[("title", "none-high"), ("urgency", "high")])
            .await;
        app.clock.advance(chrono::Duration::minutes(1));
        let login_low = rita
            .file_with(&[("title", "login-low"), ("service", "1"), ("urgency", "low")])
            .await;
        app.clock.advance(chrono::Duration::minutes(1));
        let none_normal_old = rita
            .file_with(&[("title", "none-normal-a"), ("urgency", "normal")])
            .await;
        app.clock.advance(chrono::Duration::minutes(1));
        let none_normal_new = rita
            .file_with(&[("title", "none-normal-b"), ("urgency", "normal")])
            .await;

        let queue = gk.get("/queue").await.body;
        let position = |title: &str| {
            queue
                .find(&format!(">{title}<"))
                .unwrap_or_else(|| panic!("{title} missing from queue"))
        };
        let order = [
            "login-low",
            "none-high",
            "none-normal-a",
            "none-normal-b",
            "wiki-low",
        ];
        for pair in order.windows(2) {
            assert!(
                position(pair[0]) < position(pair[1]),
                "{} should come before {}",
                pair[0],
                pair[1]
            );
        }

        gk.act(none_high, "take", &[]).await;
        let mine = gk.get("/queue?owner=me").await.body;
        assert!(mine.contains(">none-high<") && !mine.contains(">login-low<"));
        let nobody = gk.get("/queue?owner=none").await.body;
        assert!(!nobody.contains(">none-high<") && nobody.contains(">login-low<"));
        let critical = gk.get("/queue?service=1").await.body;
        assert!(critical.contains(">login-low<") && !critical.contains(">wiki-low<"));
        let in_progress = gk.get("/queue?state=in_progress").await.body;
        assert!(in_progress.contains(">none-high<") && !in_progress.contains(">wiki-low<"));

        gk.act(wiki_low, "resolve", &[("note", "done")]).await;
        assert!(
            !gk.get("/queue").await.body.contains(">wiki-low<"),
            "closed requests leave the queue"
        );
        let resolved = gk.get("/queue?state=resolved").await.body;
        assert!(resolved.contains(">wiki-low<"));

        // Raising a service's tier moves its open requests up.
        admin.get("/admin/services").await;
        admin
            .post(
                "/admin/services/2",
                &[("name", "Wiki"), ("tier", "critical"), ("description", "")],
            )
            .await;
        let wiki_high = rita
            .file_with(&[
                ("title", "wiki-now-critical"),
                ("service", "2"),
                ("urgency", "low"),
            ])
            .await;
        let queue = gk.get("/queue").await.body;
        assert!(queue.find(">wiki-now-critical<") < queue.find(">none-high<"));
        let _ = (login_low, none_normal_old, none_normal_new, wiki_high);
    }
}

backend_test! {
    async fn the_queue_pages_by_fifty_in_a_stable_order(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        for n in 0..55 {
            rita.file(&format!("queued-{n:02}")).await;
        }
        let first = gk.get("/queue").await.body;
        let second = gk.get("/queue?page=2").await.body;
        assert!(first.contains("Page 1 of 2") && first.contains("55 requests"));
        for n in 0..55 {
            let title = format!(">queued-{n:02}<");
            assert!(
                first.contains(&title) ^ second.contains(&title),
                "{title} on exactly one page"
            );
        }
        assert!(
            first.contains(">queued-00<") && second.contains(">queued-54<"),
            "oldest first within the same rank"
        );
        // Past the last page: the last page, never "The queue is empty" under "55 requests".
        let beyond = gk.get("/queue?page=7&state=new").await;
        assert_eq!(beyond.status, StatusCode::SEE_OTHER);
        assert_eq!(beyond.header("location"), "/queue?state=new&page=2");
    }
}

backend_test! {
    async fn a_duplicates_requester_follows_the_original_and_never_reads_internal_notes(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (bob, _) = app.signed_in(Role::Requester, "Bob").await;
        let (carol, _) = app.signed_in(Role::Requester, "Carol").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let sam = app.create_user("sam@example.com", "Sam", Role::Engineer);
        let original = rita.file("VPN drops every hour").await;
        let copy = bob.file("VPN drops every hour for me too").await;
        let similar = gina.get(&format!("/requests/{copy}?similar=1")).await.body;
        assert!(similar.contains("Possibly the same as") && similar.contains("Rita ·"), "names, never user #n");
        assert!(!similar.contains("user #"));
        gina.act(original, "consult", &[("with", &sam.0.to_string()), ("note", "internal: is the tunnel on the old firewall?")]).await;
        gina.act(copy, "duplicate", &[("of", &original.to_string())]).await;

        let mine = bob.get(&format!("/requests/{copy}")).await.body;
        assert!(mine.contains("badge state-duplicate") && !mine.contains("badge state-rejected"), "closed, not turned down");
        assert!(mine.contains(&format!(r#"data-duplicate-of="{original}""#)));
        let followed = bob.get(&format!("/requests/{original}")).await;
        assert_eq!(followed.status, StatusCode::OK, "the original is readable by whom it concerns");
        assert!(followed.body.contains("data-following") && followed.body.contains("VPN drops every hour"));
        assert!(!followed.body.contains("old firewall"), "never an internal note");
        assert!(!followed.body.contains("/visibility"));
        let events = app.count("events");
        let comment = bob.post(&format!("/requests/{original}/comment"), &[("version", "2"), ("note", "me too")]).await;
        assert!(comment.status.is_client_error(), "reading is not acting");
        assert_eq!(app.count("events"), events);
        assert_eq!(carol.get(&format!("/requests/{original}")).await.status, StatusCode::NOT_FOUND, "nobody else");
    }
}

backend_test! {
    async fn a_decision_made_from_the_keyboard_opens_the_next_request_waiting_for_triage(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let first = rita.file("first").await;
        let second = rita.file("second").await;
        let resolved = gina.act(first, "resolve", &[("note", "done"), ("advance", "1")]).await;
        assert_eq!(resolved.header("location"), format!("/requests/{second}"));
        let taken = gina.act(second, "take", &[("advance", "1")]).await;
        assert_eq!(taken.header("location"), format!("/requests/{second}"), "taking keeps you on it");
        let last = gina.act(second, "resolve", &[("note", "done"), ("advance", "1")]).await;
        assert_eq!(last.header("location"), "/queue", "nothing else waits");
    }
}

backend_test! {
    async fn the_queue_shows_counts_per_state_time_left_and_who_answered_last(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let asked = rita.file("VPN drops").await;
        let fresh = rita.file("Printer jam").await;
        gina.act(asked, "take", &[]).await;
        gina.act(asked, "wait", &[("note", "Which client?")]).await;
        rita.act(asked, "comment", &[("note", "WireGuard.")]).await;
        let queue = gina.get("/queue").await.body;
        assert!(queue.contains(r#"data-tab="new">New <span class="count">1</span>"#), "{queue}");
        assert!(queue.contains(r#"data-tab="in_progress">In progress <span class="count">1</span>"#));
        assert!(queue.contains(r#"data-tab="open">All open <span class="count">2</span>"#));
        let row = |id: i64| queue.split("<tr>").find(|row| row.contains(&format!(r#"href="/requests/{id}""#))).unwrap_or_default().to_owned();
        assert!(row(asked).contains("data-replied"), "the requester answered: the triager's turn");
        assert!(!row(fresh).contains("data-replied"));
        assert!(row(fresh).contains("data-left") && row(fresh).contains("4 h 0 min left"), "{}", row(fresh));
        app.clock.advance(chrono::Duration::hours(5));
        let late = gina.get("/queue?state=new").await.body;
        assert!(late.contains(">overdue<") && !late.contains("data-left"));
    }
}

backend_test! {
    async fn a_consulted_teammate_answers_in_an_internal_note_the_requester_never_sees(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (sam, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("VPN drops every hour").await;
        gina.act(id, "take", &[]).await;
        gina.act(id, "consult", &[("with", &sam_id.0.to_string()), ("note", "Is the tunnel on the old firewall?")]).await;
        let asked = sam.get("/queue?consulted=me").await.body;
        assert!(asked.contains(&format!(r#"href="/requests/{id}""#)), "it waits for Sam's answer");
        let answered = sam.act(id, "note", &[("note", "Yes: old firewall, reboot it at night.")]).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER);
        assert!(!sam.get("/queue?consulted=me").await.body.contains(&format!(r#"href="/requests/{id}""#)), "answered");
        assert!(gina.get(&format!("/requests/{id}")).await.body.contains("reboot it at night"), "the asker reads the answer");
        assert!(gina.get("/inbox").await.body.contains(r#"data-topic="replied""#), "and hears of it");

        let page = rita.get(&format!("/requests/{id}")).await.body;
        assert!(!page.contains("old firewall") && !page.contains("reboot it"), "never an internal note: page");
        let token = app.token(rita_id, Role::Requester, "read");
        let api = app.api("GET", &format!("/api/v1/requests/{id}"), &token, None, &[]).await.body;
        assert!(!api.contains("old firewall") && !api.contains("reboot it") && !api.contains("noted"), "never: API");
        let search = rita.get("/search?q=firewall").await.body;
        assert!(!search.contains("reboot it"), "never: search");
        assert!(!rita.get("/inbox").await.body.contains("firewall"), "never: inbox");
        let version = gina.version(id).await;
        let refused = rita.post(&format!("/requests/{id}/note"), &[("version", &version), ("note", "me too")]).await;
        assert!(refused.body.contains(r#"data-code="engineers_only""#), "requesters write no internal notes");
    }
}

backend_test! {
    async fn the_goalkeeper_takes_a_request_straight_from_its_queue_row(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, gina_id) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Printer jam").await;
        let queue = gina.get("/queue").await.body;
        assert!(queue.contains(&format!(r#"data-take="{id}""#)));
        let taken = gina.post(&format!("/requests/{id}/take"), &[("version", "1"), ("back", "queue")]).await;
        assert_eq!(taken.header("location"), "/queue", "no page of its own to load");
        assert_eq!(app.count(&format!("requests WHERE id = {id} AND owner_id = {}", gina_id.0)), 1);
        let stale = gina.post(&format!("/requests/{id}/take"), &[("version", "1"), ("back", "queue")]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "a stale row never wins");
        assert!(!gina.get("/queue").await.body.contains(&format!(r#"data-take="{id}""#)));
    }
}

backend_test! {
    async fn an_engineer_corrects_a_request_and_the_history_says_what_changed(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Printr broke").await;
        gina.get(&format!("/requests/{id}")).await;
        let fields = |title: &'static str, urgency: &'static str, version: &'static str| {
            vec![("version", version), ("title", title), ("description", "It jams."), ("category", "2"), ("service", ""), ("urgency", urgency)]
        };
        let edited = gina.post(&format!("/requests/{id}/edit"), &fields("Printer broke", "high", "1")).await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
        let page = gina.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains("Title: “Printr broke” → “Printer broke”") && page.contains("Urgency: Normal → High"), "{page}");
        assert!(page.contains("event-edited"));
        assert_eq!(app.count(&format!("requests WHERE id = {id} AND urgency = 'high' AND category_id = 2 AND version = 2")), 1);
        let same = gina.post(&format!("/requests/{id}/edit"), &fields("Printer broke", "high", "2")).await;
        assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(same.body.contains("Nothing was changed."));
        let empty = gina.post(&format!("/requests/{id}/edit"), &fields("", "high", "2")).await;
        assert!(empty.body.contains("Title cannot be empty.") && empty.body.contains("It jams."), "the form comes back filled in");
        let stale = gina.post(&format!("/requests/{id}/edit"), &fields("Printer on fire", "high", "1")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let refused = rita.post(&format!("/requests/{id}/edit"), &fields("Mine now", "low", "2")).await;
        assert!(refused.body.contains(r#"data-code="engineers_only""#));
        assert_eq!(app.count(&format!("events WHERE request_id = {id} AND kind = 'edited'")), 1);
    }
}

backend_test! {
    async fn bulk_actions_go_through_the_same_use_case_and_report_conflicts(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, gina_id) = app.signed_in(Role::Engineer, "Gina").await;
        let (sam, _) = app.signed_in(Role::Engineer, "Sam").await;
        let ids: Vec<i64> = [rita.file("one").await, rita.file("two").await, rita.file("three").await].to_vec();
        let queue = gina.get("/queue").await.body;
        assert!(queue.contains(&format!(r#"value="{}:1" form="bulk""#, ids[0])));
        // Sam takes the third meanwhile: Gina's view of it is stale.
        sam.act(ids[2], "take", &[]).await;
        let picks: Vec<String> = ids.iter().map(|id| format!("{id}:1")).collect();
        let mut form: Vec<(&str, &str)> = picks.iter().map(|p| ("pick", p.as_str())).collect();
        form.push(("action", "take"));
        let taken = gina.post("/queue/bulk", &form).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        let flash = gina.get("/queue").await.body;
        assert!(flash.contains("2 done") && flash.contains(&format!("Changed meanwhile, left alone: #{}", ids[2])), "{flash}");
        assert_eq!(app.count(&format!("requests WHERE owner_id = {}", gina_id.0)), 2);
        assert_eq!(app.count("events WHERE kind = 'taken'"), 3, "one event each");
        // A rejection without its note changes nothing at all.
        let mut reject: Vec<(&str, &str)> = vec![("pick", picks[0].as_str()), ("action", "reject")];
        let before = app.count("events");
        assert_eq!(gina.post("/queue/bulk", &reject).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.count("events"), before);
        reject.push(("note", "Not ours."));
        let version = gina.version(ids[0]).await;
        let pick = format!("{}:{version}", ids[0]);
        reject[0] = ("pick", pick.as_str());
        assert_eq!(gina.post("/queue/bulk", &reject).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count(&format!("requests WHERE id = {} AND state = 'rejected'", ids[0])), 1);
    }
}

backend_test! {
    async fn the_queue_shows_changes_written_outside_the_app_at_once(app) {
        // The queue's rows, names and catalog are kept between views; a change written straight
        // to the database (the CLI, another instance, no event) shows on the very next view.
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let (gk, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Printer on fire").await;
        let first = gk.get("/queue").await;
        assert!(first.body.contains("Printer on fire") && first.body.contains("Rita"));
        app.execute(&format!("UPDATE users SET name = 'Rita Renamed' WHERE id = {}", rita_id.0));
        app.execute(&format!("UPDATE requests SET title = 'Printer still on fire' WHERE id = {id}"));
        let after = gk.get("/queue").await;
        assert!(after.body.contains("Rita Renamed"), "the requester's new name");
        assert!(after.body.contains("Printer still on fire") && !after.body.contains("Printer on fire"));
        app.execute(&format!(
            "UPDATE categories SET name = 'Burning hardware' WHERE id = (SELECT category_id FROM requests WHERE id = {id})"
        ));
        assert!(gk.get("/queue").await.body.contains("Burning hardware"), "the category's new name");
        // The request page keeps the same catalog and engineers between views.
        let page = format!("/requests/{id}");
        app.signed_in(Role::Engineer, "Sam").await;
        assert!(gk.get(&page).await.body.contains("Sam"));
        app.execute("UPDATE users SET name = 'Sam Router' WHERE name = 'Sam'");
        let shown = gk.get(&page).await.body;
        assert!(shown.contains("Sam Router") && shown.contains("Burning hardware"), "a colleague's new name");
        // The kept page is never handed to someone who may not read the request.
        let (ron, _) = app.signed_in(Role::Requester, "Ron").await;
        assert_eq!(ron.get(&page).await.status, StatusCode::NOT_FOUND);
        assert_eq!(rita.get(&page).await.status, StatusCode::OK);
    }
}
