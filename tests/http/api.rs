//! The JSON API: a chat bot files and follows, a script triages, everything else is refused
//! with JSON that names the field.

use crate::backend_test;
use crate::helpers::Response;
use actix_web::http::StatusCode;
use goalkeeper::domain::Role;
use serde_json::{Value, json};

fn body(response: &Response) -> Value {
    serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.body))
}

fn error_code(response: &Response) -> String {
    body(response)["error"]["code"].as_str().unwrap_or_default().to_owned()
}

backend_test! {
    async fn a_chat_bot_files_and_follows_a_request_with_a_token(app) {
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let bot = app.token(rita, Role::Requester, "write");
        let me = app.api("GET", "/api/v1/me", &bot, None, &[]).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(body(&me)["role"], "requester");

        let new = json!({"title": "VPN drops every hour", "description": "Since Monday.", "category_id": 1, "urgency": "high"}).to_string();
        let filed = app.api("POST", "/api/v1/requests", &bot, Some(&new), &[("idempotency-key", "alert-4711")]).await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
        let id = body(&filed)["id"].as_i64().expect("id");
        assert_eq!(filed.header("location"), format!("/api/v1/requests/{id}"));
        let again = app.api("POST", "/api/v1/requests", &bot, Some(&new), &[("idempotency-key", "alert-4711")]).await;
        assert_eq!(again.status, StatusCode::OK, "a retry finds the first");
        assert_eq!(body(&again)["id"], id);
        assert_eq!(app.count("requests"), 1);

        let read = app.api("GET", &format!("/api/v1/requests/{id}"), &bot, None, &[]).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.header("etag"), "\"1\"");
        let read = body(&read);
        assert_eq!(read["request"]["state"], "new");
        assert_eq!(read["request"]["urgency"], "high");
        assert_eq!(read["history"][0]["kind"], "filed");

        let list = body(&app.api("GET", "/api/v1/requests?state=new,in_progress", &bot, None, &[]).await);
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));

        // Another requester's token sees none of it.
        let bob = app.create_user("bob@example.com", "Bob", Role::Requester);
        let other = app.token(bob, Role::Requester, "read");
        assert_eq!(app.api("GET", &format!("/api/v1/requests/{id}"), &other, None, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(body(&app.api("GET", "/api/v1/requests", &other, None, &[]).await)["items"], json!([]));
    }
}

backend_test! {
    async fn a_script_triages_with_versions_and_never_wins_on_a_stale_one(app) {
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let sam = app.create_user("sam@example.com", "Sam", Role::Engineer);
        let (bot, script) = (app.token(rita, Role::Requester, "write"), app.token(gina, Role::Engineer, "write"));
        let new = json!({"title": "Disk full on db-3", "description": "Alert fired.", "category_id": 1}).to_string();
        let id = body(&app.api("POST", "/api/v1/requests", &bot, Some(&new), &[]).await)["id"].as_i64().expect("id");
        let path = |action: &str| format!("/api/v1/requests/{id}/{action}");

        let no_version = app.api("POST", &path("take"), &script, None, &[]).await;
        assert_eq!(no_version.status, StatusCode::PRECONDITION_REQUIRED);
        assert_eq!(body(&no_version)["error"]["field"], "If-Match");
        let taken = app.api("POST", &path("take"), &script, None, &[("if-match", "\"1\"")]).await;
        assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
        assert_eq!(body(&taken)["owner_id"], gina.0);
        let stale = app.api("POST", &path("take"), &script, None, &[("if-match", "\"1\"")]).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(error_code(&stale), "version_conflict");
        assert_eq!(body(&stale)["current"]["version"], 2);

        let consult = json!({"with": sam.0, "note": "Is db-3 on the old array?"}).to_string();
        assert_eq!(app.api("POST", &path("consult"), &script, Some(&consult), &[("if-match", "2")]).await.status, StatusCode::OK);
        let no_note = app.api("POST", &path("resolve"), &script, Some("{}"), &[("if-match", "3")]).await;
        assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body(&no_note)["error"]["field"], "note");
        let bad_target = app.api("POST", &path("route"), &script, Some(&json!({"to": rita.0}).to_string()), &[("if-match", "3")]).await;
        assert_eq!(body(&bad_target)["error"]["field"], "to");
        let resolved = app.api("POST", &path("resolve"), &script, Some(&json!({"note": "Rotated logs."}).to_string()), &[("if-match", "W/\"3\"")]).await;
        assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
        assert_eq!(body(&resolved)["state"], "resolved");

        // The requester never sees the consult.
        let theirs = body(&app.api("GET", &format!("/api/v1/requests/{id}"), &bot, None, &[]).await);
        let kinds: Vec<&str> = theirs["history"].as_array().expect("history").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds, ["filed", "taken", "resolved"]);
        assert!(!theirs.to_string().contains("old array"));
        // A requester cannot triage.
        let refused = app.api("POST", &path("reject"), &bot, Some(&json!({"note": "x"}).to_string()), &[("if-match", "4")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn bad_calls_get_json_errors_and_change_nothing(app) {
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let token = app.token(rita, Role::Requester, "write");
        let reader = app.token(rita, Role::Requester, "read");
        let post = |body: &'static str| app.api("POST", "/api/v1/requests", &token, Some(body), &[]);

        let none = app.browser().send(actix_web::test::TestRequest::get().uri("/api/v1/me")).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        assert_eq!(none.header("www-authenticate"), "Bearer");
        assert_eq!(error_code(&none), "unauthorized");
        assert_eq!(app.api("GET", "/api/v1/me", "gk_not-a-token", None, &[]).await.status, StatusCode::UNAUTHORIZED);
        // A signed-in browser's cookies are no API credential.
        let (browser, _) = app.signed_in(Role::Engineer, "Gina").await;
        assert_eq!(browser.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

        assert_eq!(error_code(&post("{not json").await), "bad_json");
        let unknown = post(r#"{"title": "x", "description": "y", "category_id": 1, "owner": 5}"#).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        let wrong_type = post(r#"{"title": "x", "description": "y", "category_id": "one"}"#).await;
        assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
        let empty_title = post(r#"{"title": "  ", "description": "y", "category_id": 1}"#).await;
        assert_eq!(empty_title.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body(&empty_title)["error"]["field"], "title");
        let no_category = post(r#"{"title": "x", "description": "y", "category_id": 987654}"#).await;
        assert_eq!(body(&no_category)["error"]["field"], "category_id");
        let huge = format!(r#"{{"title": "x", "description": "{}", "category_id": 1}}"#, "y".repeat(100_000));
        let too_large = app.api("POST", "/api/v1/requests", &token, Some(&huge), &[]).await;
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
        let read_only = app.api("POST", "/api/v1/requests", &reader, Some(r#"{"title": "x", "description": "y", "category_id": 1}"#), &[]).await;
        assert_eq!(read_only.status, StatusCode::FORBIDDEN);
        assert_eq!(error_code(&read_only), "read_only_token");
        assert_eq!(app.api("GET", "/api/v1/requests?limit=0", &token, None, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.api("GET", "/api/v1/requests?state=sleeping", &token, None, &[]).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.api("GET", "/api/v1/requests/abc", &token, None, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&app.api("GET", "/api/v1/nothing-here", &token, None, &[]).await), "not_found");
        assert_eq!(app.count("requests"), 0);

        // Revoked: refused at once.
        {
            let mut conn = app.pool.get().expect("connection");
            let ctx = goalkeeper::app::Context::new(rita, Role::Requester, chrono::Utc::now(), Default::default());
            let mine = goalkeeper::app::tokens::list(&mut conn, &ctx).expect("tokens");
            for t in mine {
                goalkeeper::app::tokens::revoke(&mut conn, &ctx, t.id).expect("revoke");
            }
        }
        assert_eq!(app.api("GET", "/api/v1/me", &token, None, &[]).await.status, StatusCode::UNAUTHORIZED);
    }
}

backend_test! {
    async fn every_route_is_in_the_openapi_document(app) {
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let token = app.token(gina, Role::Engineer, "write");
        let doc = app.browser().get("/api/v1/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = body(&doc);
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
        let paths: Vec<String> = doc["paths"].as_object().expect("paths").keys().cloned().collect();
        let expected = [
            "/api/v1/answers/suggest",
            "/api/v1/answers/{id}/solved",
            "/api/v1/attachments/{id}",
            "/api/v1/categories",
            "/api/v1/engineers",
            "/api/v1/exports/{kind}",
            "/api/v1/insights",
            "/api/v1/me",
            "/api/v1/queue",
            "/api/v1/reports/weekly/{week}",
            "/api/v1/requests",
            "/api/v1/requests/{id}",
            "/api/v1/requests/{id}/attachments",
            "/api/v1/requests/{id}/{action}",
            "/api/v1/rotation",
            "/api/v1/rotation/covers",
            "/api/v1/rotation/swaps",
            "/api/v1/search",
            "/api/v1/services",
        ];
        assert_eq!(paths, expected);
        // And each documented path answers as a route, not as "no such API route".
        for path in &paths {
            let concrete = path.replace("{id}", "1").replace("{action}", "take").replace("{week}", "2026-W48").replace("{kind}", "requests");
            let methods = doc["paths"][path].as_object().expect("methods");
            for method in methods.keys() {
                let answer = app.api(&method.to_uppercase(), &concrete, &token, Some("{}"), &[]).await;
                assert!(!answer.body.contains("no such API route"), "{method} {path} is documented but not served");
            }
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}

backend_test! {
    async fn people_make_and_revoke_their_tokens_on_the_account_page(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let page = rita.get("/account").await;
        assert_eq!(page.status, StatusCode::OK);
        let bad = rita.post("/account/tokens", &[("name", ""), ("scope", "write"), ("expires_in_days", "soon")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"expires_in_days-error\"") && bad.body.contains("value=\"soon\""), "kept and explained");
        let empty_name = rita.post("/account/tokens", &[("name", " "), ("scope", "write"), ("expires_in_days", "")]).await;
        assert!(empty_name.body.contains("id=\"name-error\""));
        assert_eq!(app.count("api_tokens"), 0);

        let made = rita.post("/account/tokens", &[("name", "chat bot"), ("scope", "write"), ("expires_in_days", "30")]).await;
        assert_eq!(made.status, StatusCode::OK);
        let marker = "<code class=\"token\">";
        let start = made.body.find(marker).expect("the token, shown once") + marker.len();
        let token: String = made.body[start..].chars().take_while(|c| *c != '<').collect();
        assert!(token.starts_with("gk_"));
        assert!(!rita.get("/account").await.body.contains(&token), "never shown again");
        assert_eq!(app.api("GET", "/api/v1/me", &token, None, &[]).await.status, StatusCode::OK);
        let listed = rita.get("/account").await.body;
        assert!(listed.contains("chat bot") && listed.contains("data-token="));

        let id = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::api_tokens;
            let mut conn = app.pool.get().expect("connection");
            api_tokens::table.select(api_tokens::id).first::<i64>(&mut **conn).expect("token id")
        };
        let (other, _) = app.signed_in(Role::Requester, "Bob").await;
        other.get("/account").await;
        assert_eq!(other.post(&format!("/account/tokens/{id}/revoke"), &[]).await.status, StatusCode::NOT_FOUND, "not theirs");
        rita.get("/account").await;
        assert_eq!(rita.post(&format!("/account/tokens/{id}/revoke"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.api("GET", "/api/v1/me", &token, None, &[]).await.status, StatusCode::UNAUTHORIZED);
    }
}

backend_test! {
    async fn search_rotation_and_the_report_through_the_api(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let bob = app.create_user("bob@example.com", "Bob", Role::Requester);
        ada.get("/rotation/settings").await;
        ada.post("/rotation/settings/plan", &[(&format!("pos_{}", gina.0), "1"), ("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")]).await;
        let (script, bot, other) = (app.token(gina, Role::Engineer, "write"), app.token(rita, Role::Requester, "write"), app.token(bob, Role::Requester, "read"));
        let file = |title: &str, private: bool| json!({"title": title, "description": "Payroll VPN tunnel.", "category_id": 1, "private": private}).to_string();
        let public = body(&app.api("POST", "/api/v1/requests", &bot, Some(&file("VPN tunnel drops", false)), &[]).await)["id"].as_i64().expect("id");
        let private = body(&app.api("POST", "/api/v1/requests", &bot, Some(&file("VPN payroll secret", true)), &[]).await)["id"].as_i64().expect("id");
        for id in [public, private] {
            app.api("POST", &format!("/api/v1/requests/{id}/resolve"), &script, Some(r#"{"note": "Renewed the VPN key."}"#), &[("if-match", "1")]).await;
        }
        let ids = |response: &Response| -> Vec<i64> {
            body(response)["items"].as_array().expect("items").iter().filter_map(|i| i["request"]["id"].as_i64()).collect()
        };
        let engineer = app.api("GET", "/api/v1/search?q=vpn", &script, None, &[]).await;
        assert_eq!(engineer.status, StatusCode::OK, "{}", engineer.body);
        let mut found = ids(&engineer);
        found.sort();
        assert_eq!(found, [public, private]);
        assert_eq!(ids(&app.api("GET", "/api/v1/search?q=vpn", &other, None, &[]).await), [public], "never another's private request");

        assert_eq!(app.api("GET", "/api/v1/queue", &bot, None, &[]).await.status, StatusCode::FORBIDDEN);
        let open = body(&app.api("POST", "/api/v1/requests", &bot, Some(&file("Printer jam", false)), &[]).await)["id"].as_i64().expect("id");
        let queue = body(&app.api("GET", "/api/v1/queue?owner=nobody", &script, None, &[]).await);
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["id"], open);
        let suggested = body(&app.api("GET", "/api/v1/answers/suggest?q=vpn+tunnel+drops", &other, None, &[]).await);
        let suggested: Vec<i64> = suggested.as_array().expect("suggestions").iter().filter_map(|s| s["id"].as_i64()).collect();
        assert_eq!(suggested, [public], "the public answer, never the private one");
        let rota = body(&app.api("GET", "/api/v1/rotation", &bot, None, &[]).await);
        assert_eq!(rota["now"]["engineer_id"], gina.0);
        assert!(rota["ahead"].as_array().is_some_and(|a| !a.is_empty()));

        let csv = app.api("GET", "/api/v1/exports/requests?from=2026-11-01&to=2026-11-30", &script, None, &[]).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-type").starts_with("text/csv") && csv.body.lines().count() == 4, "{}", csv.body);
        let events = body(&app.api("GET", "/api/v1/exports/events?format=json&from=2026-11-01", &script, None, &[]).await);
        assert_eq!(events[0]["kind"], "filed");
        assert_eq!(app.api("GET", "/api/v1/exports/requests", &bot, None, &[]).await.status, StatusCode::FORBIDDEN);
        let bad = app.api("GET", "/api/v1/exports/requests?from=yesterday", &script, None, &[]).await;
        assert_eq!(body(&bad)["error"]["field"], "from");
        let report = app.api("GET", "/api/v1/reports/weekly/2026-W48", &script, None, &[]).await;
        assert_eq!(report.status, StatusCode::OK);
        assert_eq!(body(&report)["figures"]["intake"], 3);
        assert_eq!(body(&report)["goalkeeper"]["id"], gina.0);
        assert_eq!(app.api("GET", "/api/v1/reports/weekly/2026-W48", &bot, None, &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.api("GET", "/api/v1/reports/weekly/262143-W01", &script, None, &[]).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn insights_deflections_covers_and_swaps_through_the_api(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let sam = app.create_user("sam@example.com", "Sam", Role::Engineer);
        let rita = app.create_user("rita@example.com", "Rita", Role::Requester);
        let bob = app.create_user("bob@example.com", "Bob", Role::Requester);
        ada.get("/rotation/settings").await;
        let plan = [(format!("pos_{}", gina.0), "1"), (format!("pos_{}", sam.0), "2")];
        let mut fields: Vec<(&str, &str)> = plan.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        fields.extend([("weekday", "Mon"), ("time", "09:00"), ("first", "2026-11-23")]);
        ada.post("/rotation/settings/plan", &fields).await;
        let (gina_token, sam_token) = (app.token(gina, Role::Engineer, "write"), app.token(sam, Role::Engineer, "write"));
        let (bot, bob_token, bob_reader) =
            (app.token(rita, Role::Requester, "write"), app.token(bob, Role::Requester, "write"), app.token(bob, Role::Requester, "read"));

        // An answer solves Bob's problem before he files it: a deflection, counted once.
        let new = json!({"title": "VPN drops", "description": "Every hour.", "category_id": 1}).to_string();
        let answer = body(&app.api("POST", "/api/v1/requests", &bot, Some(&new), &[]).await)["id"].as_i64().expect("id");
        app.api("POST", &format!("/api/v1/requests/{answer}/resolve"), &gina_token, Some(r#"{"note": "Renewed the key."}"#), &[("if-match", "1")]).await;
        let solved = format!("/api/v1/answers/{answer}/solved");
        let draft = r#"{"title": "my VPN keeps dropping", "category_id": 1}"#;
        assert_eq!(error_code(&app.api("POST", &solved, &bob_reader, Some(draft), &[]).await), "read_only_token");
        for _ in 0..2 {
            let deflected = app.api("POST", &solved, &bob_token, Some(draft), &[]).await;
            assert_eq!(deflected.status, StatusCode::OK, "{}", deflected.body);
            assert_eq!(body(&deflected)["outcome"], "recorded");
        }
        assert_eq!(app.count("deflections"), 1);
        assert_eq!(app.api("POST", "/api/v1/answers/424242/solved", &bob_token, Some("{}"), &[]).await.status, StatusCode::NOT_FOUND);

        // Insights: the same figures as the page, from the events.
        let insights = app.api("GET", "/api/v1/insights?weeks=4", &gina_token, None, &[]).await;
        assert_eq!(insights.status, StatusCode::OK, "{}", insights.body);
        let insights = body(&insights);
        let weeks = insights["weeks"].as_array().expect("weeks");
        assert_eq!(weeks.len(), 4);
        assert_eq!(weeks[3]["week"], "2026-W48");
        assert_eq!(weeks[3]["figures"]["intake"], 1);
        assert_eq!(weeks[3]["figures"]["deflected"], 1);
        assert_eq!(insights["arrivals_by_hour"].as_array().map(Vec::len), Some(168));
        assert_eq!(error_code(&app.api("GET", "/api/v1/insights", &bot, None, &[]).await), "engineers_only");
        let too_many = app.api("GET", "/api/v1/insights?weeks=99", &gina_token, None, &[]).await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body(&too_many)["error"]["field"], "weeks");

        // Gina, on duty, hands a day to Sam; Sam cannot hand off Gina's time.
        let cover = json!({"engineer_id": sam.0, "from": "2026-11-24T10:00:00Z", "to": "2026-11-25T10:00:00Z", "note": "dentist"}).to_string();
        let covered = app.api("POST", "/api/v1/rotation/covers", &gina_token, Some(&cover), &[]).await;
        assert_eq!(covered.status, StatusCode::CREATED, "{}", covered.body);
        assert_eq!(body(&covered)["replaces_id"], gina.0);
        assert_eq!(body(&app.api("GET", "/api/v1/rotation", &bot, None, &[]).await)["now"]["engineer_id"], sam.0);
        let not_mine = json!({"engineer_id": gina.0, "from": "2026-11-26T10:00:00Z", "to": "2026-11-27T10:00:00Z"}).to_string();
        let refused = app.api("POST", "/api/v1/rotation/covers", &sam_token, Some(&not_mine), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!((error_code(&refused).as_str(), body(&refused)["error"]["field"].as_str()), ("not_on_duty", Some("from")));
        assert_eq!(error_code(&app.api("POST", "/api/v1/rotation/covers", &bot, Some(&cover), &[]).await), "engineers_only");
        assert_eq!(app.count("rotation_overrides"), 1);

        // Gina trades her week 50 for Sam's week 49 (each named by an instant inside it).
        let swap = json!({"mine": "2026-12-07T12:00:00Z", "theirs": "2026-11-30T12:00:00Z"}).to_string();
        let swapped = app.api("POST", "/api/v1/rotation/swaps", &gina_token, Some(&swap), &[]).await;
        assert_eq!(swapped.status, StatusCode::CREATED, "{}", swapped.body);
        assert_eq!(body(&swapped)[1]["engineer_id"], gina.0);
        assert_eq!(app.count("rotation_overrides"), 3);
        let rota = body(&app.api("GET", "/api/v1/rotation", &bot, None, &[]).await);
        let on_duty_at = |instant: &str| {
            rota["ahead"].as_array().expect("ahead").iter().find(|s| {
                s["starts_at"].as_str().is_some_and(|from| from <= instant) && s["ends_at"].as_str().is_some_and(|to| instant < to)
            }).map(|s| s["engineer_id"].clone())
        };
        assert_eq!(on_duty_at("2026-12-01T10:00:00Z"), Some(json!(gina.0)));
        assert_eq!(on_duty_at("2026-12-08T10:00:00Z"), Some(json!(sam.0)));
        let own = app.api("POST", "/api/v1/rotation/swaps", &sam_token, Some(&swap), &[]).await;
        assert_eq!(error_code(&own), "not_yours");
    }
}

backend_test! {
    async fn an_alert_storm_files_every_request_once_and_durably(app) {
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let monitoring = app.token(gina, Role::Engineer, "write");
        let bodies: Vec<String> = (0..40)
            .map(|n| {
                // One bad alert among them: it fails alone, the others are kept.
                let category = if n == 17 { 999 } else { 1 };
                json!({"title": format!("Disk full on db-{n}"), "description": "From monitoring.", "category_id": category}).to_string()
            })
            .collect();
        let calls = bodies.iter().map(|b| app.api("POST", "/api/v1/requests", &monitoring, Some(b), &[]));
        let answers = futures_util::future::join_all(calls).await;
        let mut ids = Vec::new();
        for (n, answer) in answers.iter().enumerate() {
            if n == 17 {
                assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
                assert_eq!(body(answer)["error"]["field"], "category_id");
            } else {
                assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
                ids.push(body(answer)["id"].as_i64().expect("id"));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 39, "every accepted alert has its own request");
        assert_eq!(app.count("requests"), 39);
        assert_eq!(app.count("events"), 39, "one filed event each, none for the refused one");
        for id in [ids[0], ids[38]] {
            let read = app.api("GET", &format!("/api/v1/requests/{id}"), &monitoring, None, &[]).await;
            assert_eq!(read.status, StatusCode::OK);
        }
    }
}

#[actix_web::test]
async fn the_api_limit_per_token_is_a_setting() {
    let config = goalkeeper::web::WebConfig { api_rate_per_minute: 3, ..Default::default() };
    let app = crate::helpers::TestApp::sqlite_with(config).await;
    let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
    let (first, second) = (app.token(gina, Role::Engineer, "read"), app.token(gina, Role::Engineer, "read"));
    for _ in 0..3 {
        assert_eq!(app.api("GET", "/api/v1/me", &first, None, &[]).await.status, StatusCode::OK);
    }
    let refused = app.api("GET", "/api/v1/me", &first, None, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&refused), "rate_limited");
    assert!(refused.header("retry-after").parse::<u64>().is_ok_and(|s| (1..=60).contains(&s)));
    assert_eq!(app.api("GET", "/api/v1/me", &second, None, &[]).await.status, StatusCode::OK, "each token has its own");
}
