//! The one error type of the web layer: every failure becomes a page (or a redirect to sign in).

use super::layout::Layout;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A rule of the core refused the action; the code names the rule.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    TooLarge,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database is there but cannot store anything: the disk is full or the file is
    /// read-only.
    #[error("storage unavailable: {0}")]
    Storage(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
    /// The stable code of what went wrong, for scripts and tests.
    code: &'static str,
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            // The server went away under an open connection: the pool replaces it on the next
            // checkout, so this is a passing outage, not a bug.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(info.message().to_owned()),
            Error::DatabaseError(_, ref info) if storage_failure(info.message()) => {
                AppError::Storage(info.message().to_owned())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// Whether a database message says the storage itself refused: SQLite's SQLITE_FULL,
/// SQLITE_READONLY and SQLITE_IOERR, PostgreSQL's disk_full and read-only transactions.
pub fn storage_failure(message: &str) -> bool {
    const SIGNS: [&str; 6] = [
        "database or disk is full",
        "readonly database",
        "disk i/o error",
        "no space left on device",
        "could not extend file",
        "read-only transaction",
    ];
    let message = message.to_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl AppError {
    /// A failure wrapped on its way here (as `anyhow`) that is really the storage refusing.
    fn storage_in_chain(&self) -> Option<String> {
        let AppError::Internal(e) = self else { return None };
        e.chain().map(|cause| cause.to_string()).find(|text| storage_failure(text))
    }
}

/// A use case's refusal that the page does not explain beside a field of its own.
impl From<crate::app::Error> for AppError {
    fn from(e: crate::app::Error) -> Self {
        use crate::app::Error;
        match e {
            Error::NotFound => AppError::NotFound,
            Error::Forbidden { code } => AppError::Refused(code),
            Error::Invalid { code, field, ref value } => {
                AppError::BadRequest(super::messages::field_sentence(code, field, value.as_ref()))
            }
            Error::Conflict(_) => AppError::BadRequest("The request changed meanwhile; reload and try again.".into()),
            Error::Db(e) => e.into(),
            Error::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("rendering a template: {e}"))
    }
}

impl AppError {
    fn words(&self) -> (&'static str, String) {
        match self {
            AppError::SignInRequired { .. } => ("Sign in", "Please sign in to continue.".into()),
            AppError::Forbidden(why) => ("Not allowed", why.clone()),
            AppError::Refused(code) => ("Not allowed", super::messages::refusal(code).to_owned()),
            AppError::Csrf => (
                "Form expired",
                "This form was stale or did not come from Goalkeeper, so nothing was changed. Go back, reload the page and try again.".into(),
            ),
            AppError::NotFound => ("Not found", "There is nothing here, or it is not yours to see.".into()),
            AppError::BadRequest(why) => ("Bad request", why.clone()),
            AppError::TooLarge => ("Too large", "What you sent is larger than Goalkeeper accepts.".into()),
            AppError::Storage(_) => (
                "Cannot save right now",
                "Goalkeeper's storage is full or read-only, so it cannot save anything. Nothing was changed; reading still works. Tell your admin.".into(),
            ),
            AppError::Unavailable(_) => (
                "Unavailable",
                "Goalkeeper cannot reach its database right now. Nothing was changed; try again in a moment.".into(),
            ),
            AppError::Internal(_) => (
                "Something went wrong",
                "Goalkeeper hit an unexpected error. Nothing was half-saved; try again, and tell your admin if it keeps happening.".into(),
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) | AppError::Refused(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) | AppError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) if self.storage_in_chain().is_some() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = self.storage_in_chain() {
            return AppError::Storage(cause).error_response();
        }
        match self {
            AppError::SignInRequired { next } => {
                let target = format!(
                    "/login?next={}",
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
                );
                return HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish();
            }
            AppError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            AppError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            AppError::Storage(e) => tracing::error!(error = %e, "storage refuses writes"),
            _ => {}
        }
        self.page(None)
    }
}

/// The signed-in person's navigation, kept on the request by the `CurrentUser` extractor so an
/// error page can show it.
#[derive(Debug, Clone)]
pub struct SignedInNav {
    pub user: super::layout::NavUser,
    pub csrf: String,
}

impl AppError {
    /// The error page, with the person's navigation when they are signed in.
    fn page(&self, nav: Option<SignedInNav>) -> HttpResponse {
        let status = self.status_code();
        let (title, message) = self.words();
        let code = match self {
            AppError::Refused(code) => code,
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            _ => "",
        };
        let mut layout = Layout::anonymous(title);
        if let Some(nav) = nav {
            layout.user = Some(nav.user);
            layout.csrf = nav.csrf;
        }
        let page = ErrorPage { layout, status: status.as_u16(), message, code };
        let mut response = match page.render() {
            Ok(body) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body),
            Err(_) => HttpResponse::build(status).body(title),
        };
        for (name, value) in super::SECURITY_HEADERS {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static(name), header::HeaderValue::from_static(value));
        }
        response
    }
}

/// Re-renders a page's error with the navigation of the person signed in (the error itself is
/// made without the request), so an error page is never a dead end.
pub async fn keep_navigation(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let response = next.call(req).await?;
    // Only an error page is rendered again; every other answer passes untouched.
    let page = response
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .filter(|error| !matches!(error, AppError::SignInRequired { .. }))
        .and_then(|error| {
            let nav = response.request().extensions().get::<SignedInNav>().cloned()?;
            Some(error.page(Some(nav)))
        });
    Ok(match page {
        Some(page) => response.into_response(page).map_into_right_body(),
        None => response.map_into_left_body(),
    })
}
