use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

backend_test! {
    async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing(app) {
        let (browser, _) = app.signed_in(Role::Requester, "Rita").await;
        browser.get("/requests/new").await;
        let fields = "title=Hi&description=There&category=1&urgency=normal";
        let missing = browser.post_raw("/requests", fields).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        assert!(missing.body.contains("nothing was changed"));
        let forged = browser
            .post_raw(
                "/requests",
                format!("csrf_token=forged-token-value-of-43-characters-xxxxxx&{fields}"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("requests"), 0);

        // Another session's token does not work either.
        let (other, _) = app.signed_in(Role::Requester, "Ray").await;
        other.get("/requests/new").await;
        let foreign = browser
            .post_raw("/requests", format!("csrf_token={}&{fields}", other.csrf()))
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("requests"), 0);
    }
}

backend_test! {
    async fn login_and_logout_need_the_token_too(app) {
        app.create_user("eve@example.com", "Eve", Role::Engineer);
        let browser = app.browser();
        let login = browser
            .post_raw(
                "/login",
                "email=eve%40example.com&password=correct+horse+battery+staple",
            )
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
        let (signed_in, _) = app.signed_in(Role::Engineer, "Sam").await;
        assert_eq!(
            signed_in.post_raw("/logout", "").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            signed_in.get("/queue").await.status,
            StatusCode::OK,
            "still signed in"
        );
    }
}

backend_test! {
    async fn every_response_carries_the_security_headers(app) {
        let (browser, _) = app.signed_in(Role::Engineer, "Eve").await;
        for path in ["/queue", "/login", "/no-such-page", "/healthz"] {
            let response = browser.get(path).await;
            let csp = response.header("content-security-policy");
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{path}: {csp}"
            );
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(
                response.header("x-content-type-options"),
                "nosniff",
                "{path}"
            );
            assert_eq!(response.header("referrer-policy"), "same-origin", "{path}");
        }
        assert_eq!(
            browser.get("/queue").await.header("cache-control"),
            "no-store"
        );
        assert!(
            browser
                .get("/static/app.css")
                .await
                .header("cache-control")
                .contains("max-age")
        );
    }
}

backend_test! {
    async fn unknown_pages_render_the_not_found_template(app) {
        let page = app.browser().get("/nothing/here").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("<title>Not found · Goalkeeper</title>"));
    }
}

backend_test! {
    async fn oversized_bodies_are_refused(app) {
        let (browser, _) = app.signed_in(Role::Requester, "Rita").await;
        browser.get("/requests/new").await;
        let huge = "x".repeat(300 * 1024);
        let response = browser
            .post(
                "/requests",
                &[
                    ("title", "Big"),
                    ("description", &huge),
                    ("category", "1"),
                    ("urgency", "low"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(app.count("requests"), 0);
    }
}

backend_test! {
    async fn invalid_utf8_is_a_clear_error_not_a_crash(app) {
        let (browser, _) = app.signed_in(Role::Requester, "Rita").await;
        browser.get("/requests/new").await;
        let body = format!(
            "csrf_token={}&title=%FF%FEbad&description=ok&category=1&urgency=low",
            browser.csrf()
        );
        let response = browser.post_raw("/requests", body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.body.contains("not valid UTF-8"));
        assert!(response.body.contains("title"));
        assert_eq!(app.count("requests"), 0);
    }
}

backend_test! {
    async fn script_in_a_title_comes_back_escaped_everywhere(app) {
        let (requester, _) = app.signed_in(Role::Requester, "Rita").await;
        let (engineer, _) = app.signed_in(Role::Engineer, "Eve").await;
        let id = requester
            .file_with(&[
                ("title", "<script>alert(1)</script>"),
                ("description", "<img src=x onerror=alert(2)>"),
            ])
            .await;
        let pages = [
            requester.get(&format!("/requests/{id}")).await,
            requester.get("/requests/mine").await,
            engineer.get("/queue").await,
            engineer.get(&format!("/requests/{id}")).await,
        ];
        for page in pages {
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                !page.body.contains("<script>alert(1)"),
                "raw script tag in page"
            );
            assert!(!page.body.contains("<img src=x"), "raw img tag in page");
            assert!(
                page.body
                    .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                    || page.body.contains("&lt;script&gt;")
            );
        }
    }
}

backend_test! {
    async fn health_and_readiness_answer(app) {
        let browser = app.browser();
        let health = browser.get("/healthz").await;
        assert_eq!(
            (health.status, health.body.as_str()),
            (StatusCode::OK, "ok\n")
        );
        let ready = browser.get("/readyz").await;
        assert_eq!(
            (ready.status, ready.body.as_str()),
            (StatusCode::OK, "ready\n")
        );
    }
}

backend_test! {
    async fn every_page_starts_with_a_skip_link_to_its_content(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let anonymous = app.browser();
        for path in ["/queue", "/rotation", "/insights", "/account", "/inbox", "/login"] {
            let page = if path == "/login" { anonymous.get(path).await.body } else { gina.get(path).await.body };
            let skip = page.find(r##"<a class="skip-link" href="#main">"##).unwrap_or(usize::MAX);
            assert!(skip < page.find("<header").unwrap_or(0) && page.contains(r#"<main id="main""#), "{path}");
        }
    }
}
