//! Notifications through real parts: an SMTP server (aiosmtpd) receives the requester's e-mail;
//! a webhook receiver checks every Standard Webhooks signature on its own and is down for a
//! while, so deliveries are retried and arrive once, with one message id.

use crate::backend_test;
use crate::helpers::TestApp;
use crate::support::free_port;
use actix_web::http::StatusCode;
use goalkeeper::app::notify::{Round, deliver_due};
use goalkeeper::domain::{Clock, Role};
use goalkeeper::outbound::Outbound;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process killed when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python_module_present(module: &str, require: &str) -> bool {
    let present = Command::new("python3").args(["-c", &format!("import {module}")]).status().is_ok_and(|s| s.success());
    if !present && std::env::var(require).is_ok_and(|v| v == "1") {
        panic!("python3 module {module} is required here ({require}=1) but missing");
    }
    present
}

fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port}");
}

/// A real SMTP server (aiosmtpd) on a free port, writing what it receives into a maildir.
fn smtp_server() -> (Running, tempfile::TempDir, u16) {
    let maildir = tempfile::tempdir().expect("maildir");
    for part in ["tmp", "new", "cur"] {
        std::fs::create_dir(maildir.path().join(part)).expect("maildir folders");
    }
    let port = free_port();
    let server = Running(
        Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start aiosmtpd"),
    );
    wait_for_port(port);
    (server, maildir, port)
}

fn deliver(app: &TestApp, transport: &Outbound, after: chrono::Duration) -> Round {
    let mut conn = app.pool.get().expect("connection");
    deliver_due(&mut conn, transport, app.clock.now() + after, 50).expect("delivery round")
}

backend_test! {
    async fn the_requester_hears_by_email_when_the_goalkeeper_asks(app) {
        if !python_module_present("aiosmtpd", "GOALKEEPER_REQUIRE_SMTP") {
            eprintln!("skipping: python3 -m pip install aiosmtpd");
            return;
        }
        let (_smtp, maildir, port) = smtp_server();
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("VPN drops every hour").await;
        let asked = gina.act(id, "wait", &[("note", "Which VPN client do you use?")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        assert_eq!(media(&app), ["inbox", "email"], "the requester's inbox, and one e-mail");

        let transport = Outbound::new(Some(&format!("smtp://127.0.0.1:{port}")), "Goalkeeper <gk@example.com>", "http://gk.example")
            .expect("transport");
        let round = deliver(&app, &transport, chrono::Duration::zero());
        assert_eq!(round, Round { delivered: 1, retrying: 0, failed: 0 }, "{:?}", last_errors(&app));
        let mail = read_mailbox(&maildir.path().join("new"));
        assert_eq!(mail.len(), 1);
        let mail = &mail[0];
        for expected in [
            "To: rita@example.com",
            &format!("Subject: Question about #{id}: VPN drops every hour"),
            &format!("In-Reply-To: <request-{id}@gk.example>"),
            &format!("Reply-To: gk+r{id}-"),
            "Which VPN client do you use?",
            &format!("http://gk.example/requests/{id}"),
        ] {
            assert!(mail.contains(expected), "{expected:?} missing from:\n{mail}");
        }
        assert_eq!(deliver(&app, &transport, chrono::Duration::minutes(5)), Round::default(), "sent once");
    }
}

fn media(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use goalkeeper::db::schema::deliveries;
    let mut conn = app.pool.get().expect("connection");
    deliveries::table.order(deliveries::id).select(deliveries::medium).load(&mut **conn).expect("deliveries")
}

fn last_errors(app: &TestApp) -> Vec<Option<String>> {
    use diesel::prelude::*;
    use goalkeeper::db::schema::deliveries;
    let mut conn = app.pool.get().expect("connection");
    deliveries::table.select(deliveries::last_error).load(&mut **conn).expect("deliveries")
}

fn read_mailbox(dir: &Path) -> Vec<String> {
    for _ in 0..50 {
        let found: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
        if !found.is_empty() {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Vec::new()
}

/// A webhook receiver in Python's standard library: it verifies each delivery's Standard
/// Webhooks signature with the secret in `secret_file`, answers 500 to the first `fail_first`
/// posts, and logs each post as `<status> <webhook-id> <verified>`.
const RECEIVER: &str = r#"
import base64, hashlib, hmac, http.server, sys, threading
port, secret_file, log_file, fail_first = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
seen, lock = 0, threading.Lock()
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers['content-length'])).decode()
        key = base64.b64decode(open(secret_file).read().strip().removeprefix('whsec_'))
        wid, ts = self.headers['webhook-id'], self.headers['webhook-timestamp']
        expected = base64.b64encode(hmac.new(key, f'{wid}.{ts}.{body}'.encode(), hashlib.sha256).digest()).decode()
        verified = any(sig == 'v1,' + expected for sig in self.headers['webhook-signature'].split())
        with lock:
            seen += 1
            status = 500 if seen <= fail_first else (204 if verified else 401)
            with open(log_file, 'a') as log:
                log.write(f'{status} {wid} {verified}\n')
        self.send_response(status)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), Receiver).serve_forever()
"#;

backend_test! {
    async fn a_signed_webhook_verifies_and_a_receiver_that_was_down_gets_it_once(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let work = tempfile::tempdir().expect("work dir");
        let (secret_file, log_file) = (work.path().join("secret"), work.path().join("log"));
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}/hooks/goalkeeper");
        ada.get("/admin/notifications").await;
        let added = ada
            .post("/admin/notifications/channels", &[("name", "Ops bot"), ("kind", "webhook"), ("url", &url), ("topic", "new_request")])
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body.split("<main").nth(1).unwrap_or(&added.body));
        let secret = added.body.split("<code data-secret>").nth(1).and_then(|rest| rest.split('<').next()).expect("the secret, shown once");
        assert!(secret.starts_with("whsec_"));
        std::fs::write(&secret_file, secret).expect("secret file");
        assert!(!ada.get("/admin/notifications").await.body.contains(secret), "never shown again");
        let bad = ada.post("/admin/notifications/channels", &[("name", "x"), ("kind", "webhook"), ("url", "ftp://x"), ("topic", "new_request")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("channels"), 1);

        let _receiver = Running(
            Command::new("python3")
                .args(["-c", RECEIVER, &port.to_string()])
                .arg(&secret_file)
                .arg(&log_file)
                .arg("2")
                .spawn()
                .expect("start the receiver"),
        );
        wait_for_port(port);
        rita.file("Printer on fire").await;
        assert_eq!(app.count("deliveries"), 1);
        let transport = Outbound::new(None, "Goalkeeper <gk@example.com>", "http://gk.example").expect("transport");
        let rounds: Vec<Round> =
            [0, 1, 3, 60].iter().map(|minutes| deliver(&app, &transport, chrono::Duration::minutes(*minutes))).collect();
        assert_eq!(rounds[0], Round { delivered: 0, retrying: 1, failed: 0 }, "down: try again later");
        assert_eq!(rounds[1], Round { delivered: 0, retrying: 1, failed: 0 });
        assert_eq!(rounds[2], Round { delivered: 1, retrying: 0, failed: 0 }, "back up: delivered");
        assert_eq!(rounds[3], Round::default(), "and never again");
        let log = std::fs::read_to_string(&log_file).expect("receiver log");
        let lines: Vec<Vec<&str>> = log.lines().map(|l| l.split(' ').collect()).collect();
        assert_eq!(lines.iter().map(|l| l[0]).collect::<Vec<_>>(), ["500", "500", "204"]);
        assert!(lines.iter().all(|l| l[1] == lines[0][1] && l[2] == "True"), "one message id, every signature valid: {log}");
        let page = ada.get("/admin/notifications").await;
        assert!(page.body.contains(r#"data-status="delivered""#), "{}", page.body);
    }
}

backend_test! {
    async fn at_night_only_critical_news_wakes_the_goalkeeper_the_rest_waits_for_a_digest(app) {
        if !python_module_present("aiosmtpd", "GOALKEEPER_REQUIRE_SMTP") {
            eprintln!("skipping: python3 -m pip install aiosmtpd");
            return;
        }
        let (_smtp, maildir, port) = smtp_server();
        let (ada, _, _, _, _) = crate::rotation::rotation(&app).await;
        ada.get("/admin/services").await;
        ada.post("/admin/services", &[("name", "Login"), ("tier", "critical"), ("description", "")]).await;
        ada.post("/admin/services", &[("name", "Wiki"), ("tier", "can_wait"), ("description", "")]).await;
        // From Tuesday 10:00 to Wednesday 02:00; office hours are 09:00–17:00 (UTC).
        app.clock.advance(chrono::Duration::hours(16));
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let login = rita.file_with(&[("title", "Login is down"), ("service", "1")]).await;
        assert!(rita.get(&format!("/requests/{login}")).await.body.contains("the goalkeeper on duty has been alerted"));
        let wiki = rita.file_with(&[("title", "Wiki typo"), ("service", "2")]).await;
        assert!(rita.get(&format!("/requests/{wiki}")).await.body.contains("it will be looked at from Wed 25 Nov 09:00"));
        rita.file_with(&[("title", "Wiki search slow"), ("service", "2")]).await;

        let transport = Outbound::new(Some(&format!("smtp://127.0.0.1:{port}")), "Goalkeeper <gk@example.com>", "http://gk.example")
            .expect("transport");
        assert_eq!(deliver(&app, &transport, chrono::Duration::zero()), Round { delivered: 1, retrying: 0, failed: 0 }, "the critical one at once");
        assert_eq!(deliver(&app, &transport, chrono::Duration::minutes(6 * 60 + 59)), Round::default(), "nothing before 09:00");
        assert_eq!(deliver(&app, &transport, chrono::Duration::hours(7)), Round { delivered: 2, retrying: 0, failed: 0 });
        let mut subjects: Vec<String> = read_mailbox(&maildir.path().join("new"))
            .iter()
            .filter_map(|mail| mail.lines().find(|l| l.starts_with("Subject: ")).map(str::to_owned))
            .collect();
        subjects.sort();
        assert_eq!(
            subjects,
            [
                "Subject: 2 updates from Goalkeeper while the office was closed".to_owned(),
                format!("Subject: Critical request #{login}: Login is down"),
            ]
        );
    }
}

backend_test! {
    async fn two_workers_never_send_one_delivery_twice(app) {
        use goalkeeper::db::notify::{NewChannel, NewDelivery, add_channel, enqueue};
        let work = tempfile::tempdir().expect("work dir");
        let (secret_file, log_file) = (work.path().join("secret"), work.path().join("log"));
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        std::fs::write(&secret_file, secret).expect("secret file");
        let port = free_port();
        let _receiver = Running(
            Command::new("python3")
                .args(["-c", RECEIVER, &port.to_string()])
                .arg(&secret_file)
                .arg(&log_file)
                .arg("0")
                .spawn()
                .expect("start the receiver"),
        );
        wait_for_port(port);
        let now = app.clock.now();
        {
            let mut conn = app.pool.get().expect("connection");
            let url = format!("http://127.0.0.1:{port}/");
            let channel = NewChannel { name: "bot", kind: "webhook", url: &url, secret, topics: "new_request" };
            add_channel(&mut conn, &channel, now).expect("channel");
            let many: Vec<NewDelivery> = (0..500)
                .map(|i| NewDelivery {
                    message_id: format!("msg_{i}"),
                    medium: "channel",
                    recipient: None,
                    channel: Some(1),
                    topic: "new_request",
                    request: None,
                    subject: format!("news {i}"),
                    body: String::new(),
                    due: now,
                    digest: false,
                })
                .collect();
            enqueue(&mut conn, &many, now).expect("outbox");
        }
        // Two "instances": separate connections and transports, working at the same time.
        let started = std::time::Instant::now();
        let rounds: Vec<usize> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        let transport = Outbound::new(None, "gk@example.com", "http://gk.example").expect("transport");
                        let mut conn = app.pool.get().expect("connection");
                        let mut sent = 0;
                        loop {
                            let round = deliver_due(&mut conn, &transport, now, 20).expect("round");
                            if round == Round::default() {
                                break sent;
                            }
                            sent += round.delivered;
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).collect()
        });
        eprintln!("500 deliveries by two workers ({rounds:?}) in {:?}", started.elapsed());
        assert_eq!(rounds.iter().sum::<usize>(), 500, "{rounds:?}");
        let log = std::fs::read_to_string(&log_file).expect("receiver log");
        let ids: std::collections::BTreeSet<&str> = log.lines().filter_map(|l| l.split(' ').nth(1)).collect();
        assert_eq!((log.lines().count(), ids.len()), (500, 500), "each delivery arrived exactly once");
        assert!(log.lines().all(|l| l.ends_with("True")));
    }
}

backend_test! {
    async fn a_request_page_knows_who_else_is_looking(app) {
        use goalkeeper::app::{Context, live::request_pulse};
        use goalkeeper::domain::{RequestId, office::TeamSettings};
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let id = RequestId(rita.file("VPN drops").await);
        let sam = app.create_user("sam@example.com", "Sam", Role::Engineer);
        let gina = app.create_user("gina@example.com", "Gina", Role::Engineer);
        let ctx = |who| Context::new(who, Role::Engineer, app.clock.now(), TeamSettings::default());
        let mut conn = app.pool.get().expect("connection");
        assert!(request_pulse(&mut conn, &ctx(sam), id).expect("pulse").viewers.is_empty());
        let gina_sees = request_pulse(&mut conn, &ctx(gina), id).expect("pulse");
        assert_eq!(gina_sees.viewers, ["Sam"]);
        assert_eq!(gina_sees.last_change.map(|(_, kind)| kind), Some("filed"));
        app.clock.advance(chrono::Duration::seconds(30));
        assert!(request_pulse(&mut conn, &ctx(gina), id).expect("pulse").viewers.is_empty(), "Sam left");
        drop(conn);
        assert_eq!(rita.get("/live?queue=1").await.status, StatusCode::FORBIDDEN, "the queue is for engineers");
        assert_eq!(rita.get("/live?request=424242").await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn the_team_channel_hears_who_keeps_goal_when_it_changes(app) {
        use goalkeeper::app::notify::announce_duty;
        let (ada, gina, _, _, sam_id) = crate::rotation::rotation(&app).await;
        ada.get("/admin/notifications").await;
        let added = ada
            .post("/admin/notifications/channels", &[("name", "#ops"), ("kind", "slack"), ("url", "http://127.0.0.1:9/"), ("topic", "handover")])
            .await;
        assert_eq!(added.status, StatusCode::OK);
        let announce = |app: &TestApp| {
            let mut conn = app.pool.get().expect("connection");
            announce_duty(&mut conn, app.clock.now(), "http://gk.example").expect("announce")
        };
        let said = |app: &TestApp| -> Vec<(String, String)> {
            use diesel::prelude::*;
            use goalkeeper::db::schema::deliveries;
            let mut conn = app.pool.get().expect("connection");
            deliveries::table.order(deliveries::id).select((deliveries::subject, deliveries::body)).load(&mut **conn).expect("deliveries")
        };
        assert!(!announce(&app), "the first look only remembers who is on duty");
        // Gina hands her next day to Sam.
        gina.get("/rotation").await;
        let covered = gina.post("/rotation/overrides", &[("engineer", &sam_id.0.to_string()), ("from", "2026-11-24T10:00"), ("to", "2026-11-25T10:00")]).await;
        assert_eq!(covered.status, StatusCode::SEE_OTHER, "{}", covered.body);
        assert!(announce(&app));
        assert!(!announce(&app), "once per change");
        app.clock.advance(chrono::Duration::days(1));
        assert!(announce(&app));
        // The weekly handover, Monday 09:00: already ISO week 49, but Gina's notes are week 48's.
        app.clock.advance(chrono::Duration::days(5) - chrono::Duration::minutes(30));
        assert!(announce(&app));
        assert_eq!(
            said(&app),
            [
                ("Goalkeeper now: Sam until Wed 25 Nov 10:00, next: Gina.".to_owned(), "Handover notes from Gina: http://gk.example/reports/weekly/2026-W48".to_owned()),
                ("Goalkeeper now: Gina until Mon 30 Nov 09:00, next: Sam.".to_owned(), "Handover notes from Sam: http://gk.example/reports/weekly/2026-W48".to_owned()),
                ("Goalkeeper now: Sam until Mon 7 Dec 09:00, next: Gina.".to_owned(), "Handover notes from Gina: http://gk.example/reports/weekly/2026-W48".to_owned()),
            ]
        );
    }
}

backend_test! {
    async fn the_inbox_shows_everything_and_email_only_what_the_person_wants(app) {
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let id = rita.file("VPN drops").await;
        gina.act(id, "take", &[]).await;
        gina.act(id, "wait", &[("note", "Which client?")]).await;
        let page = rita.get("/requests/mine").await;
        assert!(page.body.contains(r#"data-unread="1""#), "the bell counts one");
        let inbox = rita.get("/inbox").await;
        assert!(inbox.body.contains(r#"data-topic="asked" class="unread" data-unread"#), "{}", inbox.body);

        let account = rita.get("/account").await;
        assert!(account.body.contains(r#"name="topic" value="commented" checked"#));
        let keep: Vec<(&str, &str)> = ["asked", "resolved", "rejected", "reopened"].iter().map(|t| ("topic", *t)).collect();
        assert_eq!(rita.post("/account/notifications", &keep).await.status, StatusCode::SEE_OTHER);
        assert!(!rita.get("/account").await.body.contains(r#"value="commented" checked"#));
        gina.act(id, "comment", &[("note", "Also, which OS?")]).await;
        assert_eq!(media(&app), ["inbox", "email", "inbox"], "the comment reached the inbox only");

        assert_eq!(rita.post("/inbox/read", &[]).await.status, StatusCode::SEE_OTHER);
        assert!(rita.get("/inbox").await.body.contains(r#"data-unread="0""#));
    }
}

/// The one call of Matrix's client-server API a bot needs (PUT a room message), answered the
/// way a homeserver does: the access token is checked, and a repeated transaction id is
/// acknowledged without a second message.
const MATRIX: &str = r#"
import http.server, json, sys
port, log_file = int(sys.argv[1]), sys.argv[2]
seen = set()
class Homeserver(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        body = json.loads(self.rfile.read(int(self.headers['content-length'])))
        parts = self.path.split('/')
        ok = self.headers['authorization'] == 'Bearer syt_secret' and parts[-2] == 'm.room.message' and body['msgtype'] == 'm.text'
        if ok and parts[-1] not in seen:
            seen.add(parts[-1])
            with open(log_file, 'a') as log:
                log.write(json.dumps({'room': parts[-4], 'txn': parts[-1], 'body': body['body']}) + '\n')
        self.send_response(200 if ok else 401)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{"event_id": "$1"}' if ok else b'{"errcode": "M_UNKNOWN_TOKEN"}')
    def log_message(self, *args):
        pass
http.server.HTTPServer(('127.0.0.1', port), Homeserver).serve_forever()
"#;

backend_test! {
    async fn a_routed_engineer_is_named_in_the_matrix_room(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let (gina, _) = app.signed_in(Role::Engineer, "Gina").await;
        let sam = app.create_user("sam@example.com", "Sam", Role::Engineer);
        let work = tempfile::tempdir().expect("work dir");
        let log_file = work.path().join("room");
        let port = free_port();
        let _homeserver = Running(
            Command::new("python3").args(["-c", MATRIX, &port.to_string()]).arg(&log_file).spawn().expect("start the homeserver"),
        );
        wait_for_port(port);
        ada.get("/admin/notifications").await;
        let room = format!("http://127.0.0.1:{port}/_matrix/client/v3/rooms/!ops:example.org");
        let no_token = ada.post("/admin/notifications/channels", &[("name", "ops"), ("kind", "matrix"), ("url", &room), ("topic", "routed")]).await;
        assert_eq!(no_token.status, StatusCode::UNPROCESSABLE_ENTITY);
        let added = ada
            .post("/admin/notifications/channels", &[("name", "ops"), ("kind", "matrix"), ("url", &room), ("token", "syt_secret"), ("topic", "routed")])
            .await;
        assert_eq!(added.status, StatusCode::OK);
        let id = rita.file("Disk full").await;
        let routed = gina.act(id, "route", &[("to", &sam.0.to_string())]).await;
        assert_eq!(routed.status, StatusCode::SEE_OTHER);
        let transport = Outbound::new(None, "gk@example.com", "http://gk.example").expect("transport");
        assert_eq!(deliver(&app, &transport, chrono::Duration::zero()).delivered, 1);
        let said = std::fs::read_to_string(&log_file).expect("room log");
        assert!(said.contains(&format!("Gina routed #{id} to Sam")), "{said}");
        assert!(said.contains("!ops:example.org") && said.contains("msg_"), "{said}");
    }
}

/// Accepts what Slack's (and Mattermost's) incoming webhooks and a Teams workflow webhook
/// accept, and nothing else: Slack wants `{"text": …}`, Teams an Adaptive Card attachment.
const CHAT: &str = r#"
import http.server, json, sys
port, log_file = int(sys.argv[1]), sys.argv[2]
class Chat(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['content-length'])))
        if self.path == '/slack':
            ok = isinstance(body.get('text'), str) and body['text'] != ''
            said = body.get('text')
        else:
            card = body['attachments'][0]
            ok = body['type'] == 'message' and card['contentType'] == 'application/vnd.microsoft.card.adaptive' and card['content']['type'] == 'AdaptiveCard'
            said = card['content']['body'][0]['text']
        with open(log_file, 'a') as log:
            log.write(json.dumps({'path': self.path, 'ok': ok, 'said': said}) + '\n')
        self.send_response(200 if ok else 400)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(('127.0.0.1', port), Chat).serve_forever()
"#;

backend_test! {
    async fn slack_and_teams_get_the_payloads_they_accept(app) {
        let (ada, _) = app.signed_in(Role::Admin, "Ada").await;
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        let work = tempfile::tempdir().expect("work dir");
        let log_file = work.path().join("chat");
        let port = free_port();
        let _chat = Running(Command::new("python3").args(["-c", CHAT, &port.to_string()]).arg(&log_file).spawn().expect("start the chat stand-in"));
        wait_for_port(port);
        ada.get("/admin/notifications").await;
        for kind in ["slack", "teams"] {
            let url = format!("http://127.0.0.1:{port}/{kind}");
            let added = ada.post("/admin/notifications/channels", &[("name", kind), ("kind", kind), ("url", &url), ("topic", "new_request")]).await;
            assert_eq!(added.status, StatusCode::OK);
        }
        let id = rita.file("Printer on fire").await;
        let transport = Outbound::new(None, "gk@example.com", "http://gk.example").expect("transport");
        assert_eq!(deliver(&app, &transport, chrono::Duration::zero()), Round { delivered: 2, retrying: 0, failed: 0 });
        let log = std::fs::read_to_string(&log_file).expect("chat log");
        let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        assert_eq!(lines.len(), 2);
        for line in &lines {
            assert_eq!(line["ok"], true, "{line}");
            assert!(line["said"].as_str().is_some_and(|s| s.contains(&format!("Rita filed #{id}"))), "{line}");
        }
    }
}

backend_test! {
    async fn the_goalkeeper_asks_the_team_for_cover_and_a_teammate_takes_it(app) {
        let (ada, gina, gina_id, sam, sam_id) = crate::rotation::rotation(&app).await;
        ada.get("/admin/notifications").await;
        ada.post("/admin/notifications/channels", &[("name", "#ops"), ("kind", "slack"), ("url", "http://127.0.0.1:9/"), ("topic", "cover_wanted")]).await;
        gina.get("/rotation").await;
        let not_hers = gina.post("/rotation/cover-requests", &[("from", "2026-12-01T10:00"), ("to", "2026-12-01T12:00")]).await;
        assert_eq!(not_hers.status, StatusCode::UNPROCESSABLE_ENTITY, "Sam is on duty then");
        let asked = gina.post("/rotation/cover-requests", &[("from", "2026-11-25T10:00"), ("to", "2026-11-25T18:00"), ("note", "dentist")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let posted: Vec<(String, String)> = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::deliveries;
            let mut conn = app.pool.get().expect("connection");
            deliveries::table.select((deliveries::subject, deliveries::body)).load(&mut **conn).expect("deliveries")
        };
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].0, "Gina asks for someone to cover Wed 25 Nov 10:00 – Wed 25 Nov 18:00");
        assert!(posted[0].1.starts_with("dentist\nTake it: http://") && posted[0].1.contains("/rotation#cover-request-1"), "{}", posted[0].1);

        let rota = sam.get("/rotation").await;
        assert!(rota.body.contains(r#"data-cover-request="1""#));
        assert!(!gina.get("/rotation").await.body.contains("/rotation/cover-requests/1/take"), "not one's own");
        sam.get("/rotation").await;
        let taken = sam.post("/rotation/cover-requests/1/take", &[]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        let again = ada.post("/rotation/cover-requests/1/take", &[]).await;
        assert!(again.body.contains(r#"data-code="cover_taken""#), "taken once");
        assert!(gina.get("/inbox").await.body.contains("Sam covers for you Wed 25 Nov 10:00 – Wed 25 Nov 18:00"));
        assert_eq!(app.count(&format!("rotation_overrides WHERE engineer_id = {} AND replaces_id = {}", sam_id.0, gina_id.0)), 1);
    }
}

backend_test! {
    async fn out_of_hours_the_on_call_engineer_is_alerted_instead(app) {
        let (ada, _, gina_id, _, sam_id) = crate::rotation::rotation(&app).await;
        ada.get("/admin/services").await;
        ada.post("/admin/services", &[("name", "Login"), ("tier", "critical"), ("description", "")]).await;
        ada.get("/rotation/settings").await;
        let sam = sam_id.0.to_string();
        let mut team = vec![
            ("timezone", "UTC"),
            ("office_start", "09:00"),
            ("office_end", "17:00"),
            ("holidays", ""),
            ("critical_minutes", "60"),
            ("important_minutes", "240"),
            ("can_wait_minutes", "960"),
            ("on_call", "424242"),
        ];
        team.extend(["day_mon", "day_tue", "day_wed", "day_thu", "day_fri"].map(|day| (day, "on")));
        let refused = ada.post("/rotation/settings/team", &team).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "not an engineer");
        team.retain(|(k, _)| *k != "on_call");
        team.push(("on_call", &sam));
        assert_eq!(ada.post("/rotation/settings/team", &team).await.status, StatusCode::SEE_OTHER);

        app.clock.advance(chrono::Duration::hours(16));
        let (rita, _) = app.signed_in(Role::Requester, "Rita").await;
        rita.file_with(&[("title", "Login is down"), ("service", "1")]).await;
        let emails: Vec<(Option<i64>, String)> = {
            use diesel::prelude::*;
            use goalkeeper::db::schema::deliveries;
            let mut conn = app.pool.get().expect("connection");
            deliveries::table.filter(deliveries::medium.eq("email")).select((deliveries::recipient_id, deliveries::topic)).load(&mut **conn).expect("deliveries")
        };
        assert_eq!(emails, [(Some(sam_id.0), "new_critical".to_owned())], "Sam on call, not Gina ({gina_id}) on duty");
    }
}
