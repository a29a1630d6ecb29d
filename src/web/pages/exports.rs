//! CSV downloads for engineers.

use crate::domain::rotation::local_instant;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    /// First day, `YYYY-MM-DD` in the team's time zone (default: 12 weeks ago).
    pub from: String,
    /// Last day, inclusive (default: today).
    pub to: String,
}

async fn period(state: &AppState, query: &Period) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let tz = state.team().await?.timezone();
    let today = state.now().with_timezone(&tz).date_naive();
    let day = |raw: &str, default: NaiveDate, field: &str| -> Result<NaiveDate, AppError> {
        if raw.trim().is_empty() {
            return Ok(default);
        }
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("{field}: give a date like 2026-11-24.")))
    };
    let from = day(&query.from, today - Duration::weeks(12), "from")?;
    let to = day(&query.to, today, "to")?;
    if to < from {
        return Err(AppError::BadRequest("to: the period ends before it starts.".into()));
    }
    let midnight = |d: NaiveDate| local_instant(tz, d.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok((midnight(from), midnight(to + Duration::days(1))))
}

fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(body)
}

/// Produces one export for a period.
type Export = fn(&mut crate::db::DbConnection, DateTime<Utc>, DateTime<Utc>) -> anyhow::Result<Vec<u8>>;

async fn download(
    state: &AppState,
    user: &CurrentUser,
    query: &Period,
    name: &str,
    export: Export,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let (from, to) = period(state, query).await?;
    let _turn = state.heavy_turn().await?;
    let body = state.db_within(crate::web::EXPORT_DEADLINE, move |conn| Ok(export(conn, from, to)?)).await?;
    Ok(csv_response(name, body))
}

pub async fn requests(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "requests.csv", crate::export::requests_csv).await
}

pub async fn deflections(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "deflections.csv", crate::export::deflections_csv).await
}

pub async fn events(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Period>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, &query, "events.csv", crate::export::events_csv).await
}
