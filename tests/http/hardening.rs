//! Hardening: the truth under failure, no starving, nothing leaked, no way off site.

use crate::backend_test;
use crate::helpers::TestApp;
use actix_web::http::StatusCode;
use diesel::connection::SimpleConnection;
use goalkeeper::domain::Role;

/// Runs SQL on the test database (a fault to inject), in the dialect of its backend.
fn inject(app: &TestApp, sqlite: &str, postgres: &str) {
    let mut conn = app.pool.get().expect("connection");
    match &mut **conn {
        goalkeeper::db::DbConnection::Sqlite(inner) => inner.batch_execute(sqlite).expect("fault"),
        goalkeeper::db::DbConnection::Pg(inner) => inner.batch_execute(postgres).expect("fault"),
    }
}

backend_test! {
    async fn a_saved_change_is_never_answered_with_an_error_when_sessions_cannot_be_written(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Printer on fire").await;
        gina.get("/queue").await;
        // From now on the session table refuses every write, as a full disk would.
        inject(
            &app,
            "CREATE TRIGGER sessions_full_i BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
             CREATE TRIGGER sessions_full_u BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            "CREATE FUNCTION sessions_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END; $$;
             CREATE TRIGGER sessions_full BEFORE INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_full();",
        );
        let taken = gina.act(id, "take", &[]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "the take was saved: {}", taken.body);
        let page = gina.get(&format!("/requests/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("You own #{id} now.")), "the flash message arrives");
        for path in ["/queue", "/requests/mine", "/answers", "/rotation"] {
            assert_eq!(gina.get(path).await.status, StatusCode::OK, "{path} is readable");
        }
        assert_eq!(rita.get(&format!("/requests/{id}")).await.status, StatusCode::OK);
        // Signing in needs a new session: that is refused honestly, as storage.
        let sign_in = app.browser().login("rita@example.com", crate::helpers::PASSWORD).await;
        assert_eq!(sign_in.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}

backend_test! {
    async fn reading_pages_leaves_the_session_row_alone(app) {
        use diesel::prelude::*;
        use goalkeeper::db::schema::sessions;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let row = || {
            let mut conn = app.pool.get().expect("connection");
            sessions::table.select((sessions::id, sessions::state, sessions::expires_at)).load::<(String, String, chrono::NaiveDateTime)>(&mut **conn).expect("sessions")
        };
        let before = row();
        for path in ["/queue", "/requests/mine", "/answers", "/rotation", "/insights", "/queue"] {
            gina.get(path).await;
        }
        assert_eq!(row(), before);
    }
}

backend_test! {
    async fn a_full_disk_is_a_503_that_says_storage_and_changes_nothing(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.get("/requests/new").await;
        inject(
            &app,
            "CREATE TRIGGER requests_full BEFORE INSERT ON requests BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            "CREATE FUNCTION requests_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END; $$;
             CREATE TRIGGER requests_full BEFORE INSERT ON requests FOR EACH ROW EXECUTE FUNCTION requests_full();",
        );
        let filed = rita.post("/requests", &[("title", "Disk alarm"), ("description", "d"), ("category", "1"), ("urgency", "normal"), ("checked", "1")]).await;
        assert_eq!(filed.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(filed.body.contains("Cannot save right now"), "{}", filed.body);
        assert_eq!(app.count("requests"), 0);
        assert_eq!(rita.get("/requests/mine").await.status, StatusCode::OK, "reading still works");
    }
}

backend_test! {
    async fn one_idempotency_key_posted_many_times_at_once_files_one_request(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.get("/requests/new").await;
        let form = [("title", "Double click"), ("description", "d"), ("category", "1"), ("urgency", "normal"), ("checked", "1"), ("idempotency_key", "key-of-one-draft-000000000001")];
        let posts = (0..16).map(|_| rita.post("/requests", &form));
        let answers = futures_util::future::join_all(posts).await;
        let locations: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|a| {
                assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
                a.location().to_owned()
            })
            .collect();
        assert_eq!(locations.len(), 1, "every post lands on the same request");
        assert_eq!(app.count("requests"), 1);
    }
}

backend_test! {
    async fn concurrent_setup_forms_make_one_first_admin(app) {
        let browsers: Vec<_> = (0..10).map(|_| app.browser()).collect();
        for browser in &browsers {
            browser.get("/setup").await;
        }
        let posts = browsers.iter().enumerate().map(|(n, browser)| async move {
            let email = format!("admin{n}@example.com");
            browser
                .post("/setup", &[("name", "Ada"), ("email", &email), ("password", crate::helpers::PASSWORD), ("password_confirm", crate::helpers::PASSWORD)])
                .await
                .status
        });
        let statuses = futures_util::future::join_all(posts).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER), "{statuses:?}");
        assert_eq!(app.count("users"), 1);
    }
}

backend_test! {
    async fn bad_input_is_a_clear_answer_never_a_500(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (alice, _) = app.signed_in(Role::Requester, "Alice").await;
        let answer = alice.file("VPN drops every hour").await;
        gina.act(answer, "resolve", &[("note", "Renewed the VPN certificate.")]).await;
        let (bob, _) = app.signed_in(Role::Requester, "Bob").await;
        bob.get("/requests/new").await;
        let solved = bob
            .post(&format!("/answers/{answer}/solved"), &[("title", "VPN drops"), ("category", "987654"), ("idempotency_key", "draft-000000000000000000001")])
            .await;
        assert_eq!(solved.status, StatusCode::SEE_OTHER, "{}", solved.body);
        // The same person's "this solved it" counts once per answer, whatever the draft.
        bob.get("/requests/new").await;
        bob.post(&format!("/answers/{answer}/solved"), &[("title", "VPN drops again"), ("category", "1"), ("idempotency_key", "draft-000000000000000000002")]).await;
        assert_eq!(app.count("deflections"), 1);

        for next in ["%0d%0aSet-Cookie:%20x=1", "%0b", "%2F%09%2Fevil.example%2F", "%2F%5Cevil.example"] {
            let page = app.browser().get(&format!("/login?next={next}")).await;
            assert_eq!(page.status, StatusCode::OK, "{next}");
            assert!(page.body.contains("name=\"next\" value=\"/\""), "{next} was kept");
        }
        let browser = app.browser();
        browser.get("/login?next=%2F%09%2Fevil.example%2F").await;
        let signed_in = browser.post("/login", &[("email", "bob@example.com"), ("password", crate::helpers::PASSWORD), ("next", "/\t/evil.example/")]).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.location(), "/");
        let vertical_tab = app.browser();
        vertical_tab.get("/login").await;
        let answer = vertical_tab.post("/login", &[("email", "bob@example.com"), ("password", crate::helpers::PASSWORD), ("next", "/queue\u{b}x")]).await;
        assert_eq!(answer.location(), "/");

        assert_eq!(gina.get("/reports/weekly/262143-W01").await.status, StatusCode::NOT_FOUND);
        assert_eq!(gina.get("/reports/weekly/262142-W52.json").await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn internal_notes_never_reach_the_requester(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (_, sam) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("Firewall rule for the billing API").await;
        let sam_text = sam.0.to_string();
        gina.act(id, "consult", &[("with", &sam_text), ("note", "Secret-ish: is billing still on the old VLAN?")]).await;
        gina.act(id, "route", &[("to", &sam_text), ("note", "Sam, the VLAN thing is yours")]).await;
        let engineer_view = gina.get(&format!("/requests/{id}")).await.body;
        assert!(engineer_view.contains("old VLAN") && engineer_view.contains("the VLAN thing is yours"));
        let page = rita.get(&format!("/requests/{id}")).await.body;
        assert!(!page.contains("VLAN"), "an internal note on the requester's page");
        assert!(page.contains("Sam"), "the requester still sees who owns it");
        assert!(!rita.get("/search?q=VLAN").await.body.contains(&format!("/requests/{id}")), "nor through search");

        // The conflict page a stale form gets shows what happened, without internal notes.
        let version = rita.version(id).await;
        gina.act(id, "consult", &[("with", &sam_text), ("note", "VLAN again?")]).await;
        gina.act(id, "comment", &[("note", "Looking at it now.")]).await;
        let conflict = rita.post(&format!("/requests/{id}/comment"), &[("version", &version), ("note", "any news?")]).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert!(conflict.body.contains("Looking at it now.") && !conflict.body.contains("VLAN"), "{}", conflict.body);
    }
}

backend_test! {
    async fn an_answer_made_private_leaves_no_title_in_my_requests(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (alice, _) = app.signed_in(Role::Requester, "Alice").await;
        let answer = alice.file("Payroll export hangs").await;
        gina.act(answer, "resolve", &[("note", "Restarted the exporter.")]).await;
        let (bob, _) = app.signed_in(Role::Requester, "Bob").await;
        bob.get("/requests/new").await;
        bob.post(&format!("/answers/{answer}/solved"), &[("title", "export stuck"), ("category", "1"), ("idempotency_key", "draft-000000000000000000003")]).await;
        assert!(bob.get("/requests/mine").await.body.contains("Payroll export hangs"));
        alice.get(&format!("/requests/{answer}")).await;
        alice.post(&format!("/requests/{answer}/visibility"), &[("private", "on")]).await;
        let mine = bob.get("/requests/mine").await.body;
        assert!(!mine.contains("Payroll export hangs"), "the private title leaks");
        assert!(mine.contains("data-unshared-answer") && mine.contains("export stuck"));
    }
}

backend_test! {
    async fn people_text_in_the_markdown_report_stays_text(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.file("<img src=x onerror=alert(1)> [click](javascript:alert(1))").await;
        let md = gina.get("/reports/weekly/2026-W48.md").await.body;
        assert!(md.contains("\\<img src=x onerror=alert\\(1\\)\\> \\[click\\]\\(javascript:alert\\(1\\)\\)"), "{md}");
        let unescaped = md.replace("\\<", "").replace("\\]\\(", "");
        assert!(!unescaped.contains("<img") && !unescaped.contains("](javascript"));
    }
}

backend_test! {
    async fn common_passwords_are_refused_where_passwords_are_chosen(app) {
        let setup = app.browser();
        setup.get("/setup").await;
        let weak = setup.post("/setup", &[("name", "Ada"), ("email", "ada@example.com"), ("password", "password"), ("password_confirm", "password")]).await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("too common"));
        for common in ["12345678", "ada@example.com"] {
            let again = setup.post("/setup", &[("name", "Ada"), ("email", "ada@example.com"), ("password", common), ("password_confirm", common)]).await;
            assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{common}");
        }
        assert_eq!(app.count("users"), 0);
        let (ada, _) = app.signed_in(Role::Admin, "Ada Admin").await;
        ada.get("/admin/users").await;
        let added = ada.post("/admin/users", &[("name", "Sam"), ("email", "sam@example.com"), ("role", "engineer"), ("password", "qwerty123")]).await;
        assert_eq!(added.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    async fn feed_links_ignore_the_host_header_and_pages_isolate_their_window(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let page = gina.get("/rotation").await;
        assert!(page.body.contains("http://127.0.0.1:8080/rotation.ics?token="), "the configured public address");
        assert_eq!(page.header("cross-origin-opener-policy"), "same-origin");
        assert_eq!(page.header("strict-transport-security"), "", "no HSTS over plain HTTP");
    }
}

backend_test! {
    async fn heavy_pages_take_turns_and_light_pages_still_answer(app) {
        crate::insights::seed(&app, 1_500);
        let gina = crate::insights::sign_in(&app, "gina@example.com").await;
        let heavy = (0..10).map(|_| gina.get("/insights"));
        let light = (0..10).map(|_| gina.get("/queue"));
        let (heavy, light) = futures_util::future::join(futures_util::future::join_all(heavy), futures_util::future::join_all(light)).await;
        assert!(heavy.iter().chain(light.iter()).all(|r| r.status == StatusCode::OK));
    }
}

#[actix_web::test]
async fn over_https_cookies_are_host_only_and_browsers_remember_to_use_https() {
    let config = goalkeeper::web::WebConfig {
        secure_cookies: true,
        public_url: "https://goalkeeper.example.com".into(),
        ..goalkeeper::web::WebConfig::default()
    };
    let app = TestApp::sqlite_with(config).await;
    app.create_user("ada@example.com", "Ada", Role::Admin);
    let browser = app.browser();
    let page = browser.get("/login").await;
    assert_eq!(page.header("strict-transport-security"), "max-age=31536000; includeSubDomains");
    let signed_in = browser.login("ada@example.com", crate::helpers::PASSWORD).await;
    let session_cookie = signed_in
        .headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-goalkeeper_session="))
        .unwrap_or_default()
        .to_owned();
    assert!(session_cookie.contains("Secure") && session_cookie.contains("Path=/"), "{session_cookie}");
    assert!(!session_cookie.contains("Domain="), "{session_cookie}");
    assert!(browser.get("/rotation").await.body.contains("https://goalkeeper.example.com/rotation.ics?token="));
}
