use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

backend_test! {
    async fn a_requester_files_a_request_and_follows_it(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let form = rita.get("/requests/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body.contains("Deploy help") && form.body.contains("Vendor and datacenter"),
            "default categories"
        );
        let id = rita
            .file_with(&[
                ("title", "Deploy of payments is stuck"),
                ("urgency", "high"),
            ])
            .await;
        let page = rita.get(&format!("/requests/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Deploy of payments is stuck"));
        assert!(
            page.body.contains(&format!("Request #{id} filed")),
            "flash after filing"
        );
        assert!(
            page.body.contains("filed the request"),
            "history starts with the filing"
        );
        let again = rita.get(&format!("/requests/{id}")).await;
        assert!(
            !again.body.contains("filed. The goalkeeper"),
            "a flash shows once"
        );
        let mine = rita.get("/requests/mine").await;
        assert!(
            mine.body.contains("Deploy of payments is stuck") && mine.body.contains("badge state-new")
        );
        assert_eq!(app.count("events WHERE kind = 'filed'"), 1);
    }
}

backend_test! {
    async fn invalid_input_comes_back_filled_in_with_messages(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.get("/requests/new").await;
        let long_title = "t".repeat(201);
        let page = rita
            .post(
                "/requests",
                &[
                    ("title", &long_title),
                    ("description", "   "),
                    ("category", ""),
                    ("urgency", "whenever"),
                    ("idempotency_key", "k1"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains(&long_title), "the typed title is kept");
        assert!(page.body.contains("at most 200 characters"));
        assert!(page.body.contains("Description cannot be empty."));
        assert!(page.body.contains("Choose a category."));
        assert!(page.body.contains("Choose one of: low, normal, high."));
        assert!(
            page.body.contains("value=\"k1\""),
            "the idempotency key survives the round trip"
        );

        let huge = "d".repeat(20_001);
        let page = rita
            .post(
                "/requests",
                &[
                    ("title", "ok"),
                    ("description", &huge),
                    ("category", "1"),
                    ("urgency", "low"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("at most 20000 characters"));

        let page = rita
            .post(
                "/requests",
                &[
                    ("title", "ok"),
                    ("description", "d"),
                    ("category", "999"),
                    ("urgency", "low"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("Choose one of the listed categories."));
        assert_eq!(app.count("requests"), 0);
    }
}

backend_test! {
    async fn the_same_idempotency_key_files_one_request(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let fields = [("idempotency_key", "same-key-123")];
        let first = rita.file_with(&fields).await;
        let second = rita.file_with(&fields).await;
        assert_eq!(first, second);
        assert_eq!(app.count("requests"), 1);
        assert_eq!(app.count("events"), 1);
        let third = rita.file_with(&[("idempotency_key", "another-key")]).await;
        assert_ne!(third, first);
    }
}

backend_test! {
    async fn a_requester_cannot_see_or_touch_another_requesters_request(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (ray, _) = app.signed_in(Role::Requester, "Ray").await;
        let id = rita.file("Rita secret").await;
        let missing = ray.get("/requests/999999").await;
        let hidden = ray.get(&format!("/requests/{id}")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert_eq!(
            hidden.body, missing.body,
            "another's request looks exactly like a missing one"
        );
        ray.get("/requests/new").await;
        let comment = ray
            .post(
                &format!("/requests/{id}/comment"),
                &[("version", "1"), ("note", "mine now")],
            )
            .await;
        assert_eq!(comment.status, StatusCode::NOT_FOUND);
        let invalid_comment = ray
            .post(
                &format!("/requests/{id}/comment"),
                &[("version", "1"), ("note", "")],
            )
            .await;
        assert_eq!(
            invalid_comment.status,
            StatusCode::NOT_FOUND,
            "not even a validation message leaks"
        );
        assert!(!ray.get("/requests/mine").await.body.contains("Rita secret"));
        assert_eq!(app.count("events"), 1);
        assert_eq!(
            ray.get("/queue").await.status,
            StatusCode::FORBIDDEN,
            "requesters have no queue"
        );
    }
}

backend_test! {
    async fn extra_form_fields_cannot_set_owner_state_or_role(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let (_, eve_id) = app.signed_in(Role::Engineer, "Eve").await;
        let eve = eve_id.to_string();
        let id = rita
            .file_with(&[
                ("state", "resolved"),
                ("owner", &eve),
                ("owner_id", &eve),
                ("requester_id", "1"),
                ("role", "admin"),
            ])
            .await;
        let page = rita.get(&format!("/requests/{id}")).await;
        assert!(page.body.contains("badge state-new"));
        assert_eq!(
            app.count(&format!(
                "requests WHERE owner_id IS NULL AND state = 'new' AND requester_id = {rita_id}"
            )),
            1
        );
        let comment = rita
            .act(
                id,
                "comment",
                &[("note", "hello"), ("state", "resolved"), ("owner", &eve)],
            )
            .await;
        assert_eq!(comment.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count("requests WHERE owner_id IS NULL AND state = 'new'"),
            1
        );
        assert_eq!(app.count("users WHERE role = 'admin'"), 0);
    }
}

backend_test! {
    async fn my_requests_pages_through_fifty_at_a_time(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        for n in 0..51 {
            rita.file(&format!("Request number {n}")).await;
        }
        let first = rita.get("/requests/mine").await;
        assert!(first.body.contains("Request number 50") && !first.body.contains("Request number 0<"));
        assert!(first.body.contains("Page 1 of 2"));
        let second = rita.get("/requests/mine?page=2").await;
        assert!(second.body.contains("Request number 0<"));
        assert_eq!(
            rita.get("/requests/mine?page=abc").await.status,
            StatusCode::OK
        );
    }
}

/// Files through the form; the answer's status.
async fn file_in(rita: &crate::helpers::Browser, category: &str) -> StatusCode {
    rita.get("/requests/new").await;
    rita.post(
        "/requests",
        &[("title", "VPN drops"), ("description", "Every hour"), ("category", category), ("urgency", "normal")],
    )
    .await
    .status
}

backend_test! {
    async fn filing_sees_the_catalog_and_channels_as_any_writer_left_them_a_moment_before(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        assert_eq!(file_in(&rita, "1").await, StatusCode::SEE_OTHER, "the setup is read and kept");
        assert_eq!(app.count("deliveries WHERE medium = 'channel'"), 0);

        // Written past the app (another instance, psql): the next filing still sees it.
        app.execute("UPDATE categories SET archived = TRUE WHERE id = 1");
        assert_eq!(file_in(&rita, "1").await, StatusCode::UNPROCESSABLE_ENTITY, "an archived category takes nothing");
        app.execute("UPDATE categories SET archived = FALSE WHERE id = 1");
        app.execute(
            "INSERT INTO channels (name, kind, url, secret, topics, enabled, created_at) \
             VALUES ('ops', 'slack', 'http://127.0.0.1:9/hook', '', 'new_request', TRUE, '2026-11-24 10:00:00')",
        );
        assert_eq!(file_in(&rita, "1").await, StatusCode::SEE_OTHER);
        assert_eq!(app.count("deliveries WHERE medium = 'channel' AND topic = 'new_request'"), 1, "the new channel hears it");
    }
}

backend_test! {
    async fn a_setup_read_inside_a_change_that_was_rolled_back_is_never_taken_for_a_later_state(app) {
        use diesel::{Connection, RunQueryDsl};
        use goalkeeper::db::memo::HistoryMemo;
        use goalkeeper::domain::CategoryId;
        let memo = HistoryMemo::default();
        let mut conn = app.pool.get().expect("connection");
        let conn = &mut **conn;
        let rolled_back = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            diesel::sql_query("UPDATE categories SET archived = TRUE WHERE id = 1").execute(conn)?;
            let inside = memo.team_setup(conn)?;
            assert!(inside.usable_tier(CategoryId(1), None).is_err(), "the transaction sees its own change");
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
        // Another change commits: were the stamp a count, it would reach the rolled-back value.
        diesel::sql_query("UPDATE categories SET archived = TRUE WHERE id = 2").execute(conn).expect("archive");
        let after = memo.team_setup(conn).expect("setup");
        assert!(after.usable_tier(CategoryId(1), None).is_ok(), "the rolled-back archiving is not seen");
        assert!(after.usable_tier(CategoryId(2), None).is_err(), "the committed one is");
    }
}
