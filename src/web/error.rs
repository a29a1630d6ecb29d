//! The one error type of the web layer: every failure becomes a page (or a redirect to sign in).

use super::view::{ErrorPage, Layout, render};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("forbidden: {0}")]
    Forbidden(String),
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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
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
            other => AppError::Internal(other.into()),
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
            AppError::Csrf => (
                "Form expired",
                "This form was stale or did not come from Goalkeeper, so nothing was changed. Go back, reload the page and try again.".into(),
            ),
            AppError::NotFound => ("Not found", "There is nothing here, or it is not yours to see.".into()),
            AppError::BadRequest(why) => ("Bad request", why.clone()),
            AppError::TooLarge => ("Too large", "What you sent is larger than Goalkeeper accepts.".into()),
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
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
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
            _ => {}
        }
        let status = self.status_code();
        let (title, message) = self.words();
        let page = ErrorPage { layout: Layout::anonymous(title), status: status.as_u16(), message };
        let mut response = render(status, &page).unwrap_or_else(|_| HttpResponse::build(status).body(title));
        for (name, value) in super::SECURITY_HEADERS {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static(name), header::HeaderValue::from_static(value));
        }
        response
    }
}
