use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

backend_test! {
    async fn engineers_find_requests_by_words_in_their_resolution(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (ray, _) = app.signed_in(Role::Requester, "Ray").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let vpn = rita.file_with(&[("title", "VPN keeps dropping"), ("description", "Every hour from the office.")]).await;
        gina.act(vpn, "resolve", &[("note", "Replaced the flaky access point in room 4.")]).await;
        let disk = ray.file_with(&[("title", "Disk full on build agents"), ("description", "Builds fail with ENOSPC.")]).await;

        let found = gina.get("/search?q=access+point").await;
        assert_eq!(found.status, StatusCode::OK);
        assert!(found.body.contains(&format!("/requests/{vpn}")) && !found.body.contains(&format!("/requests/{disk}\"")));
        assert!(found.body.contains("<mark>access</mark>") || found.body.contains("<mark>point</mark>"), "{}", found.body);
        let prefix = gina.get("/search?q=build+age").await;
        assert!(prefix.body.contains(&format!("/requests/{disk}")), "the last word matches as a prefix");
        let short = gina.get("/search?q=build+g").await;
        assert!(short.status.is_success() && !short.body.contains(&format!("/requests/{disk}")), "one letter is not a prefix");
        let title = gina.get("/search?q=dropping").await;
        assert!(title.body.contains(&format!("/requests/{vpn}")));
        assert!(gina.get("/search?q=%22%29%28*+OR").await.status.is_success(), "query syntax is not passed through");
        assert!(gina.get("/search?q=nothing+like+this").await.body.contains("Nothing matches"));

        // Requesters search only their own requests.
        let own = ray.get("/search?q=access+point").await;
        assert!(!own.body.contains(&format!("/requests/{vpn}")));
        assert!(ray.get("/search?q=disk").await.body.contains(&format!("/requests/{disk}")));
    }
}

backend_test! {
    async fn script_in_a_match_is_escaped(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.file_with(&[("title", "<script>alert(1)</script> printer"), ("description", "printer <b>bold</b>")]).await;
        let page = rita.get("/search?q=printer").await.body;
        assert!(!page.contains("<script>alert(1)") && !page.contains("<b>bold"));
    }
}

backend_test! {
    async fn likely_duplicates_are_offered_and_linked_both_ways(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let original = rita.file_with(&[("title", "Staging database replica lag")]).await;
        let unrelated = rita.file_with(&[("title", "New laptop please")]).await;
        let copy = rita.file_with(&[("title", "Replica lag on staging again")]).await;
        assert!(gina.get(&format!("/requests/{copy}")).await.body.contains("Look for likely duplicates"));
        let page = gina.get(&format!("/requests/{copy}?similar=1")).await.body;
        assert!(page.contains("Possibly the same as"));
        assert!(page.contains(&format!("Close as duplicate of #{original}")));
        assert!(!page.contains(&format!("Close as duplicate of #{unrelated}")));
        assert!(!page.contains(&format!("Close as duplicate of #{copy}")), "never itself");
        let version = gina.version(copy).await;
        let closed = gina.post(&format!("/requests/{copy}/duplicate"), &[("version", &version), ("of", &original.to_string())]).await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);
        let original_page = gina.get(&format!("/requests/{original}")).await.body;
        assert!(original_page.contains("Duplicates of this") && original_page.contains(&format!("href=\"/requests/{copy}\"")));
        assert!(!rita.get(&format!("/requests/{copy}?similar=1")).await.body.contains("Possibly the same as"), "requesters are not offered this");
    }
}

backend_test! {
    async fn a_word_being_typed_matches_every_word_it_starts(app) {
        let (gina_browser, gina) = app.signed_in(Role::Engineer, "Gina").await;
        let token = app.token(gina, Role::Engineer, "write");
        let bodies: Vec<String> = (0..200)
            .map(|n| serde_json::json!({"title": format!("Router {n} failed"), "description": "Nightly job.", "category_id": 1}).to_string())
            .collect();
        let filings = bodies.iter().map(|b| app.api("POST", "/api/v1/requests", &token, Some(b), &[]));
        for answer in futures_util::future::join_all(filings).await {
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        }
        let board = gina_browser.file_with(&[("title", "Routerboard reboots"), ("description", "Every hour.")]).await;
        let link = format!("/requests/{board}\"");

        // The last word is the one being typed: "router" may still become "routerboard".
        let typed = gina_browser.get("/search?q=router").await;
        assert_eq!(typed.status, StatusCode::OK);
        assert!(typed.body.contains("<mark>Router</mark>"), "{}", typed.body);
        assert!(typed.body.contains(&link), "{}", typed.body);
        let typing = gina_browser.get("/search?q=routerb").await;
        assert!(typing.body.contains(&link) && !typing.body.contains("<mark>Router</mark>"), "{}", typing.body);
        // A short one too, however the backend gets there.
        let short = gina_browser.get("/search?q=rou").await;
        assert!(short.body.contains("<mark>Rou"), "{}", short.body);
        // A finished word before it is a whole word.
        assert!(!gina_browser.get("/search?q=routerboard+nightl").await.body.contains(&link));
    }
}

backend_test! {
    async fn a_word_being_typed_finds_words_whose_stem_it_runs_past(app) {
        // Both indexes hold stems: "certificate" is "certif" there, so looking for stems that
        // start with "certifi" found nothing while the person typed on.
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let cert = rita.file_with(&[("title", "Certificate renewal for the VPN gateway"), ("description", "It expires Friday.")]).await;
        let other = rita.file_with(&[("title", "Printer jams"), ("description", "Third floor.")]).await;
        let link = |id: i64| format!("/requests/{id}\"");
        for typed in ["certifi", "certificat", "vpn+renewa", "gateway+certifica"] {
            let page = gina.get(&format!("/search?q={typed}")).await;
            assert!(page.body.contains(&link(cert)), "{typed}: {}", page.body);
            assert!(!page.body.contains(&link(other)), "{typed}");
        }
        // Words written later are found as they are typed too: a comment's, an edit's.
        gina.act(cert, "comment", &[("note", "Waiting on the keystore password.")]).await;
        assert!(gina.get("/search?q=keysto").await.body.contains(&link(cert)));
        let fields = [
            ("version", "1"),
            ("title", "Printer jams with Kerberos errors"),
            ("description", "Third floor."),
            ("category", "1"),
            ("service", ""),
            ("urgency", "normal"),
        ];
        let edited = gina.post(&format!("/requests/{other}/edit"), &fields).await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
        assert!(gina.get("/search?q=kerber").await.body.contains(&link(other)), "an edited title's words");
        // A requester still searches only their own.
        let (ray, _) = app.signed_in(Role::Requester, "Ray").await;
        assert!(!ray.get("/search?q=certifi").await.body.contains(&link(cert)));
    }
}

backend_test! {
    async fn the_words_of_stored_text_are_listed_again_when_missing(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file_with(&[("title", "Hypervisor certificate update"), ("description", "Host 12.")]).await;
        assert_eq!(app.count("search_words WHERE word IN ('hypervisor', 'certificate', 'host')"), 3);
        // A database from before the list, or one loaded past the app.
        app.execute("DELETE FROM search_words");
        let mut conn = app.pool.get().expect("connection");
        goalkeeper::db::migrate(&mut conn).expect("migrate");
        drop(conn);
        assert_eq!(app.count("search_words WHERE word IN ('hypervisor', 'certificate', 'host')"), 3);
        assert!(gina.get("/search?q=certifica").await.body.contains(&format!("/requests/{id}\"")));
    }
}
