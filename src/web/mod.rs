//! The web layer: routes, middleware, extractors and page handlers.

pub mod api;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod files;
pub mod layout;
pub mod markdown;
pub mod messages;
pub mod metrics;
pub mod pages;
pub mod session_store;
pub mod view;

use crate::app::{DbConnection, Pool};
use crate::domain::Clock;
use crate::domain::office::TeamSettings;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Logger, Next, from_fn};
use actix_web::{App, web};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use error::AppError;
use std::sync::Arc;
use utoipa_actix_web::AppExt;

/// The largest request body accepted: a 20,000-character description, percent-encoded.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub const SESSION_COOKIE: &str = "goalkeeper_session";
/// The session cookie's name over HTTPS: browsers keep a `__Host-` cookie to this exact host,
/// path `/` and secure connections, so a sibling subdomain cannot plant or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-goalkeeper_session";

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub timezone: Tz,
    /// Served over HTTPS: the session cookie is `Secure` with the `__Host-` prefix, and HSTS
    /// is sent.
    pub secure_cookies: bool,
    /// Where people reach the app (scheme and host, no trailing slash), for links that leave
    /// the browser, like calendar feeds.
    pub public_url: String,
    /// When set, `/metrics` answers only to `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// An SMTP server is configured (notification e-mail goes out).
    pub email_configured: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// How large attachments may be.
    pub attachments: crate::app::attachments::Limits,
    /// API calls per token per minute before 429 (0: no limit).
    pub api_rate_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            timezone: Tz::UTC,
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
            email_configured: false,
            metrics_token: None,
            session_idle: Duration::hours(12),
            session_absolute: Duration::days(7),
            attachments: crate::app::attachments::Limits::default(),
            api_rate_per_minute: api::RATE_PER_MINUTE,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    /// Team settings read from the database, kept for a few seconds (every instance rereads
    /// them soon after an admin saves).
    team_cache: Arc<std::sync::RwLock<Option<(std::time::Instant, TeamSettings)>>>,
    /// Password hashes and checks run on a few threads of their own: argon2id takes 19 MiB and
    /// a core each, so a burst of sign-ins waits its turn, and the memory the allocator keeps
    /// per thread stays with those few threads instead of every blocking thread.
    hasher: Arc<std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>>,
    /// Heavy read pages (insights, reports, exports) running at once, so they never hold every
    /// pooled connection and starve the light pages.
    heavy: Arc<tokio::sync::Semaphore>,
    /// Set when the server is about to stop: responses close their connections, so clients
    /// send nothing more on them that could be cut off.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// What `/metrics` reports.
    pub metrics: Arc<metrics::Metrics>,
    /// API calls per token this minute, shared by every worker.
    pub api_limiter: Arc<api::RateLimiter>,
    /// On SQLite, writes that many clients make at once (filing) share one commit.
    committer: Option<Arc<crate::app::GroupCommit>>,
    /// Report figures reused until the next event is written.
    pub memo: crate::app::HistoryMemo,
}

type HashJob = Box<dyn FnOnce() + Send>;

/// Starts the hashing threads; they end when the last sender is dropped.
fn hashing_threads(count: usize) -> std::sync::mpsc::Sender<HashJob> {
    let (sender, receiver) = std::sync::mpsc::channel::<HashJob>();
    let receiver = Arc::new(std::sync::Mutex::new(receiver));
    for n in 0..count {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new().name(format!("hash-{n}")).spawn(move || {
            loop {
                let job = match receiver.lock() {
                    Ok(queue) => queue.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a hashing thread");
        }
    }
    sender
}

/// How long one piece of database work may take before the person is told the database is
/// unavailable (a frozen server otherwise holds the request as long as it is frozen).
pub const DB_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
/// The same for exports, which read a whole period.
pub const EXPORT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// The machine's cores, for sizing pools and limits.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(usize::from).unwrap_or(2)
}

/// How long team settings are reused before they are read again.
const TEAM_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(5);

impl AppState {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        AppState {
            clock,
            config: Arc::new(config),
            team_cache: Arc::default(),
            hasher: Arc::new(std::sync::Mutex::new(hashing_threads(cores().max(2)))),
            heavy: Arc::new(tokio::sync::Semaphore::new(cores().max(2))),
            draining: Arc::default(),
            metrics: Arc::default(),
            api_limiter: Arc::default(),
            committer: group_committer(&pool),
            memo: Default::default(),
            pool,
        }
    }

    /// The team's settings (time zone, office hours, triage targets).
    pub async fn team(&self) -> Result<TeamSettings, AppError> {
        if let Ok(cache) = self.team_cache.read()
            && let Some((read_at, team)) = cache.as_ref()
            && read_at.elapsed() < TEAM_CACHE_FOR
        {
            return Ok(team.clone());
        }
        let fallback = self.config.timezone;
        let team = self.db(move |conn| Ok(crate::app::rotation::team_settings(conn, fallback)?)).await?;
        if let Ok(mut cache) = self.team_cache.write() {
            *cache = Some((std::time::Instant::now(), team.clone()));
        }
        Ok(team)
    }

    /// Forgets the cached team settings (after an admin saved new ones).
    pub fn forget_team(&self) {
        if let Ok(mut cache) = self.team_cache.write() {
            *cache = None;
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs blocking database work on the thread pool, within [`DB_DEADLINE`].
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.db_within(DB_DEADLINE, work).await
    }

    /// Database work that may take up to `deadline`. Past it the person gets a 503; the work
    /// itself finishes or fails on its own thread.
    pub async fn db_within<T, F>(&self, deadline: std::time::Duration, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let blocking = web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        });
        match actix_web::rt::time::timeout(deadline, blocking).await {
            Ok(outcome) => outcome?,
            Err(_) => Err(AppError::Unavailable("the database did not answer in time".into())),
        }
    }

    /// Runs a password hash or check on the hashing threads: off the async workers, outside
    /// any database work, a few at a time.
    pub async fn hash<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _ = answer.send(work());
        });
        let sent = match self.hasher.lock() {
            Ok(sender) => sender.send(job).is_ok(),
            Err(_) => false,
        };
        if !sent {
            return Err(AppError::Internal(anyhow::anyhow!("the hashing threads are gone")));
        }
        answered.await.map_err(|e| AppError::Internal(anyhow::anyhow!("a hashing thread failed: {e}")))
    }

    /// Runs a write that many clients make at once (filing). On SQLite it joins the writes
    /// waiting at that moment in one transaction, each in its own savepoint, and is answered
    /// after their shared commit; elsewhere it is [`Self::db`].
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let Some(committer) = &self.committer else { return self.db(work).await };
        match actix_web::rt::time::timeout(DB_DEADLINE, committer.submit(work)).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(AppError::Internal(anyhow::anyhow!("the group commit thread is gone"))),
            // The write is dropped unrun if its batch has not started yet.
            Err(_) => Err(AppError::Unavailable("the database did not answer in time".into())),
        }
    }

    /// How many group commits carried how many writes (none off SQLite).
    pub fn commit_counts(&self) -> Option<(u64, u64)> {
        use std::sync::atomic::Ordering::Relaxed;
        self.committer.as_ref().map(|c| (c.counts.commits.load(Relaxed), c.counts.writes.load(Relaxed)))
    }

    /// A turn for a heavy read page; held until dropped.
    pub async fn heavy_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        self.heavy.acquire().await.map_err(|e| AppError::Internal(e.into()))
    }
}

/// The group committer, for a SQLite pool (PostgreSQL merges concurrent commits itself).
fn group_committer(pool: &Pool) -> Option<Arc<crate::app::GroupCommit>> {
    let sqlite = pool.get().is_ok_and(|conn| matches!(**conn, DbConnection::Sqlite(_)));
    if !sqlite {
        return None;
    }
    match crate::app::GroupCommit::start(pool.clone()) {
        Ok(committer) => Some(Arc::new(committer)),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the group commit thread; writes commit one by one");
            None
        }
    }
}

/// The session cookie's key, kept in the database so every instance and restart shares it.
pub fn session_key(conn: &mut DbConnection) -> anyhow::Result<Key> {
    let encoded = crate::app::auth::cookie_secret(conn)?;
    Ok(Key::derive_from(encoded.as_bytes()))
}

/// Sent with every response (names in lower case, as `HeaderName::from_static` wants). Error pages set them themselves, since an error raised by a
/// middleware never passes through `DefaultHeaders`.
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
    // Another site's window opened from ours (or ours from it) gets no handle on it.
    ("cross-origin-opener-policy", "same-origin"),
];

/// Over HTTPS only: browsers then refuse plain HTTP to this host for a year.
pub const HSTS: (&str, &str) = ("strict-transport-security", "max-age=31536000; includeSubDomains");

fn security_headers(https: bool) -> DefaultHeaders {
    // Added only where a handler set none, so static files keep their own Cache-Control.
    let headers = SECURITY_HEADERS.iter().fold(DefaultHeaders::new(), |headers, pair| headers.add(*pair));
    if https { headers.add(HSTS) } else { headers }
}

/// The request line as the access log shows it: secrets in the query (calendar feed tokens)
/// are never written to a log.
fn logged_request_line(req: &ServiceRequest) -> String {
    let uri = req.uri();
    let query = uri.query().map(|q| {
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("token") => format!("{name}=[redacted]"),
                _ => pair.to_owned(),
            })
            .collect();
        format!("?{}", pairs.join("&"))
    });
    format!("{} {}{} {:?}", req.method(), uri.path(), query.unwrap_or_default(), req.version())
}

/// The session middleware fails before any handler runs when its store cannot reach the
/// database. Its bare 500 becomes our 503 page, like every other database outage.
async fn session_store_outage(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_session::storage::{LoadError, SaveError, UpdateError};
    use actix_web::error::InternalError;
    next.call(req).await.map_err(|e| {
        let from_store = e.as_error::<InternalError<anyhow::Error>>().is_some()
            || e.as_error::<InternalError<LoadError>>().is_some()
            || e.as_error::<InternalError<SaveError>>().is_some()
            || e.as_error::<InternalError<UpdateError>>().is_some();
        if from_store {
            tracing::warn!(error = ?e, "session store unavailable");
            AppError::Unavailable("session store".into()).into()
        } else {
            e
        }
    })
}

/// While draining before a stop, every response closes its keep-alive connection.
async fn close_when_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let draining = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.draining.load(std::sync::atomic::Ordering::Relaxed));
    let mut response = next.call(req).await?;
    if draining {
        response.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(response)
}

/// The whole application, ready for `HttpServer::new` or `actix_web::test::init_service`.
pub fn app(
    state: AppState,
    key: Key,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let store = session_store::DbSessionStore::new(
        state.pool.clone(),
        state.clock.clone(),
        state.config.session_idle,
        state.config.session_absolute,
    );
    let https = state.config.secure_cookies;
    let cookie_name = if https { SECURE_SESSION_COOKIE } else { SESSION_COOKIE };
    let sessions = SessionMiddleware::builder(store, key.clone())
        .cookie_name(cookie_name.into())
        .cookie_path("/".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(state.config.secure_cookies)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build();
    // The API's routes first: its handlers are collected into the OpenAPI document as they are
    // registered, so the document cannot miss one.
    let (app, document) = App::new()
        .into_utoipa_app()
        .openapi(api::base_document())
        .service(utoipa_actix_web::scope("/api/v1").configure(api::configure))
        .split_for_parts();
    app.app_data(web::Data::new(api::ApiDocument(document)))
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::Data::new(cookies::CookieSettings { key: key.clone(), secure: https }))
        .wrap(from_fn(error::keep_navigation))
        .wrap(from_fn(cookies::cookie_channel))
        .wrap(sessions)
        .wrap(from_fn(session_store_outage))
        .wrap(security_headers(https))
        .wrap(from_fn(close_when_draining))
        .wrap(from_fn(metrics::record))
        .wrap(Logger::new(r#"%a "%{request}xi" %s %b %Dms"#).custom_request_replace("request", logged_request_line))
        .configure(pages::routes)
        .default_service(web::to(pages::not_found))
}

#[cfg(test)]
mod tests {
    use super::logged_request_line;

    #[test]
    fn calendar_tokens_never_reach_the_log() {
        let req = actix_web::test::TestRequest::with_uri("/rotation/7.ics?token=s3cr3tT0ken&x=1").to_srv_request();
        let line = logged_request_line(&req);
        assert_eq!(line, "GET /rotation/7.ics?token=[redacted]&x=1 HTTP/1.1");
        assert!(!line.contains("s3cr3t"));
    }
}
