use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

backend_test! {
    async fn only_admins_reach_the_admin_pages(app) {
        let (eve, _) = app.signed_in(Role::Engineer, "Eve").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        for browser in [&eve, &rita] {
            for path in ["/admin/users", "/admin/services", "/admin/categories"] {
                assert_eq!(
                    browser.get(path).await.status,
                    StatusCode::FORBIDDEN,
                    "{path}"
                );
            }
            browser.get("/requests/new").await;
            let add = browser
                .post(
                    "/admin/users",
                    &[
                        ("name", "X"),
                        ("email", "x@example.com"),
                        ("role", "admin"),
                        ("password", "password123"),
                    ],
                )
                .await;
            assert_eq!(add.status, StatusCode::FORBIDDEN);
            assert_eq!(
                browser
                    .post("/admin/users/1/role", &[("role", "admin")])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(app.count("users WHERE role = 'admin'"), 0);
        assert_eq!(
            app.browser().get("/admin/users").await.status,
            StatusCode::SEE_OTHER,
            "anonymous: sign in first"
        );
    }
}

backend_test! {
    async fn an_admin_adds_people_and_changes_roles(app) {
        let (admin, _) = app.signed_in(Role::Admin, "Ada").await;
        admin.get("/admin/users").await;
        let added = admin
            .post(
                "/admin/users",
                &[
                    ("name", "Nils Network"),
                    ("email", "Nils@Example.com"),
                    ("role", "engineer"),
                    ("password", "a-long-password"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let page = admin.get("/admin/users").await;
        assert!(page.body.contains("Nils Network") && page.body.contains("nils@example.com"));
        assert!(!page.body.contains("a-long-password"));

        let duplicate = admin
            .post(
                "/admin/users",
                &[
                    ("name", "Nils Again"),
                    ("email", "nils@example.com"),
                    ("role", "engineer"),
                    ("password", "a-long-password"),
                ],
            )
            .await;
        assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            duplicate.body.contains("Someone already has this e-mail.")
                && duplicate.body.contains("Nils Again")
        );

        let bad = admin
            .post(
                "/admin/users",
                &[
                    ("name", ""),
                    ("email", "x"),
                    ("role", "root"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Name cannot be empty.") && bad.body.contains("Choose one of: requester, engineer, admin."));

        let nils = app.browser();
        assert_eq!(
            nils.login("nils@example.com", "a-long-password")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(nils.get("/queue").await.status, StatusCode::OK);
        let id: i64 = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::users;
            let mut conn = app.pool.get().expect("connection");
            users::table
                .filter(users::email.eq("nils@example.com"))
                .select(users::id)
                .first(&mut **conn)
                .expect("nils")
        };
        admin.get("/admin/users").await;
        assert_eq!(
            admin
                .post(&format!("/admin/users/{id}/role"), &[("role", "requester")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            nils.get("/queue").await.status,
            StatusCode::FORBIDDEN,
            "the new role applies at once"
        );
    }
}

backend_test! {
    async fn the_last_admin_cannot_be_demoted_or_disabled(app) {
        let (admin, admin_id) = app.signed_in(Role::Admin, "Ada").await;
        admin.get("/admin/users").await;
        let demote = admin
            .post(
                &format!("/admin/users/{admin_id}/role"),
                &[("role", "engineer")],
            )
            .await;
        assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            demote
                .body
                .contains("At least one enabled admin must remain")
        );
        let disable = admin
            .post(&format!("/admin/users/{admin_id}/disable"), &[])
            .await;
        assert_eq!(disable.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("users WHERE role = 'admin' AND disabled = FALSE"), 1);
        assert_eq!(
            admin.post("/admin/users/9999/disable", &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

backend_test! {
    async fn services_and_categories_are_managed_by_admins(app) {
        let (admin, _) = app.signed_in(Role::Admin, "Ada").await;
        let categories = admin.get("/admin/categories").await;
        for name in [
            "Deploy help",
            "Network",
            "Access",
            "Vendor and datacenter",
            "Monitoring and alerts",
            "Database",
            "Other",
        ] {
            assert!(categories.body.contains(name), "default category {name}");
        }
        assert_eq!(
            admin
                .post(
                    "/admin/categories",
                    &[("name", "Certificates"), ("description", "TLS")]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let taken = admin
            .post(
                "/admin/categories",
                &[("name", "Certificates"), ("description", "")],
            )
            .await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.body.contains("Another entry already has this name."));

        admin.get("/admin/services").await;
        assert_eq!(
            admin
                .post(
                    "/admin/services",
                    &[
                        ("name", "Playback"),
                        ("tier", "critical"),
                        ("description", "Audio delivery")
                    ]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let bad_tier = admin
            .post(
                "/admin/services",
                &[("name", "Odd"), ("tier", "urgent"), ("description", "")],
            )
            .await;
        assert_eq!(bad_tier.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            admin
                .post(
                    "/admin/services/1",
                    &[
                        ("name", "Playback"),
                        ("tier", "important"),
                        ("description", ""),
                        ("archived", "1")
                    ]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.count("services WHERE tier = 'important' AND archived = TRUE"),
            1
        );

        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let form = rita.get("/requests/new").await;
        assert!(
            form.body.contains("Certificates") && !form.body.contains("Playback"),
            "archived services are not offered"
        );
        rita.get("/requests/new").await;
        let archived = rita
            .post(
                "/requests",
                &[
                    ("title", "t"),
                    ("description", "d"),
                    ("category", "1"),
                    ("service", "1"),
                    ("urgency", "low"),
                ],
            )
            .await;
        assert_eq!(archived.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    async fn an_admin_makes_a_one_time_password_reset_link(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let session = app.browser();
        assert_eq!(session.login("rita@example.com", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
        ada.get("/admin/users").await;
        assert_eq!(ada.post(&format!("/admin/users/{}/reset", rita.0), &[]).await.status, StatusCode::SEE_OTHER);
        let page = ada.get("/admin/users").await.body;
        let secret: String = page
            .split("/reset/")
            .nth(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect())
            .unwrap_or_default();
        assert_eq!(secret.len(), 43, "the link is shown to the admin once");
        let stranger = app.browser();
        let form = stranger.get(&format!("/reset/{secret}")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("For Rita"));
        let weak = stranger.post(&format!("/reset/{secret}"), &[("password", "password"), ("password_confirm", "password")]).await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        let new = "a fresh and long passphrase";
        let set = stranger.post(&format!("/reset/{secret}"), &[("password", new), ("password_confirm", new)]).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER);
        assert_eq!(app.browser().login("rita@example.com", new).await.status, StatusCode::SEE_OTHER);
        assert_eq!(session.get("/requests/mine").await.status, StatusCode::SEE_OTHER, "old sessions ended");
        assert_eq!(app.browser().get(&format!("/reset/{secret}")).await.status, StatusCode::NOT_FOUND, "once");
        // An unused link expires after a day.
        ada.post(&format!("/admin/users/{}/reset", rita.0), &[]).await;
        let later = ada.get("/admin/users").await.body;
        let second: String = later.split("/reset/").nth(1).map(|r| r.chars().take_while(|c| c.is_ascii_alphanumeric()).collect()).unwrap_or_default();
        app.clock.advance(chrono::Duration::hours(25));
        assert_eq!(app.browser().get(&format!("/reset/{second}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count("password_resets WHERE used_at IS NOT NULL"), 1);
    }
}
