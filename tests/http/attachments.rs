//! Rich requests: Markdown rendered safely everywhere it is shown, and attachments with the
//! request's own access rules, limits, sniffed types and deletion as an event.

use crate::backend_test;
use crate::helpers::{Browser, Response};
use actix_web::http::StatusCode;
use actix_web::test;
use goalkeeper::domain::Role;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

const BOUNDARY: &str = "----goalkeeper-test-boundary";

/// A `multipart/form-data` body: the text fields, then the files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body: Vec<u8> = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    for (name, value) in fields {
        part(format!("Content-Disposition: form-data; name=\"{name}\""), value.as_bytes());
    }
    for (name, content) in files {
        // The upload claims every file is a harmless PNG: the server must not believe it.
        part(
            format!("Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png"),
            content,
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts files from the request page's form, with its CSRF token unless `csrf` is false.
async fn upload(browser: &Browser, id: i64, files: &[(&str, &[u8])], internal: bool, csrf: bool) -> Response {
    browser.get(&format!("/requests/{id}")).await;
    let token = browser.csrf();
    let mut fields = Vec::new();
    if csrf {
        fields.push(("csrf_token", token.as_str()));
    }
    if internal {
        fields.push(("internal", "1"));
    }
    let req = test::TestRequest::post()
        .uri(&format!("/requests/{id}/attachments"))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(multipart(&fields, files));
    browser.send(req).await
}

/// Posts files through the API with a bearer token.
async fn api_upload(app: &crate::helpers::TestApp, token: &str, id: i64, files: &[(&str, &[u8])]) -> Response {
    let req = test::TestRequest::post()
        .uri(&format!("/api/v1/requests/{id}/attachments"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(multipart(&[], files));
    app.browser().send(req).await
}

backend_test! {
    async fn markdown_renders_and_no_payload_becomes_markup(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let description = "See [the dashboard](https://grafana.example.com/d/1).\n\n```\n$ kubectl get pods\nCrashLoopBackOff\n```\n\n<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))";
        let id = rita.file_with(&[("title", "Pods crash"), ("description", description)]).await;
        let page = gina.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains(r#"<a href="https://grafana.example.com/d/1" rel="noopener nofollow ugc">the dashboard</a>"#), "{page}");
        assert!(page.contains("<pre><code>$ kubectl get pods\nCrashLoopBackOff\n</code></pre>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "raw HTML is shown as text");
        // The payloads may appear as text (a snippet, say), never as markup.
        assert!(!page.contains("<script>alert") && !page.contains("<img src=x") && !page.contains(r#"href="javascript:"#));
        // Comments render too; the stored text stays the source.
        gina.act(id, "take", &[]).await;
        gina.act(id, "comment", &[("note", "Try **this**: `kubectl rollout undo`")]).await;
        let page = rita.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains("<strong>this</strong>") && page.contains("<code>kubectl rollout undo</code>"));
        assert_eq!(app.count("events WHERE note = 'Try **this**: `kubectl rollout undo`'"), 1);
        // The preview renders the same way, and stores nothing.
        rita.get("/requests/new").await;
        let before = app.count("requests");
        let preview = rita.post("/preview", &[("title", "x"), ("description", "**bold** <b>no</b>")]).await;
        assert!(preview.body.contains("<strong>bold</strong>") && preview.body.contains("&lt;b&gt;no&lt;/b&gt;"));
        assert_eq!(app.count("requests"), before);
    }
}

backend_test! {
    async fn files_attach_download_and_go_with_the_requests_access_rules(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (ron, _) = app.signed_in(Role::Requester, "Ron").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("Screen flickers").await;
        let sent = upload(&rita, id, &[("shot.png", PNG), ("../../notes.txt", b"<script>alert(1)</script>")], false, true).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert_eq!(app.count(&format!("attachments WHERE request_id = {id}")), 2);
        assert_eq!(app.count("attachments WHERE file_name = 'notes.txt' AND content_type = 'text/plain; charset=utf-8'"), 1, "sniffed, not believed; the path is dropped");
        assert_eq!(app.count(&format!("events WHERE request_id = {id} AND kind = 'attached'")), 2);
        let page = gina.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains(r#"class="thumb" src="/attachments/1""#), "the image shows as a thumbnail: {page}");

        let image = rita.get("/attachments/1").await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.header("content-type"), "image/png");
        assert!(image.header("content-disposition").starts_with("inline"));
        assert_eq!(image.header("x-content-type-options"), "nosniff");
        assert!(image.header("content-security-policy").contains("sandbox"));
        let text = gina.get("/attachments/2").await;
        assert!(text.header("content-disposition").starts_with("attachment; filename*=UTF-8''notes.txt"), "{}", text.header("content-disposition"));
        assert_eq!(text.body, "<script>alert(1)</script>");

        // Another requester can neither download nor attach (no IDOR), and an unknown id is the same 404.
        assert_eq!(ron.get("/attachments/1").await.status, StatusCode::NOT_FOUND);
        assert_eq!(ron.get("/attachments/999").await.status, StatusCode::NOT_FOUND);
        assert_eq!(upload(&ron, id, &[("x.txt", b"x")], false, true).await.status, StatusCode::NOT_FOUND);
        assert_eq!(ron.post("/attachments/1/delete", &[]).await.status, StatusCode::NOT_FOUND);
        // Without the form's CSRF token nothing is stored.
        assert_eq!(upload(&rita, id, &[("x.txt", b"x")], false, false).await.status, StatusCode::FORBIDDEN);

        // Internal files are for engineers only, and a requester cannot make one.
        assert_eq!(upload(&gina, id, &[("trace.log", b"internal trace")], true, true).await.status, StatusCode::SEE_OTHER);
        let internal = app.count("attachments WHERE internal = TRUE AND file_name = 'trace.log'");
        assert_eq!(internal, 1);
        assert_eq!(rita.get("/attachments/3").await.status, StatusCode::NOT_FOUND);
        assert!(!rita.get(&format!("/requests/{id}")).await.body.contains("trace.log"), "not even its name");
        assert_eq!(upload(&rita, id, &[("mine.txt", b"x")], true, true).await.status, StatusCode::FORBIDDEN);

        // Removing is an event; the bytes are gone.
        rita.get(&format!("/requests/{id}")).await;
        assert_eq!(rita.post("/attachments/2/delete", &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(gina.get("/attachments/2").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count("attachments WHERE id = 2 AND deleted_at IS NOT NULL"), 1);
        assert_eq!(app.count(&format!("events WHERE request_id = {id} AND kind = 'detached' AND note = 'notes.txt'")), 1);
    }
}

backend_test! {
    async fn a_file_over_the_limit_gets_413_and_nothing_is_stored(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Core dump").await;
        let big = vec![b'a'; 11 * 1024 * 1024];
        let events = app.count("events");
        let refused = upload(&rita, id, &[("small.txt", b"fine"), ("core.txt", &big)], false, true).await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(refused.body.contains("larger than Goalkeeper accepts"), "{}", refused.body);
        assert_eq!(app.count("attachments"), 0, "not even the small one");
        assert_eq!(app.count("events"), events);
        // Ten-MiB files fill a request up to its 50 MiB, and not past it.
        let nine = vec![b'b'; 9 * 1024 * 1024];
        let five: Vec<(&str, &[u8])> = (0..5).map(|_| ("part.txt", nine.as_slice())).collect();
        assert_eq!(upload(&rita, id, &five, false, true).await.status, StatusCode::SEE_OTHER);
        assert_eq!(upload(&rita, id, &[("more.txt", &nine)], false, true).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(app.count("attachments"), 5);
    }
}

backend_test! {
    async fn a_mention_links_the_engineer_and_tells_them_once(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let (_sam, sam_id) = app.signed_in(Role::Engineer, "Sam").await;
        let id = rita.file("Certificate expired").await;
        gina.act(id, "take", &[]).await;
        gina.act(id, "note", &[("note", "@sam you renewed it last time? (not `@sam` in code, not sam@example.com)")]).await;
        let mentioned = format!("deliveries WHERE recipient_id = {} AND topic = 'mentioned'", sam_id.0);
        assert_eq!(app.count(&format!("{mentioned} AND medium = 'inbox'")), 1, "one notice for one note");
        let page = gina.get(&format!("/requests/{id}")).await.body;
        assert!(page.contains(r#"<a class="mention" href="mailto:sam@example.com" title="Sam""#), "{page}");
        assert!(page.contains("data-mentionable=") && page.contains("&quot;handle&quot;:&quot;sam&quot;") || page.contains("&#34;handle&#34;:&#34;sam&#34;"), "the autocomplete knows the engineers");
        // A comment mentions too; the writer is never told about their own mention.
        gina.act(id, "comment", &[("note", "Thanks @gina and @sam.")]).await;
        assert_eq!(app.count(&format!("{mentioned} AND medium = 'inbox'")), 2);
        assert_eq!(app.count("deliveries WHERE topic = 'mentioned'") , app.count(&mentioned), "nobody else");
        // Who can be named is the team as it is now: an engineer added since is told, one
        // disabled since is not, and a requester's handle names nobody.
        let tom = app.create_user("tom@example.com", "Tom", Role::Engineer);
        app.execute(&format!("UPDATE users SET disabled = true WHERE id = {}", sam_id.0));
        gina.act(id, "note", &[("note", "@tom @sam @rita any idea?")]).await;
        assert_eq!(app.count(&format!("deliveries WHERE recipient_id = {} AND topic = 'mentioned' AND medium = 'inbox'", tom.0)), 1);
        assert_eq!(app.count(&format!("{mentioned} AND medium = 'inbox'")), 2, "a disabled engineer is not told");
        assert_eq!(app.count("deliveries WHERE topic = 'mentioned' AND medium = 'inbox'"), 3, "the requester is not told");
    }
}

backend_test! {
    async fn the_api_uploads_lists_downloads_and_removes_files(app) {
        let (rita, rita_id) = app.signed_in(Role::Requester, "Rita").await;
        let ron_id = app.create_user("ron@example.com", "Ron", Role::Requester);
        let id = rita.file("Disk full").await;
        let token = app.token(rita_id, Role::Requester, "write");
        let stranger = app.token(ron_id, Role::Requester, "write");
        let sent = api_upload(&app, &token, id, &[("df.txt", b"/dev/sda1 100%")]).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let files: serde_json::Value = serde_json::from_str(&sent.body).expect("JSON");
        assert_eq!(files[0]["file_name"], "df.txt");
        assert_eq!(files[0]["content_type"], "text/plain; charset=utf-8");
        let url = files[0]["url"].as_str().expect("url").to_owned();
        let read = app.api("GET", &format!("/api/v1/requests/{id}"), &token, None, &[]).await;
        let read: serde_json::Value = serde_json::from_str(&read.body).expect("JSON");
        assert_eq!(read["attachments"][0]["url"], url.as_str());
        let download = app.api("GET", &url, &token, None, &[]).await;
        assert_eq!(download.body, "/dev/sda1 100%");
        assert_eq!(app.api("GET", &url, &stranger, None, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(api_upload(&app, &stranger, id, &[("x.txt", b"x")]).await.status, StatusCode::NOT_FOUND);

        let big = vec![b'a'; 11 * 1024 * 1024];
        let refused = api_upload(&app, &token, id, &[("big.txt", &big)]).await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        let error: serde_json::Value = serde_json::from_str(&refused.body).expect("JSON");
        assert_eq!(error["error"]["code"], "too_large");
        assert_eq!(app.count("attachments"), 1);

        assert_eq!(app.api("DELETE", &url, &stranger, None, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.api("DELETE", &url, &token, None, &[]).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.api("GET", &url, &token, None, &[]).await.status, StatusCode::NOT_FOUND);
        let document = app.api("GET", "/api/v1/openapi.json", &token, None, &[]).await.body;
        let document: serde_json::Value = serde_json::from_str(&document).expect("JSON");
        assert!(document["paths"]["/api/v1/requests/{id}/attachments"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
    }
}

backend_test! {
    async fn one_upload_larger_than_a_request_may_carry_is_refused_whole(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = rita.file("Many dumps").await;
        // Six files of 9 MiB: each under the file limit, together over the request's 50 MiB.
        let nine = vec![b'c'; 9 * 1024 * 1024];
        let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("dump.txt", nine.as_slice())).collect();
        assert_eq!(upload(&rita, id, &six, false, true).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(app.count("attachments"), 0);
    }
}
