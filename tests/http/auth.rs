use crate::backend_test;
use crate::helpers::PASSWORD;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

backend_test! {
    async fn a_fresh_install_sends_everyone_to_setup(app) {
        let browser = app.browser();
        assert_eq!(browser.get("/").await.location(), "/setup");
        assert_eq!(browser.get("/login").await.location(), "/setup");
        let page = browser.get("/setup").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Create the first admin"));
    }
}

backend_test! {
    async fn setup_creates_the_first_admin_once(app) {
        let browser = app.browser();
        browser.get("/setup").await;
        let done = browser
            .post(
                "/setup",
                &[
                    ("name", "Ada Admin"),
                    ("email", "ada@example.com"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.location(), "/admin/users");
        let people = browser.get("/admin/users").await;
        assert_eq!(people.status, StatusCode::OK);
        assert!(
            people.body.contains("Welcome!"),
            "flash message after setup"
        );

        let other = app.browser();
        assert_eq!(other.get("/setup").await.location(), "/login");
        other.get("/login").await;
        let again = other
            .post(
                "/setup",
                &[
                    ("name", "Mallory"),
                    ("email", "m@example.com"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(again.location(), "/login");
        assert_eq!(app.count("users"), 1);
    }
}

backend_test! {
    async fn setup_form_comes_back_with_messages_and_values(app) {
        let browser = app.browser();
        browser.get("/setup").await;
        let page = browser
            .post(
                "/setup",
                &[
                    ("name", "Ada"),
                    ("email", "not-an-email"),
                    ("password", "short"),
                    ("password_confirm", "short"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("value=\"Ada\""));
        assert!(page.body.contains("E-mail must look like"));
        assert!(page.body.contains("at least 8 characters"));
        assert_eq!(app.count("users"), 0);
    }
}

backend_test! {
    async fn unknown_email_and_wrong_password_get_the_same_answer(app) {
        app.create_user("eve@example.com", "Eve", Role::Engineer);
        let unknown = app.browser().login("nobody@example.com", PASSWORD).await;
        let wrong = app
            .browser()
            .login("eve@example.com", "wrong password!")
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, unknown.status);
        let message = "That e-mail and password do not match an account.";
        assert!(unknown.body.contains(message) && wrong.body.contains(message));
    }
}

backend_test! {
    async fn the_session_id_changes_at_sign_in(app) {
        app.create_user("eve@example.com", "Eve", Role::Engineer);
        let browser = app.browser();
        for _ in 0..3 {
            browser.get("/login").await;
        }
        let before = app.session_ids();
        assert!(before.is_empty(), "showing the sign-in form stores no session: {before:?}");
        // A session id planted before sign-in is never the one signed in.
        browser.set_cookie(goalkeeper::web::SESSION_COOKIE, "planted-by-someone-else");
        let signed_in = browser
            .post(
                "/login",
                &[("email", "eve@example.com"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        let after = app.session_ids();
        assert_eq!(after.len(), 1, "one session, the signed-in one");
        assert!(after[0].len() >= 22, "at least 128 bits of randomness");
        let cookie_header = signed_in
            .headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(goalkeeper::web::SESSION_COOKIE))
            .unwrap_or_default()
            .to_owned();
        assert!(!cookie_header.contains("planted-by-someone-else"));
        assert!(
            cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"),
            "{cookie_header}"
        );
        assert_eq!(browser.get("/queue").await.status, StatusCode::OK);
    }
}

backend_test! {
    async fn sign_in_returns_to_the_page_asked_for_but_never_off_site(app) {
        app.create_user("eve@example.com", "Eve", Role::Engineer);
        let browser = app.browser();
        assert_eq!(
            browser.get("/queue?owner=me").await.location(),
            "/login?next=%2Fqueue%3Fowner%3Dme"
        );
        browser.get("/login?next=%2Fqueue%3Fowner%3Dme").await;
        let back = browser
            .post(
                "/login",
                &[
                    ("email", "eve@example.com"),
                    ("password", PASSWORD),
                    ("next", "/queue?owner=me"),
                ],
            )
            .await;
        assert_eq!(back.location(), "/queue?owner=me");

        let other = app.browser();
        other.get("/login").await;
        let away = other
            .post(
                "/login",
                &[
                    ("email", "eve@example.com"),
                    ("password", PASSWORD),
                    ("next", "//evil.example"),
                ],
            )
            .await;
        assert_eq!(away.location(), "/");
    }
}

backend_test! {
    async fn a_cookie_replayed_after_logout_is_refused(app) {
        let (browser, _) = app.signed_in(Role::Engineer, "Eve").await;
        let stolen = browser
            .cookie("goalkeeper_session")
            .expect("session cookie");
        assert_eq!(browser.get("/queue").await.status, StatusCode::OK);
        let out = browser.post("/logout", &[]).await;
        assert_eq!(out.location(), "/login?signed_out=1");
        assert_eq!(app.count("sessions WHERE user_id IS NOT NULL"), 0);

        let replay = app.browser();
        replay.set_cookie("goalkeeper_session", &stolen);
        let refused = replay.get("/queue").await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER);
        assert!(refused.location().starts_with("/login"));
    }
}

backend_test! {
    async fn a_disabled_user_is_signed_out_at_once(app) {
        let (admin, _) = app.signed_in(Role::Admin, "Ada").await;
        let (eve, eve_id) = app.signed_in(Role::Engineer, "Eve").await;
        assert_eq!(eve.get("/queue").await.status, StatusCode::OK);
        admin.get("/admin/users").await;
        let disabled = admin
            .post(&format!("/admin/users/{eve_id}/disable"), &[])
            .await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        let after = eve.get("/queue").await;
        assert_eq!(after.status, StatusCode::SEE_OTHER);
        assert!(after.location().starts_with("/login"));
        let again = app.browser().login("eve@example.com", PASSWORD).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert!(again.body.contains("disabled"));
    }
}

backend_test! {
    async fn failed_sign_ins_wait_longer_each_time_for_that_client(app) {
        app.create_user("eve@example.com", "Eve", Role::Engineer);
        let browser = app.browser();
        for _ in 0..3 {
            assert_eq!(browser.login("eve@example.com", "guessing-wrong").await.status, StatusCode::UNAUTHORIZED);
        }
        let waiting = browser.login("eve@example.com", PASSWORD).await;
        assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(waiting.header("retry-after"), "2");
        app.clock.advance(chrono::Duration::seconds(3));
        assert_eq!(browser.login("eve@example.com", "still-wrong").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(browser.login("eve@example.com", PASSWORD).await.header("retry-after"), "4", "twice as long");
        app.clock.advance(chrono::Duration::seconds(5));
        assert_eq!(browser.login("eve@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }
}

backend_test! {
    async fn nobody_locks_the_owner_out_of_their_own_browser(app) {
        app.create_user("eve@example.com", "Eve", Role::Admin);
        // Eve has signed in from this browser before: it holds the account's device cookie.
        let eves = app.browser();
        assert_eq!(eves.login("eve@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert!(eves.cookie("goalkeeper_device").is_some());
        eves.get("/admin/users").await;
        eves.post("/logout", &[]).await;
        // Someone guesses her password from many addresses, and from ours.
        {
            let mut conn = app.pool.get().expect("connection");
            let now = goalkeeper::domain::Clock::now(&*app.clock);
            for n in 0..60 {
                goalkeeper::db::users::record_login_failure(&mut conn, "eve@example.com", &format!("ip:10.0.{}.{}", n / 200, n % 200), now).expect("failure");
            }
        }
        let attacker = app.browser();
        for _ in 0..3 {
            attacker.login("eve@example.com", "guess").await;
        }
        let refused = attacker.login("eve@example.com", PASSWORD).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "unknown clients wait");
        // Eve, in her own browser, with the right password, gets in at once.
        let back = eves.login("eve@example.com", PASSWORD).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        assert_eq!(eves.get("/admin/users").await.status, StatusCode::OK);
        // A wrong guess in her browser counts for her browser only.
        eves.post("/logout", &[]).await;
        assert_eq!(eves.get("/admin/users").await.status, StatusCode::SEE_OTHER, "signed out");
        assert_eq!(eves.login("eve@example.com", "typo").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(eves.login("eve@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        // The window passes and new browsers get in again.
        app.clock.advance(chrono::Duration::minutes(16));
        assert_eq!(app.browser().login("eve@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }
}

backend_test! {
    async fn sessions_expire_when_idle_and_after_the_absolute_limit(app) {
        let (browser, _) = app.signed_in(Role::Engineer, "Eve").await;
        app.clock.advance(chrono::Duration::hours(11));
        assert_eq!(
            browser.get("/queue").await.status,
            StatusCode::OK,
            "within the idle limit"
        );
        app.clock.advance(chrono::Duration::hours(11));
        assert_eq!(
            browser.get("/queue").await.status,
            StatusCode::OK,
            "the visit before renewed it"
        );
        app.clock.advance(chrono::Duration::hours(13));
        assert_eq!(
            browser.get("/queue").await.status,
            StatusCode::SEE_OTHER,
            "idle for 13 h"
        );

        let (steady, _) = app.signed_in(Role::Engineer, "Sam").await;
        for _ in 0..16 {
            app.clock.advance(chrono::Duration::hours(11));
            steady.get("/queue").await;
        }
        assert_eq!(
            steady.get("/queue").await.status,
            StatusCode::SEE_OTHER,
            "past 7 days in all"
        );
    }
}

backend_test! {
    async fn people_land_where_their_work_is(app) {
        let (engineer, _) = app.signed_in(Role::Engineer, "Eve").await;
        let (requester, _) = app.signed_in(Role::Requester, "Rita").await;
        assert_eq!(engineer.get("/").await.location(), "/queue");
        assert_eq!(requester.get("/").await.location(), "/requests/mine");
    }
}

backend_test! {
    async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let elsewhere = app.browser();
        assert_eq!(elsewhere.login("rita@example.com", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
        rita.get("/account").await;
        let new = "a much longer new passphrase";
        let wrong = rita
            .post("/account/password", &[("current_password", "not it at all"), ("new_password", new), ("new_password_confirm", new)])
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("That is not your current password."));
        let weak = rita
            .post("/account/password", &[("current_password", crate::helpers::PASSWORD), ("new_password", "password"), ("new_password_confirm", "password")])
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        let changed = rita
            .post("/account/password", &[("current_password", crate::helpers::PASSWORD), ("new_password", new), ("new_password_confirm", new)])
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        assert_eq!(rita.get("/account").await.status, StatusCode::OK, "this browser stays signed in");
        // The new session was saved in a request that had read the person with its session:
        // only the session's own keys are stored, never that copy.
        let states: Vec<String> = {
            use diesel::prelude::*;
            let mut conn = app.pool.get().expect("connection");
            goalkeeper::db::schema::sessions::table.select(goalkeeper::db::schema::sessions::state).load(&mut **conn).expect("sessions")
        };
        assert!(!states.is_empty() && states.iter().all(|s| s.contains("uid") && !s.contains("uid.loaded")), "{states:?}");
        assert_eq!(elsewhere.get("/requests/mine").await.status, StatusCode::SEE_OTHER, "the other session ended");
        let old = app.browser();
        assert_eq!(old.login("rita@example.com", crate::helpers::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.browser().login("rita@example.com", new).await.status, StatusCode::SEE_OTHER);
    }
}
