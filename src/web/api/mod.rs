//! The JSON API under `/api/v1/`: bearer tokens, JSON errors naming the field, and an OpenAPI
//! document generated from the same types (`/api/v1/openapi.json`). Handlers are adapters
//! over `app`.

mod requests;
mod team;
mod types;

use crate::app::Scope;
use crate::app::{self, Context};
use crate::domain::{Role, UserId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::messages;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
pub use types::*;
use utoipa::OpenApi;

/// A JSON error: `{"error": {"code": …, "field": …, "message": …}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// The request as it is now, for a version conflict.
    pub current: Option<Box<RequestOut>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, field: None, message: message.into(), retry_after: None, current: None }
    }

    pub fn field(status: StatusCode, code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        ApiError { field: Some(field), ..ApiError::new(status, code, message) }
    }

    fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "send a valid token as `Authorization: Bearer …`")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = ErrorOut {
            error: ErrorDetail {
                code: self.code.to_owned(),
                field: self.field.map(str::to_owned),
                message: self.message.clone(),
            },
            current: self.current.as_deref().cloned(),
        };
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(body)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = e.status_code();
        match e {
            AppError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "there is nothing here, or it is not yours to see")
            }
            AppError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", why),
            AppError::Refused(code) => ApiError::new(StatusCode::FORBIDDEN, code, messages::refusal(code)),
            AppError::BadRequest(why) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", why),
            AppError::TooLarge => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the body is too large"),
            AppError::Storage(_) => ApiError {
                retry_after: Some(60),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage",
                    "storage is full or read-only; nothing was changed",
                )
            },
            AppError::Unavailable(_) => ApiError {
                retry_after: Some(5),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; nothing was changed",
                )
            },
            other => {
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    return ApiError::new(status, "storage", "storage is full or read-only; nothing was changed");
                }
                tracing::error!(error = ?other, "API request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an unexpected error; nothing was half-saved",
                )
            }
        }
    }
}

impl From<app::Error> for ApiError {
    fn from(e: app::Error) -> Self {
        let code = e.code();
        match e {
            app::Error::NotFound => AppError::NotFound.into(),
            app::Error::Forbidden { code } => ApiError::new(StatusCode::FORBIDDEN, code, messages::refusal(code)),
            app::Error::Invalid { field, value, .. } => ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                field,
                messages::field_sentence(code, field, value.as_ref()),
            ),
            app::Error::Conflict(conflict) => ApiError {
                current: Some(Box::new(RequestOut::plain(&conflict.current))),
                ..ApiError::new(StatusCode::PRECONDITION_FAILED, code, "the request changed since the version you sent")
            },
            app::Error::Db(e) => AppError::from(e).into(),
            app::Error::Internal(e) => AppError::Internal(e).into(),
        }
    }
}

/// The person a bearer token belongs to. A cookie session never counts here, so no API call
/// can be made by a page another site loads in the browser.
pub struct ApiUser {
    pub id: UserId,
    pub role: Role,
    pub scope: Scope,
    pub token_id: i64,
}

impl ApiUser {
    pub fn require_write(&self) -> Result<(), ApiError> {
        match self.scope {
            Scope::Write => Ok(()),
            Scope::Read => Err(ApiError::new(StatusCode::FORBIDDEN, "read_only_token", "this token may only read")),
        }
    }

    pub fn require_engineer(&self) -> Result<(), ApiError> {
        if self.role.is_engineer() {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, "engineers_only", "this is for engineers"))
        }
    }

    pub async fn context(&self, state: &AppState) -> Result<Context, ApiError> {
        let mut ctx = Context::new(self.id, self.role, state.now(), state.team().await?);
        ctx.memo = state.memo.clone();
        Ok(ctx)
    }
}

/// Requests per token per minute before 429, unless the server is told otherwise.
pub const RATE_PER_MINUTE: u32 = 600;

/// Counts each token's requests in the current minute, for every worker of the server.
#[derive(Default)]
pub struct RateLimiter(Mutex<HashMap<i64, (i64, u32)>>);

impl RateLimiter {
    /// Seconds to wait, when the token used up its `limit` for this minute (0: no limit).
    pub fn check(&self, token: i64, now: chrono::DateTime<chrono::Utc>, limit: u32) -> Option<u64> {
        if limit == 0 {
            return None;
        }
        let minute = now.timestamp().div_euclid(60);
        let mut counts = self.0.lock().ok()?;
        if counts.len() > 10_000 {
            counts.retain(|_, (m, _)| *m == minute);
        }
        let entry = counts.entry(token).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        (entry.1 > limit).then(|| u64::try_from(60 - now.timestamp().rem_euclid(60)).unwrap_or(60))
    }
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::from(AppError::Internal(anyhow::anyhow!("no state"))))?;
            let token = token.filter(|t| !t.is_empty() && t.len() <= 200).ok_or_else(ApiError::unauthorized)?;
            let now = state.now();
            let bearer = state
                .db(move |conn| {
                    app::tokens::authenticate(conn, &token, now).map_err(|e| match e {
                        app::Error::Db(e) => AppError::from(e),
                        app::Error::Internal(e) => AppError::Internal(e),
                        other => AppError::Internal(other.into()),
                    })
                })
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if let Some(wait) = state.api_limiter.check(bearer.token_id, now, state.config.api_rate_per_minute) {
                return Err(ApiError {
                    retry_after: Some(wait),
                    ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for this token")
                });
            }
            Ok(ApiUser { id: bearer.user, role: bearer.role, scope: bearer.scope, token_id: bearer.token_id })
        })
    }
}

/// Runs a use case on the database and turns its errors into API errors.
pub async fn run<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::DbConnection) -> Result<T, app::Error> + Send + 'static,
{
    let outcome = state.db(move |conn| Ok(work(conn))).await?;
    outcome.map_err(ApiError::from)
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let error = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the body is too large")
        }
        JsonPayloadError::ContentType => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "content_type", "send `Content-Type: application/json`")
        }
        JsonPayloadError::Deserialize(e) => ApiError::new(StatusCode::BAD_REQUEST, "bad_json", e.to_string()),
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_json", other.to_string()),
    };
    error.into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", err.to_string()).into()
}

fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", err.to_string()).into()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Goalkeeper API", version = "1", description = "File, follow and triage requests. Authenticate with a personal access token: `Authorization: Bearer …`."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, as served.
pub struct ApiDocument(pub utoipa::openapi::OpenApi);

async fn openapi_json(doc: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}

/// The base document the routes are collected into.
pub fn base_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The routes under `/api/v1`; each handler registered with `service` lands in the document.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(json_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .route("/openapi.json", web::get().to(openapi_json))
        .configure(requests::routes)
        .configure(team::routes)
        .default_service(web::to(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route").error_response()
        }));
}
