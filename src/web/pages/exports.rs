//! CSV downloads for engineers.

use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    /// First day, `YYYY-MM-DD` in the team's time zone (default: 12 weeks ago).
    pub from: String,
    /// Last day, inclusive (default: today).
    pub to: String,
}

fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(body)
}

async fn download(
    state: &AppState,
    user: &CurrentUser,
    query: &Period,
    name: &str,
    kind: crate::app::exports::Kind,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let ctx = crate::app::Context::new(user.user.id, user.user.role, state.now(), state.team().await?);
    let period = crate::app::exports::period(&ctx, Some(&query.from), Some(&query.to)).map_err(|e| match e {
        crate::app::Error::Invalid { code, field, value } => AppError::BadRequest(format!(
            "{field}: {}",
            crate::web::messages::field_sentence(code, field, value.as_ref())
        )),
        other => other.into(),
    })?;
    let _turn = state.heavy_turn().await?;
    let body = state
        .db_within(crate::web::EXPORT_DEADLINE, move |conn| {
            Ok(crate::app::exports::export(conn, &ctx, kind, period, false))
        })
        .await?
        .map_err(AppError::from)?;
    Ok(csv_response(name, body))
}

pub async fn requests(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "requests.csv", crate::app::exports::Kind::Requests).await
}

pub async fn deflections(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "deflections.csv", crate::app::exports::Kind::Deflections).await
}

pub async fn events(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "events.csv", crate::app::exports::Kind::Events).await
}
