//! End to end in real headless Chromium, driven through chromedriver: set up the admin, file a
//! request as a requester, take and resolve it as an engineer, see it resolved as the requester,
//! and see it suggested as an answer while typing the next request's title.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{Server, free_port, wait_for_port};

const PASSWORD: &str = "a long enough password";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port.
    fn start(path: &std::path::Path) -> (Driver, u16) {
        let port = free_port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver(child);
        assert!(wait_for_port(port, Duration::from_secs(20)), "chromedriver did not start");
        (driver, port)
    }
}

/// chromedriver, or `None` to skip where it is not installed — a failure where
/// `GOALKEEPER_REQUIRE_BROWSER=1` (CI).
fn chromedriver_or_skip() -> Option<std::path::PathBuf> {
    let found = chromedriver();
    if found.is_none() {
        if std::env::var("GOALKEEPER_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromedriver is required here (GOALKEEPER_REQUIRE_BROWSER=1) but was not found");
        }
        eprintln!("skipping: chromedriver is not installed (apt-get install chromium chromium-driver)");
    }
    found
}

fn chromedriver() -> Option<std::path::PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    browser_with(port, profile, &[]).await
}

/// A headless Chromium with extra switches (a window size, a dark theme…).
async fn browser_with(port: u16, profile: &std::path::Path, extra: &[&str]) -> Client {
    let mut caps = serde_json::Map::new();
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
    ]
    .iter()
    // A window size among the extras replaces the default one.
    .filter(|a| !(a.starts_with("--window-size") && extra.iter().any(|e| e.starts_with("--window-size"))))
    .chain(extra.iter())
    .map(|a| a.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args, "binary": "/usr/bin/chromium" }));
    ClientBuilder::rustls()
        .expect("TLS setup")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session")
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
}

/// Waits (up to 10 s) for the page to show `needle`: clicks navigate asynchronously.
async fn expect_text(client: &Client, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}; it shows:\n{last}");
}

async fn expect_path(client: &Client, suffix: &str) -> String {
    for _ in 0..100 {
        if let Ok(url) = client.current_url().await
            && url.path().ends_with(suffix)
        {
            return url.path().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached a path ending in {suffix}");
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("GOALKEEPER_SCREENSHOTS") {
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).expect("write screenshot");
    }
}

async fn sign_in(client: &Client, server: &Server, email: &str) {
    sign_in_with(client, server, email, PASSWORD).await
}

async fn sign_in_with(client: &Client, server: &Server, email: &str, password: &str) {
    client.goto(&server.url("/login")).await.expect("login page");
    fill(client, "#email", email).await;
    fill(client, "#password", password).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    for _ in 0..100 {
        match client.current_url().await {
            Ok(url) if url.path() != "/login" => return,
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("signing in as {email} did not leave the sign-in page");
}

async fn sign_out(client: &Client) {
    click(client, "form.signout button").await;
    expect_text(client, "You are signed out.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_take_and_resolve_in_a_real_browser() {
    // Two rustls providers are compiled in (fantoccini's and the app's); name one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("e2e.db"));
    let (_driver, driver_port) = Driver::start(&driver_path);
    let client = browser(driver_port, &dir.path().join("profile")).await;

    // First run: the setup page creates the admin.
    client.goto(&server.url("/")).await.expect("home");
    expect_path(&client, "/setup").await;
    fill(&client, "#name", "Ada Admin").await;
    fill(&client, "#email", "ada@example.com").await;
    fill(&client, "#password", PASSWORD).await;
    fill(&client, "#password_confirm", PASSWORD).await;
    click(&client, "form[action='/setup'] button").await;
    expect_text(&client, "Welcome!").await;

    // The admin adds an engineer and a requester.
    for (name, email, role) in
        [("Gina Goalkeeper", "gina@example.com", "engineer"), ("Rita Requester", "rita@example.com", "requester")]
    {
        fill(&client, "form[action='/admin/users'] #name", name).await;
        fill(&client, "form[action='/admin/users'] #email", email).await;
        client
            .find(Locator::Css("form[action='/admin/users'] #role"))
            .await
            .expect("role")
            .select_by_value(role)
            .await
            .expect("select role");
        fill(&client, "form[action='/admin/users'] #password", PASSWORD).await;
        click(&client, "form[action='/admin/users'] button[type=submit]").await;
        expect_text(&client, &format!("{name} can sign in now")).await;
    }
    screenshot(&client, "admin-users").await;

    // The admin puts Gina in the rotation; she is goalkeeper this week.
    client.goto(&server.url("/rotation/settings")).await.expect("rotation settings");
    fill(&client, "#pos-2", "1").await;
    click(&client, "form[action='/rotation/settings/plan'] button").await;
    expect_text(&client, "Rotation saved").await;
    screenshot(&client, "rotation").await;
    sign_out(&client).await;

    // The requester files a request.
    sign_in(&client, &server, "rita@example.com").await;
    client.goto(&server.url("/requests/new")).await.expect("new request");
    fill(&client, "#title", "Staging database is read-only").await;
    fill(&client, "#description", "Since 10:00 every write fails with 'read-only transaction'.").await;
    client
        .find(Locator::Css("#category"))
        .await
        .expect("category")
        .select_by_value("6")
        .await
        .expect("category choice");
    client
        .find(Locator::Css("#urgency"))
        .await
        .expect("urgency")
        .select_by_value("high")
        .await
        .expect("urgency choice");
    screenshot(&client, "new-request").await;
    click(&client, "form[action='/requests'] button[value=file]").await;
    // Either "The goalkeeper will pick it up" or, out of office hours, when the team will.
    expect_text(&client, " filed. The ").await;
    let request_path = client.current_url().await.expect("url").path().to_owned();
    assert!(request_path.starts_with("/requests/"), "{request_path}");
    sign_out(&client).await;

    // The engineer takes it from the queue and resolves it.
    sign_in(&client, &server, "gina@example.com").await;
    expect_path(&client, "/queue").await;
    expect_text(&client, "Goalkeeper: Gina Goalkeeper (you) until").await;
    screenshot(&client, "queue").await;
    client
        .find(Locator::LinkText("Staging database is read-only"))
        .await
        .expect("queue entry")
        .click()
        .await
        .expect("open");
    click(&client, "form[action$='/take'] button").await;
    expect_text(&client, "You own #").await;
    client
        .find(Locator::Css("details:has(form[action$='/resolve']) summary"))
        .await
        .expect("resolve summary")
        .click()
        .await
        .expect("open resolve");
    fill(&client, "#resolve-note", "The disk was full; freed space and restarted the primary.").await;
    click(&client, "form[action$='/resolve'] button[type=submit]").await;
    expect_text(&client, "resolved.").await;
    screenshot(&client, "resolved-engineer").await;
    sign_out(&client).await;

    // The requester sees the outcome.
    sign_in(&client, &server, "rita@example.com").await;
    client.goto(&server.url(&request_path)).await.expect("request page");
    let outcome = expect_text(&client, "The disk was full; freed space and restarted the primary.").await;
    assert!(outcome.contains("Resolved"), "{outcome}");
    screenshot(&client, "resolved-requester").await;

    // Next time, the answer shows up as the title is typed, and solves it without a request.
    client.goto(&server.url("/requests/new")).await.expect("new request");
    fill(&client, "#title", "staging database read-only again").await;
    expect_text(&client, "Answers that may already solve it").await;
    expect_text(&client, "The disk was full; freed space and restarted the primary.").await;
    screenshot(&client, "suggestions").await;
    click(&client, "#suggestions button[formaction$='/solved']").await;
    expect_text(&client, "Glad that solved it.").await;
    expect_path(&client, &request_path.replace("/requests/", "/answers/")).await;
    client.goto(&server.url("/requests/mine")).await.expect("my requests");
    expect_text(&client, "Solved by the team's answers").await;
    sign_out(&client).await;

    // The queue stays current: a request filed elsewhere (a chat bot, through the API) appears
    // on the goalkeeper's open queue page without a reload.
    sign_in(&client, &server, "gina@example.com").await;
    expect_path(&client, "/queue").await;
    // A mark on this very page: a reload would wipe it.
    client.execute("window.stillThisPage = true; return true;", vec![]).await.expect("mark the page");
    let token = api_token(&dir.path().join("e2e.db"), "rita@example.com");
    let fire = serde_json::json!({ "title": "Printer on fire in room 4", "description": "Smoke.", "category_id": 1 });
    file_through_api(&server, &token, vec![fire]).await;
    expect_text(&client, "Printer on fire in room 4").await;
    let same_page = client.execute("return window.stillThisPage === true;", vec![]).await.expect("read the mark");
    assert_eq!(same_page, serde_json::json!(true), "the queue changed without a reload");
    client.close().await.expect("close browser");
}

/// A write token for `email`, made with the CLI as an admin would.
fn api_token(db: &std::path::Path, email: &str) -> String {
    let made = Command::new(support::BINARY)
        .args(["token", "create", "--email", email, "--name", "chat bot", "--scope", "write"])
        .env("GOALKEEPER_DATABASE_URL", support::database_url(db))
        .output()
        .expect("token create");
    String::from_utf8_lossy(&made.stdout)
        .split_whitespace()
        .find(|word| word.starts_with("gk_"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no token in {:?}", String::from_utf8_lossy(&made.stderr)))
}

/// Files requests through the API, the way a bot does; each must answer 201.
async fn file_through_api(server: &Server, token: &str, requests: Vec<serde_json::Value>) {
    let (url, token) = (server.url("/api/v1/requests"), token.to_owned());
    tokio::task::spawn_blocking(move || {
        let http = reqwest::blocking::Client::new();
        for body in requests {
            let filed = http
                .post(&url)
                .bearer_auth(&token)
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .send()
                .expect("file");
            assert_eq!(filed.status().as_u16(), 201);
        }
    })
    .await
    .expect("filed through the API");
}

/// Keys for the focused element (or the page when nothing is focused).
async fn keys(client: &Client, text: &str) {
    let target = match client.active_element().await {
        Ok(element) => element,
        Err(_) => client.find(Locator::Css("body")).await.expect("body"),
    };
    target.send_keys(text).await.expect("keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_requests_triaged_by_keyboard_alone_one_page_load_each() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("keys.db");
    support::add_user(&db, "gina@example.com", "Gina Goalkeeper", "engineer", PASSWORD);
    support::add_user(&db, "rita@example.com", "Rita Requester", "requester", PASSWORD);
    let token = api_token(&db, "rita@example.com");
    let server = Server::start(&db);
    let ten = (1..=10)
        .map(|n| serde_json::json!({ "title": format!("Interrupt number {n}"), "description": "Please help.", "category_id": 1 }))
        .collect();
    file_through_api(&server, &token, ten).await;
    let (_driver, driver_port) = Driver::start(&driver_path);
    let client = browser(driver_port, &dir.path().join("profile")).await;
    sign_in(&client, &server, "gina@example.com").await;
    expect_path(&client, "/queue").await;
    client.execute("sessionStorage.setItem('gk-loads', '0'); return true;", vec![]).await.expect("reset the counter");

    // j selects the first row; x ticks it for a bulk action (and unticks it); Enter opens it.
    keys(&client, "j").await;
    let ticked = "return document.querySelector('table.queue tbody tr input[name=pick]').checked;";
    keys(&client, "x").await;
    assert_eq!(client.execute(ticked, vec![]).await.expect("ticked").as_bool(), Some(true), "x ticks the row");
    keys(&client, "x").await;
    assert_eq!(client.execute(ticked, vec![]).await.expect("ticked").as_bool(), Some(false));
    keys(&client, "\u{E007}").await;
    expect_text(&client, "Triage").await;
    let mut keystrokes = 2;
    for n in 1..=10 {
        // r opens the resolution with the cursor in it; Ctrl+Enter sends it and opens the next.
        keys(&client, "r").await;
        let note = format!("Fixed it, round {n}.");
        keys(&client, &note).await;
        keys(&client, "\u{E009}\u{E007}").await;
        keystrokes += 2;
        expect_text(&client, " resolved.").await;
    }
    expect_text(&client, "Nothing else waits for triage.").await;
    let loads = client.execute("return Number(sessionStorage.getItem('gk-loads'));", vec![]).await.expect("loads");
    let loads = loads.as_u64().unwrap_or(u64::MAX);
    eprintln!("ten triage decisions by keyboard: {keystrokes} keystrokes besides the notes, {loads} page loads");
    assert!(loads <= 11, "one page load per decision (plus opening the first): {loads}");
    client.goto(&server.url("/queue")).await.expect("queue");
    expect_text(&client, "The queue is empty").await;
    client.close().await.expect("close browser");
}

/// axe-core's script: `GOALKEEPER_AXE` names it; `.ci/run` installs it from npm.
fn axe_script() -> Option<String> {
    let path = std::env::var("GOALKEEPER_AXE").unwrap_or_else(|_| "target/axe/node_modules/axe-core/axe.min.js".into());
    std::fs::read_to_string(path).ok()
}

/// Serious and critical violations axe-core finds on the open page (WCAG 2 A and AA rules).
async fn axe_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("load axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    found.as_array().map(|list| list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// The smallest size, in CSS pixels, a chart's axis label is drawn at on the open page.
async fn smallest_chart_label(client: &Client) -> f64 {
    let size = client
        .execute(
            "let least = 1000;
             document.querySelectorAll('svg.chart text.axis').forEach(t => {
               const m = t.getScreenCTM();
               const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
               least = Math.min(least, px);
             });
             return least;",
            vec![],
        )
        .await
        .expect("measure labels");
    size.as_f64().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_light_and_dark_and_chart_labels_stay_readable() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let required = std::env::var("GOALKEEPER_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (Some(driver_path), Some(axe)) = (chromedriver(), axe_script()) else {
        if required {
            panic!("chromedriver and axe-core are required here (GOALKEEPER_REQUIRE_BROWSER=1); run .ci/run");
        }
        eprintln!("skipping: chromedriver or axe-core is not installed (see .ci/run)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("axe.db");
    let seeded = Command::new(support::BINARY)
        .arg("seed")
        .env("GOALKEEPER_DATABASE_URL", support::database_url(&db))
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let server = Server::start(&db);
    let (_driver, driver_port) = Driver::start(&driver_path);
    let pages = [
        "/queue",
        "/queue?consulted=me",
        "/requests/1",
        "/requests/new",
        "/requests/mine",
        "/insights",
        "/reports/weekly",
        "/rotation",
        "/answers",
        "/search?q=deploy",
        "/account",
        "/inbox",
        "/admin/users",
        "/admin/services",
        "/admin/categories",
        "/admin/notifications",
        "/requests/999999",
    ];
    let mut problems = Vec::new();
    for (theme, extra) in [("light", vec![]), ("dark", vec!["--force-dark-mode"])] {
        let client = browser_with(driver_port, &dir.path().join(format!("profile-{theme}")), &extra).await;
        let dark =
            client.execute("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![]).await.expect("theme");
        assert_eq!(dark.as_bool(), Some(theme == "dark"), "the {theme} theme is in effect");
        client.goto(&server.url("/login")).await.expect("login page");
        for v in axe_violations(&client, &axe).await {
            problems.push(format!("{theme} /login: {v}"));
        }
        sign_in_with(&client, &server, "admin@example.com", "goalkeeper-demo").await;
        for page in pages {
            client.goto(&server.url(page)).await.expect("page");
            for v in axe_violations(&client, &axe).await {
                problems.push(format!("{theme} {page}: {v}"));
            }
        }
        client.close().await.expect("close browser");
    }
    assert!(problems.is_empty(), "axe-core found serious or critical violations:\n{}", problems.join("\n"));

    // Chart labels at a phone's width and a desktop's.
    for width in [360, 1280] {
        let size = format!("--window-size={width},900");
        let client = browser_with(driver_port, &dir.path().join(format!("profile-{width}")), &[size.as_str()]).await;
        sign_in_with(&client, &server, "gina@example.com", "goalkeeper-demo").await;
        client.goto(&server.url("/insights")).await.expect("insights");
        screenshot(&client, &format!("insights-{width}")).await;
        let least = smallest_chart_label(&client).await;
        assert!((11.0..1000.0).contains(&least), "chart labels are {least:.1} px at {width} px wide");
        // What sticks out past the right edge (the deepest such elements), if anything.
        let wide = client
            .execute(
                "const edge = document.documentElement.clientWidth + 1;
                 const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
                 return [...document.querySelectorAll('body *')]
                   .filter(e => e.getBoundingClientRect().right > edge && !clipped(e) && ![...e.children].some(c => c.getBoundingClientRect().right > edge))
                   .slice(0, 5).map(e => e.tagName + '.' + e.className + ' in ' + (e.closest('table, section, div') || e).className + ' ' + e.textContent.slice(0, 20) + ' ' + Math.round(e.getBoundingClientRect().right));",
                vec![],
            )
            .await
            .expect("overflow");
        assert_eq!(wide, serde_json::json!([]), "the insights page fits {width} px without scrolling sideways");
        client.close().await.expect("close browser");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_screenshot_becomes_a_thumbnail_and_no_markdown_payload_runs() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("rich.db");
    support::add_user(&db, "rita@example.com", "Rita Requester", "requester", PASSWORD);
    let token = api_token(&db, "rita@example.com");
    let server = Server::start(&db);
    // Every payload tries to set window.__xss; none may.
    let description = [
        "<script>window.__xss = 1</script>",
        "<img src=x onerror=\"window.__xss = 2\">",
        "[click](javascript:window.__xss=3)",
        "<svg onload=\"window.__xss = 4\"></svg>",
        "![x](x\" onerror=\"window.__xss=5)",
        "<details open ontoggle=\"window.__xss = 6\">",
        "```\n<script>window.__xss = 7</script>\n```",
        "See **the logs** and [the dashboard](https://grafana.example.com/d/1).",
    ]
    .join("\n\n");
    let pods = serde_json::json!({ "title": "Pods crash", "description": description, "category_id": 1 });
    file_through_api(&server, &token, vec![pods]).await;
    let (_driver, driver_port) = Driver::start(&driver_path);
    let client = browser(driver_port, &dir.path().join("profile")).await;
    sign_in(&client, &server, "rita@example.com").await;
    client.goto(&server.url("/requests/1")).await.expect("request page");
    expect_text(&client, "the logs").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ran = client.execute("return window.__xss === undefined ? 0 : window.__xss;", vec![]).await.expect("read");
    assert_eq!(ran.as_i64(), Some(0), "a payload ran");

    // Paste a screenshot (drawn on a canvas) into the comment box: it is uploaded and shown.
    let pasted = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const canvas = document.createElement('canvas');
             canvas.width = 64; canvas.height = 48;
             const g = canvas.getContext('2d'); g.fillStyle = '#2357c6'; g.fillRect(0, 0, 64, 48);
             canvas.toBlob(blob => {
               const data = new DataTransfer();
               data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
               const box = document.querySelector('textarea') || document.body;
               box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
               done(true);
             }, 'image/png');",
            vec![],
        )
        .await
        .expect("paste");
    assert_eq!(pasted.as_bool(), Some(true));
    expect_text(&client, "File attached.").await;
    let mut width = 0;
    for _ in 0..50 {
        let found = client
            .execute(
                "const img = document.querySelector('img.thumb'); return img && img.complete ? img.naturalWidth : 0;",
                vec![],
            )
            .await
            .expect("thumbnail");
        width = found.as_i64().unwrap_or(0);
        if width > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(width, 64, "the thumbnail shows the pasted image");
    let name = client
        .execute("return document.querySelector('[data-attachment] a[download]').textContent;", vec![])
        .await
        .expect("name");
    assert!(name.as_str().is_some_and(|n| n.starts_with("screenshot-") && n.ends_with(".png")), "{name}");
    screenshot(&client, "pasted-screenshot").await;
    client.close().await.expect("close browser");
}
