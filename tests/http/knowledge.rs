use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;
use goalkeeper::domain::metrics::IsoWeek;

/// The ids of the answers `/answers/suggest` offers for `title`, best first.
async fn suggested(who: &crate::helpers::Browser, title: &str) -> Vec<i64> {
    let query = serde_urlencoded::to_string([("q", title)]).expect("query");
    let response = who.get(&format!("/answers/suggest?{query}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("application/json"));
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("JSON");
    body["answers"].as_array().expect("answers").iter().map(|a| a["id"].as_i64().expect("id")).collect()
}

backend_test! {
    async fn others_read_resolved_requests_as_answers_but_never_private_ones(app) {
        let (alice, _) = app.signed_in(Role::Requester, "Alice").await;
        let (bob, _) = app.signed_in(Role::Requester, "Bob").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let public = alice.file_with(&[("title", "VPN drops on office wifi"), ("description", "Every few minutes.")]).await;
        gina.act(public, "comment", &[("note", "Checking the zebrafirewall logs for your laptop.")]).await;
        gina.act(public, "resolve", &[("note", "Set the VPN keepalive to 25 seconds.")]).await;
        let private = alice
            .file_with(&[("title", "VPN payroll tunnel broken"), ("description", "Salary files."), ("private", "on")])
            .await;
        gina.act(private, "resolve", &[("note", "Rotated the payroll VPN key.")]).await;
        let open = alice.file_with(&[("title", "VPN certificate renewal"), ("description", "Expires soon.")]).await;

        // The answer: title, description and resolution; no comments, no history.
        let answer = bob.get(&format!("/answers/{public}")).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.body.contains("Set the VPN keepalive to 25 seconds."));
        assert!(answer.body.contains("Every few minutes."));
        assert!(!answer.body.contains("zebrafirewall"), "comments are not part of an answer");
        assert_eq!(bob.get(&format!("/requests/{public}")).await.status, StatusCode::NOT_FOUND);
        for hidden in [private, open] {
            assert_eq!(bob.get(&format!("/answers/{hidden}")).await.status, StatusCode::NOT_FOUND, "#{hidden}");
        }

        // Search: their own requests and the answers, never a private request or a comment.
        let found = bob.get("/search?q=keepalive").await.body;
        assert!(found.contains(&format!("/answers/{public}")), "{found}");
        for word in ["payroll", "salary", "zebrafirewall", "certificate"] {
            let page = bob.get(&format!("/search?q={word}")).await.body;
            assert!(page.contains("Nothing matches"), "{word} leaked: {page}");
            let answers = bob.get(&format!("/answers?q={word}")).await.body;
            assert!(answers.contains("No answer matches"), "{word} leaked into /answers");
        }
        let vpn = bob.get("/search?q=vpn").await.body;
        assert!(!vpn.contains("payroll") && !vpn.contains("certificate renewal"), "{vpn}");

        // Suggestions while filing: the public answer only.
        assert_eq!(suggested(&bob, "vpn payroll tunnel keeps dropping").await, vec![public]);
        assert!(suggested(&bob, "payroll salary").await.is_empty());

        // The requester still finds their own private request, and engineers see everything.
        assert!(alice.get("/search?q=payroll").await.body.contains(&format!("/requests/{private}")));
        assert!(gina.get("/search?q=payroll").await.body.contains(&format!("/requests/{private}")));
        assert!(alice.get(&format!("/requests/{private}")).await.body.contains("Private"));
        let own = alice.get(&format!("/answers/{private}")).await;
        assert!(own.status.is_success() && own.body.contains("the team does not see it as an answer"));

        // The requester can change their mind, both ways.
        assert_eq!(bob.post(&format!("/requests/{public}/visibility"), &[("private", "on")]).await.status, StatusCode::NOT_FOUND);
        let hidden = alice.post(&format!("/requests/{public}/visibility"), &[("private", "on")]).await;
        assert_eq!(hidden.status, StatusCode::SEE_OTHER);
        assert_eq!(bob.get(&format!("/answers/{public}")).await.status, StatusCode::NOT_FOUND);
        assert!(suggested(&bob, "vpn keepalive").await.is_empty());
        assert!(bob.get("/search?q=keepalive").await.body.contains("Nothing matches"));
        alice.post(&format!("/requests/{public}/visibility"), &[("private", "")]).await;
        assert_eq!(suggested(&bob, "vpn keepalive").await, vec![public]);

        // Exports are for engineers; theirs say which requests are private.
        assert_eq!(bob.get("/export/requests.csv").await.status, StatusCode::FORBIDDEN);
        let csv = gina.get("/export/requests.csv?from=2020-01-01&to=2030-01-01").await.body;
        assert!(csv.lines().next().is_some_and(|header| header.ends_with(",private")));
        assert!(csv.lines().any(|line| line.starts_with(&format!("{private},")) && line.ends_with(",true")));
    }
}

backend_test! {
    async fn filing_shows_matching_answers_first_and_this_solved_it_counts_a_deflection(app) {
        let (alice, _) = app.signed_in(Role::Requester, "Alice").await;
        let (bob, _) = app.signed_in(Role::Requester, "Bob").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let answer = alice.file_with(&[("title", "Build server disk full"), ("description", "ENOSPC in CI.")]).await;
        gina.act(answer, "resolve", &[("note", "Run the cleanup job in the CI settings; it frees 200 GB.")]).await;
        let requests = app.count("requests");

        // Without the form's script, the first submit shows the answers and files nothing.
        bob.get("/requests/new").await;
        let key = "draft-key-1";
        let draft = [
            ("title", "disk full on the build server"),
            ("description", "Builds fail."),
            ("category", "1"),
            ("urgency", "normal"),
            ("idempotency_key", key),
        ];
        let check = bob.post("/requests", &draft).await;
        assert_eq!(check.status, StatusCode::OK);
        assert!(check.body.contains("Run the cleanup job in the CI settings"), "{}", check.body);
        assert!(check.body.contains(&format!("formaction=\"/answers/{answer}/solved\"")));
        assert!(check.body.contains("name=\"checked\" value=\"1\""), "the next submit files");
        assert!(check.body.contains("value=\"Builds fail.\"") || check.body.contains(">Builds fail.</textarea>"), "the draft is kept");
        assert_eq!(app.count("requests"), requests);

        // "Check for answers" needs only a title.
        let step = bob.post("/requests", &[("title", "build server disk"), ("step", "check")]).await;
        assert_eq!(step.status, StatusCode::OK);
        assert!(step.body.contains("Run the cleanup job"));
        let nothing = bob.post("/requests", &[("title", "printer on fire"), ("step", "check")]).await;
        assert!(nothing.body.contains("No earlier answer matches this title"));
        let empty = bob.post("/requests", &[("title", "  "), ("step", "check")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

        // "This solved it": a deflection, once per draft, and nothing in the queue.
        let solved = bob.post(&format!("/answers/{answer}/solved"), &draft).await;
        assert_eq!(solved.status, StatusCode::SEE_OTHER);
        assert_eq!(solved.location(), format!("/answers/{answer}"));
        assert_eq!(bob.post(&format!("/answers/{answer}/solved"), &draft).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("deflections"), 1);
        assert_eq!(app.count("requests"), requests);
        assert!(!gina.get("/queue").await.body.contains("disk full on the build server"));
        assert!(bob.get("/requests/mine").await.body.contains("Solved by the team's answers"));
        assert!(gina.get(&format!("/answers/{answer}")).await.body.contains("helped 1 person"));
        let csv = gina.get("/export/deflections.csv?from=2020-01-01&to=2030-01-01").await.body;
        assert!(csv.lines().nth(1).is_some_and(|row| row.contains(",disk full on the build server,")), "{csv}");
        assert_eq!(bob.get("/export/deflections.csv").await.status, StatusCode::FORBIDDEN);

        // Counted in the weekly report (JSON, Markdown) and the insights.
        let week = IsoWeek::containing(goalkeeper::domain::Clock::now(&*app.clock), chrono_tz::Tz::UTC);
        let report: serde_json::Value =
            serde_json::from_str(&gina.get(&format!("/reports/weekly/{week}.json")).await.body).expect("JSON");
        assert_eq!(report["figures"]["deflected"], 1);
        let intake = report["figures"]["intake"].as_u64().expect("intake");
        assert_eq!(report["figures"]["deflection_rate"]["of"], intake + 1);
        assert_eq!(report["helpful_answers"][0]["id"], answer);
        let md = gina.get(&format!("/reports/weekly/{week}.md")).await.body;
        assert!(md.contains("| Solved by an existing answer (deflected) | 1 | 0 |"), "{md}");
        assert!(gina.get("/insights").await.body.contains("Deflection rate"));

        // Filed after all with the same draft: the answer did not solve it, so it is not counted.
        let mut filed = draft.to_vec();
        filed.push(("checked", "1"));
        let filed = bob.post("/requests", &filed).await;
        assert_eq!(filed.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("deflections"), 0);
        // And once filed, "This solved it" for that draft points to the request.
        let late = bob.post(&format!("/answers/{answer}/solved"), &draft).await;
        assert_eq!(late.location(), filed.location());
        assert_eq!(app.count("deflections"), 0);

        // Only answers can deflect.
        let open = alice.file_with(&[("title", "Another open one")]).await;
        assert_eq!(bob.post(&format!("/answers/{open}/solved"), &[("title", "x")]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(bob.post("/answers/999999/solved", &[("title", "x")]).await.status, StatusCode::NOT_FOUND);
        let forged = bob.post_raw(&format!("/answers/{answer}/solved"), "title=x").await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "a CSRF token is needed");
    }
}

backend_test! {
    async fn good_answers_rank_higher_and_only_engineers_mark_them(app) {
        let (alice, _) = app.signed_in(Role::Requester, "Alice").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let fields = |text: &'static str| [("title", "Printer jams on floor two"), ("description", "Paper stuck."), ("note", text)];
        let older = alice.file_with(&fields("")[..2]).await;
        gina.act(older, "resolve", &[fields("Replaced the roller, model A.")[2]]).await;
        let newer = alice.file_with(&fields("")[..2]).await;
        gina.act(newer, "resolve", &[fields("Replaced the roller, model B.")[2]]).await;
        assert_eq!(suggested(&alice, "printer jams").await, vec![newer, older], "equal matches: the newer first");

        assert_eq!(alice.post(&format!("/answers/{older}/good"), &[("good", "yes")]).await.status, StatusCode::FORBIDDEN);
        let marked = gina.post(&format!("/answers/{older}/good"), &[("good", "yes")]).await;
        assert_eq!(marked.status, StatusCode::SEE_OTHER);
        assert_eq!(suggested(&alice, "printer jams").await, vec![older, newer], "the good answer first");
        assert!(alice.get(&format!("/answers/{older}")).await.body.contains("marked as a good answer by Gina"));
        assert!(alice.get("/answers").await.body.contains(&format!("/answers/{older}\"")));
        assert!(gina.get("/search?q=goodanswer").await.body.contains("Nothing matches"), "the index's markers are not words");
        let search = gina.get("/search?q=printer").await.body;
        assert!(search.find(&format!("/requests/{older}\"")) < search.find(&format!("/requests/{newer}\"")));

        // Private and open requests cannot be good answers; a reopen removes the mark.
        let private = alice.file_with(&[("title", "Private printer"), ("private", "on")]).await;
        gina.act(private, "resolve", &[("note", "Done.")]).await;
        assert_eq!(gina.post(&format!("/answers/{private}/good"), &[("good", "yes")]).await.status, StatusCode::FORBIDDEN);
        let open = alice.file_with(&[("title", "Open printer")]).await;
        assert_eq!(gina.post(&format!("/answers/{open}/good"), &[("good", "yes")]).await.status, StatusCode::FORBIDDEN);
        alice.act(older, "reopen", &[("note", "Jams again.")]).await;
        gina.act(older, "resolve", &[("note", "Replaced the roller, model C.")]).await;
        assert_eq!(suggested(&alice, "printer jams").await, vec![newer, older], "unmarked again: the newer first");
        assert!(!alice.get(&format!("/answers/{older}")).await.body.contains("marked as a good answer"));
        assert!(alice.get(&format!("/answers/{older}")).await.body.contains("model C"));
    }
}
