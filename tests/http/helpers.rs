//! A fresh application per test, and browsers with their own cookie jars.

use crate::support::PgDatabase;
use actix_web::body::{BoxBody, to_bytes};
use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{TimeZone, Utc};
use futures_util::future::LocalBoxFuture;
use goalkeeper::auth::hash_password;
use goalkeeper::db::{self, DatabaseUrl, Pool, users};
use goalkeeper::domain::{FixedClock, Password, Role, UserId};
use goalkeeper::web::{self, AppState, WebConfig};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// A request through the whole app; an error a middleware raises becomes the response the
/// server would send for it.
type Call = Rc<dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, actix_web::HttpResponse<BoxBody>>>;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    call: Call,
    pub pool: Pool,
    pub clock: Arc<FixedClock>,
    // Dropped last, after every connection is gone.
    _database: TestDatabase,
}

/// Runs a test once on SQLite and once on PostgreSQL (when `GOALKEEPER_TEST_POSTGRES_URL` is
/// set; `.ci/run` sets it), each time with a database of its own.
#[macro_export]
macro_rules! backend_test {
    (async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::helpers::TestApp::sqlite().await).await
            }

            #[actix_web::test]
            async fn postgres() {
                match $crate::helpers::TestApp::postgres().await {
                    Some(app) => run(app).await,
                    None => eprintln!("skipped: set GOALKEEPER_TEST_POSTGRES_URL to run this on PostgreSQL"),
                }
            }
        }
    };
}

/// A database that exists only for one test.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] PgDatabase),
}

impl TestDatabase {
    pub fn sqlite() -> (TestDatabase, DatabaseUrl) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("test.db").to_string_lossy().into_owned());
        (TestDatabase::Sqlite(dir), url)
    }

    /// A fresh PostgreSQL database on the server named by `GOALKEEPER_TEST_POSTGRES_URL`.
    pub fn postgres() -> Option<(TestDatabase, DatabaseUrl)> {
        let database = PgDatabase::create()?;
        let url = DatabaseUrl::Postgres(database.url.clone());
        Some((TestDatabase::Postgres(database), url))
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The id at the end of a `/requests/{id}` redirect.
    pub fn request_id(&self) -> i64 {
        self.location()
            .trim_start_matches("/requests/")
            .parse()
            .unwrap_or_else(|_| panic!("expected a redirect to a request, got {} {:?}", self.status, self.location()))
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let (database, url) = TestDatabase::sqlite();
        Self::start(database, url).await
    }

    /// On SQLite, with this configuration (HTTPS, a public address…).
    pub async fn sqlite_with(config: WebConfig) -> TestApp {
        let (database, url) = TestDatabase::sqlite();
        Self::start_with(database, url, config).await
    }

    pub async fn postgres() -> Option<TestApp> {
        let (database, url) = TestDatabase::postgres()?;
        Some(Self::start(database, url).await)
    }

    async fn start(database: TestDatabase, url: DatabaseUrl) -> TestApp {
        Self::start_with(database, url, WebConfig::default()).await
    }

    async fn start_with(database: TestDatabase, url: DatabaseUrl, config: WebConfig) -> TestApp {
        let pool = db::open(&url, 4).expect("open database");
        let key = web::session_key(&mut pool.get().expect("connection")).expect("session key");
        let start = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).single().expect("valid time");
        let clock = Arc::new(FixedClock::new(start));
        let state = AppState::new(pool.clone(), clock.clone(), config);
        let service = Rc::new(test::init_service(web::app(state, key)).await);
        let call: Call = Rc::new(move |req| {
            let service = service.clone();
            Box::pin(async move {
                match test::try_call_service(&*service, req).await {
                    Ok(response) => response.map_into_boxed_body().into_parts().1,
                    Err(e) => e.error_response(),
                }
            })
        });
        TestApp { call, pool, clock, _database: database }
    }

    pub fn browser(&self) -> Browser {
        Browser { call: self.call.clone(), cookies: RefCell::new(HashMap::new()), csrf: RefCell::new(String::new()) }
    }

    /// Creates a person straight in the database.
    pub fn create_user(&self, email: &str, name: &str, role: Role) -> UserId {
        let hash = hash_password(&Password::parse(PASSWORD).expect("password")).expect("hash");
        let mut conn = self.pool.get().expect("connection");
        let new = users::NewUser { email, name, role, password_hash: &hash };
        users::create(&mut conn, &new, Utc::now()).expect("create user").id
    }

    /// A browser signed in as a new person with this role.
    pub async fn signed_in(&self, role: Role, name: &str) -> (Browser, UserId) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let id = self.create_user(&email, name, role);
        let browser = self.browser();
        let response = browser.login(&email, PASSWORD).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "login of {email} failed: {}", response.body);
        (browser, id)
    }

    /// A personal access token for someone, made straight in the database.
    pub fn token(&self, user: UserId, role: Role, scope: &str) -> String {
        let mut conn = self.pool.get().expect("connection");
        let ctx = goalkeeper::app::Context::new(user, role, Utc::now(), Default::default());
        goalkeeper::app::tokens::create(&mut conn, &ctx, "test", scope, None).expect("token").1
    }

    /// An API call with a bearer token (no cookies), a JSON body and extra headers.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = test::TestRequest::default()
            .method(method.parse().expect("method"))
            .uri(path)
            .insert_header(("authorization", format!("Bearer {token}")));
        if let Some(body) = body {
            req = req.insert_header(("content-type", "application/json")).set_payload(body.to_owned());
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        self.browser().send(req).await
    }

    /// The server-side session ids, sorted.
    pub fn session_ids(&self) -> Vec<String> {
        use diesel::prelude::*;
        use goalkeeper::db::schema::sessions;
        let mut conn = self.pool.get().expect("connection");
        sessions::table.select(sessions::id).order(sessions::id).load(&mut **conn).expect("session ids")
    }

    /// Writes straight to the database, as the CLI or another instance would.
    pub fn execute(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        let mut conn = self.pool.get().expect("connection");
        conn.batch_execute(sql).expect("statement");
    }

    pub fn count(&self, sql_table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().expect("connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql_table}"))
            .get_result::<Count>(&mut **conn)
            .expect("count")
            .n
    }
}

pub struct Browser {
    call: Call,
    cookies: RefCell<HashMap<String, String>>,
    /// The CSRF token of the last page that had a form.
    csrf: RefCell<String>,
}

impl Browser {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.borrow_mut().insert(name.into(), value.into());
    }

    pub fn csrf(&self) -> String {
        self.csrf.borrow().clone()
    }

    pub async fn send(&self, req: test::TestRequest) -> Response {
        let cookie_header =
            self.cookies.borrow().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let req = if cookie_header.is_empty() { req } else { req.insert_header(("cookie", cookie_header)) };
        let response = (self.call)(req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = value.is_empty() || text.contains("Max-Age=0");
                if expired {
                    self.cookies.borrow_mut().remove(name);
                } else {
                    self.cookies.borrow_mut().insert(name.into(), value.into());
                }
            }
        }
        let body =
            to_bytes(response.into_body()).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        if let Some(token) = scrape_csrf(&body) {
            *self.csrf.borrow_mut() = token;
        }
        Response { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(test::TestRequest::get().uri(path)).await
    }

    /// Posts exactly this body, without adding a CSRF token.
    pub async fn post_raw(&self, path: &str, body: impl Into<actix_web::web::Bytes>) -> Response {
        let req = test::TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body.into());
        self.send(req).await
    }

    /// Posts a form the way a browser would: with the CSRF token of the last page seen.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).expect("form encoding");
        self.post_raw(path, body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)]).await
    }

    /// Files a request and returns its id.
    pub async fn file(&self, title: &str) -> i64 {
        self.file_with(&[("title", title)]).await
    }

    /// Files a request, overriding the default fields with `fields`. The form says the answers
    /// for its title were seen already (as the filing page's script does), so no check step
    /// comes in between; `("checked", "")` asks for it.
    pub async fn file_with(&self, fields: &[(&str, &str)]) -> i64 {
        self.get("/requests/new").await;
        let mut form: Vec<(&str, &str)> = vec![
            ("title", "Need help"),
            ("description", "Details here."),
            ("category", "1"),
            ("urgency", "normal"),
            ("checked", "1"),
        ];
        for (name, value) in fields {
            form.retain(|(n, _)| n != name);
            form.push((name, value));
        }
        let response = self.post("/requests", &form).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "filing failed: {}", response.body);
        response.request_id()
    }

    /// The current version shown on a request page.
    pub async fn version(&self, id: i64) -> String {
        let page = self.get(&format!("/requests/{id}")).await;
        let marker = "name=\"version\" value=\"";
        let start = page.body.find(marker).map(|i| i + marker.len()).expect("a version field on the page");
        page.body[start..].split('"').next().unwrap_or_default().to_owned()
    }

    /// Performs a triage action on the version currently shown.
    pub async fn act(&self, id: i64, action: &str, fields: &[(&str, &str)]) -> Response {
        let version = self.version(id).await;
        let mut form = vec![("version", version.as_str())];
        form.extend_from_slice(fields);
        self.post(&format!("/requests/{id}/{action}"), &form).await
    }
}

fn scrape_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    body[start..].split('"').next().map(str::to_owned)
}
