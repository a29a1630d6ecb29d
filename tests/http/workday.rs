//! The goalkeeper's day, continued: bulk edits, edits through the API, the consult loop's list,
//! saved views, one's own profile, error pages that keep the navigation, and intake that keeps
//! the tier a request was filed with.

use crate::backend_test;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;

fn picks(ids: &[(i64, &str)]) -> Vec<String> {
    ids.iter().map(|(id, version)| format!("{id}:{version}")).collect()
}

backend_test! {
    async fn bulk_edit_sets_urgency_and_category_with_an_event_each(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let a = rita.file("VPN down").await;
        gina.get("/queue").await;
        let b = rita.file_with(&[("title", "DNS slow"), ("urgency", "high")]).await;
        let picked = picks(&[(a, "1"), (b, "1")]);
        let mut form: Vec<(&str, &str)> = picked.iter().map(|p| ("pick", p.as_str())).collect();
        form.extend([("action", "urgency"), ("urgency", "high")]);
        assert_eq!(gina.post("/queue/bulk", &form).await.status, StatusCode::SEE_OTHER);
        let flash = gina.get("/queue").await.body;
        assert!(flash.contains("1 done") && flash.contains(&format!("#{b} (It already has this value)")), "{flash}");
        assert_eq!(app.count("requests WHERE urgency = 'high'"), 2);
        assert_eq!(app.count(&format!("events WHERE kind = 'edited' AND request_id = {a}")), 1);
        assert_eq!(app.count(&format!("events WHERE kind = 'edited' AND request_id = {b}")), 0);

        // A category that does not exist changes nothing at all.
        let before = app.count("events");
        let picked = picks(&[(a, "2"), (b, "1")]);
        let mut form: Vec<(&str, &str)> = picked.iter().map(|p| ("pick", p.as_str())).collect();
        form.extend([("action", "category"), ("category", "999")]);
        assert_eq!(gina.post("/queue/bulk", &form).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.count("events"), before);
        form.retain(|(k, _)| *k != "category");
        form.push(("category", "3"));
        assert_eq!(gina.post("/queue/bulk", &form).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("requests WHERE category_id = 3"), 2);
        assert_eq!(app.count("events WHERE kind = 'edited'"), 3);
    }
}

backend_test! {
    async fn the_api_edits_a_request_on_the_version_it_names(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let gina_id = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let id = rita.file("Printr broke").await;
        let engineer = app.token(gina_id, Role::Engineer, "write");
        let requester = app.token(rita_id, Role::Requester, "write");
        let path = format!("/api/v1/requests/{id}");

        let edited = app.api("PATCH", &path, &engineer, Some(r#"{"title":"Printer broke","urgency":"high"}"#), &[("if-match", "\"1\"")]).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(edited.header("etag"), "\"2\"");
        let body: serde_json::Value = serde_json::from_str(&edited.body).expect("JSON");
        assert_eq!(body["title"], "Printer broke");
        assert_eq!(body["urgency"], "high");
        assert_eq!(app.count(&format!("requests WHERE id = {id} AND description = 'Details here.' AND category_id = 1")), 1, "fields left out keep their value");

        let stale = app.api("PATCH", &path, &engineer, Some(r#"{"title":"Printer on fire"}"#), &[("if-match", "\"1\"")]).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let bad = app.api("PATCH", &path, &engineer, Some(r#"{"urgency":"yesterday"}"#), &[("if-match", "\"2\"")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error: serde_json::Value = serde_json::from_str(&bad.body).expect("JSON");
        assert_eq!(error["error"]["field"], "urgency", "{error}");
        let unknown = app.api("PATCH", &path, &engineer, Some(r#"{"owner":3}"#), &[("if-match", "\"2\"")]).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        let refused = app.api("PATCH", &path, &requester, Some(r#"{"title":"Mine"}"#), &[("if-match", "\"2\"")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count(&format!("events WHERE request_id = {id} AND kind = 'edited'")), 1);
        let document = app.api("GET", "/api/v1/openapi.json", &engineer, None, &[]).await.body;
        let document: serde_json::Value = serde_json::from_str(&document).expect("JSON");
        assert!(document["paths"]["/api/v1/requests/{id}"]["patch"].is_object(), "in the OpenAPI document");
    }
}

backend_test! {
    async fn the_consulted_engineer_sees_the_question_and_answers_in_place(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (sam, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("Kafka lag").await;
        gina.act(id, "take", &[]).await;
        let sam_value = sam_id.0.to_string();
        gina.act(id, "consult", &[("with", sam_value.as_str()), ("note", "Is this the broker upgrade?")]).await;
        let list = sam.get("/queue?consulted=me").await.body;
        assert!(list.contains(&format!(r#"data-question="{id}""#)), "{list}");
        assert!(list.contains("Is this the broker upgrade?") && list.contains("Gina asks:"));
        let answered = sam.act(id, "note", &[("note", "Yes, roll back to 3.6.")]).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
        assert!(!sam.get("/queue?consulted=me").await.body.contains(&format!(r#"data-question="{id}""#)));
        assert!(gina.get(&format!("/requests/{id}")).await.body.contains("roll back to 3.6"), "the asker sees the answer");
        assert!(!rita.get(&format!("/requests/{id}")).await.body.contains("roll back to 3.6"), "internal");
    }
}

backend_test! {
    async fn an_engineer_saves_and_deletes_personal_queue_views(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (sam, _) = app.signed_in(Role::Engineer, "Sam").await;
        let filtered = gina.get("/queue?state=new&owner=none").await.body;
        assert!(filtered.contains(r#"action="/queue/views""#));
        let query = "state=new&owner=none";
        let saved = gina.post("/queue/views", &[("name", "Untouched"), ("query", query)]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(saved.location(), "/queue?state=new&owner=none&page=1");
        assert_eq!(app.count("saved_views WHERE name = 'Untouched' AND query = 'state=new&owner=none'"), 1);
        let queue = gina.get("/queue").await.body;
        assert!(queue.contains(r#"href="/queue?state=new&#38;owner=none""#), "{queue}");
        assert!(!sam.get("/queue").await.body.contains("Untouched"), "views are personal");

        let again = gina.post("/queue/views", &[("name", "Untouched"), ("query", "state=waiting")]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("view-name-error") && again.body.contains(r#"value="Untouched""#));
        let empty = gina.post("/queue/views", &[("name", "Everything"), ("query", "")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("saved_views"), 1);

        let view_id: i64 = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::saved_views;
            let mut conn = app.pool.get().expect("connection");
            saved_views::table.select(saved_views::id).first(&mut **conn).expect("view id")
        };
        assert_eq!(sam.post(&format!("/queue/views/{view_id}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(gina.post(&format!("/queue/views/{view_id}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("saved_views"), 0);
    }
}

backend_test! {
    async fn people_change_their_name_email_and_time_zone(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Laptop").await;
        // Filed at 10:00 UTC: in Tokyo it is 19:00.
        let profile = |email: &'static str, zone: &'static str, password: &'static str| {
            vec![("name", "Rita R."), ("email", email), ("time_zone", zone), ("password", password)]
        };
        let unknown = rita.post("/account/profile", &profile("rita@example.com", "Mars/Olympus", "")).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains(r#"id="time_zone-error""#) && unknown.body.contains(r#"value="Rita R.""#));
        let saved = rita.post("/account/profile", &profile("rita@example.com", "Asia/Tokyo", "")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(app.count(&format!("users WHERE id = {} AND name = 'Rita R.' AND time_zone = 'Asia/Tokyo'", rita_id.0)), 1);
        let page = rita.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains("19:00"), "times read in the person's zone: {page}");

        // A new e-mail needs the current password; one someone else has is refused.
        app.create_user("sam@example.com", "Sam", Role::Engineer);
        let no_password = rita.post("/account/profile", &profile("rita.r@example.com", "Asia/Tokyo", "")).await;
        assert!(no_password.body.contains(r#"id="password-error""#));
        let taken = rita.post("/account/profile", &profile("sam@example.com", "Asia/Tokyo", crate::helpers::PASSWORD)).await;
        assert!(taken.body.contains(r#"id="email-error""#));
        assert_eq!(app.count("users WHERE email = 'rita@example.com'"), 1, "nothing changed");
        let moved = rita.post("/account/profile", &profile("rita.r@example.com", "", crate::helpers::PASSWORD)).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count(&format!("users WHERE id = {} AND email = 'rita.r@example.com' AND time_zone IS NULL", rita_id.0)), 1);
        assert_eq!(app.browser().login("rita.r@example.com", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
    }
}

backend_test! {
    async fn error_pages_keep_the_navigation_of_the_person_signed_in(app) {
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let missing = gina.get("/requests/99999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains(r#"data-code="not_found""#));
        assert!(missing.body.contains(r#"href="/queue""#) && missing.body.contains(r#"action="/logout""#), "{}", missing.body);
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let refused = rita.get("/queue").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains(r#"action="/logout""#), "{}", refused.body);
        let anonymous = app.browser().get("/no/such/page").await;
        assert!(!anonymous.body.contains(r#"action="/logout""#));
    }
}

backend_test! {
    async fn intake_by_tier_keeps_the_tier_a_request_was_filed_with(app) {
        let (admin, _) = app.signed_in(Role::Admin, "Ada").await;
        admin.get("/admin/services").await;
        for (name, tier) in [("Payments", "critical"), ("Wiki", "can_wait")] {
            let added = admin.post("/admin/services", &[("name", name), ("tier", tier), ("description", "")]).await;
            assert_eq!(added.status, StatusCode::SEE_OTHER);
        }
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, gina_id) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file_with(&[("title", "Checkout fails"), ("service", "1")]).await;
        // Moved to the wiki's service, and the payments service later downgraded.
        let version = gina.version(id).await;
        let edited = gina
            .post(&format!("/requests/{id}/edit"), &[("version", version.as_str()), ("title", "Checkout fails"), ("description", "Details here."), ("category", "1"), ("service", "2"), ("urgency", "normal")])
            .await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
        let changed = admin.post("/admin/services/1", &[("name", "Payments"), ("tier", "important"), ("description", "")]).await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        let token = app.token(gina_id, Role::Engineer, "read");
        let report = app.api("GET", "/api/v1/reports/weekly/2026-W48", &token, None, &[]).await;
        let report: serde_json::Value = serde_json::from_str(&report.body).expect("JSON");
        let count = |tier: &str| {
            report["intake_by_tier"].as_array().expect("tiers").iter().find(|t| t["name"] == tier).map(|t| t["count"].clone())
        };
        assert_eq!(count("critical"), Some(serde_json::json!(1)), "{report}");
        assert_eq!(count("can_wait"), Some(serde_json::json!(0)));
    }
}
