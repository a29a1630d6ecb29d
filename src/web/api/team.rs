//! `/api/v1/`: insights, deflections, and covers and swaps on the rota.

use super::types::*;
use super::{ApiError, ApiUser, run};
use crate::app::{self, answers::Deflected, answers::Deflection, rotation::CoverInput};
use crate::domain::{CategoryId, RequestId, UserId};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(insights).service(deflect).service(cover).service(swap);
}

/// Lead time, triage, intake, shielding, deflection and knowledge concentration over the last
/// weeks (engineers): the figures of the insights page.
#[utoipa::path(
    tag = "reports",
    params(InsightsQuery),
    responses((status = 200, body = InsightsOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 422, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/insights")]
async fn insights(
    state: web::Data<AppState>,
    user: ApiUser,
    query: web::Query<InsightsQuery>,
) -> Result<web::Json<InsightsOut>, ApiError> {
    let weeks = query.into_inner().weeks.unwrap_or(12);
    let _turn = state.heavy_turn().await?;
    let ctx = user.context(&state).await?;
    let found = run(&state, move |conn| app::insights::insights(conn, &ctx, weeks)).await?;
    let internal = |e: serde_json::Error| ApiError::from(crate::web::error::AppError::Internal(e.into()));
    let weeks = found
        .weeks
        .iter()
        .map(|(week, figures)| {
            Ok(WeekFiguresOut { week: week.to_string(), figures: serde_json::to_value(figures).map_err(internal)? })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let concentration = found
        .concentration
        .iter()
        .map(|c| ConcentrationOut {
            category_id: c.category,
            category: found.categories.get(&c.category).cloned().unwrap_or_default(),
            resolved: c.resolved,
            by_engineer: c.by_engineer.iter().map(|(id, n)| (id.to_string(), *n)).collect(),
            top_handler_id: c.top_handler,
            top_share: c.top_share,
            bus_factor: c.bus_factor,
            normalized_entropy: c.normalized_entropy,
            silo: c.silo,
        })
        .collect();
    Ok(web::Json(InsightsOut { weeks, concentration, arrivals_by_hour: found.arrivals }))
}

/// "This solved it": the answer solved the holder's problem and nothing is filed. Counts once
/// per person and answer.
#[utoipa::path(
    tag = "requests",
    request_body = DeflectionIn,
    params(("id" = i64, Path, description = "The answer (a resolved, shared request)", minimum = 1)),
    responses((status = 200, body = DeflectionOut), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 404, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[post("/answers/{id}/solved")]
async fn deflect(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<DeflectionIn>,
) -> Result<web::Json<DeflectionOut>, ApiError> {
    user.require_write()?;
    let id = path
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(RequestId)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such answer"))?;
    let body = body.into_inner();
    let draft = Deflection {
        title: body.title.unwrap_or_default(),
        category: body.category_id.map(CategoryId),
        idempotency_key: body.idempotency_key.as_deref().and_then(crate::web::pages::idempotency_key),
    };
    let ctx = user.context(&state).await?;
    let outcome = run(&state, move |conn| app::answers::deflect(conn, &ctx, id, &draft)).await?;
    Ok(web::Json(match outcome {
        Deflected::Recorded => DeflectionOut { outcome: "recorded".into(), request_id: None },
        Deflected::AlreadyFiled(filed) => DeflectionOut { outcome: "already_filed".into(), request_id: Some(filed.0) },
    }))
}

fn cover_out(c: &app::rotation::Cover) -> CoverOut {
    CoverOut { engineer_id: c.engineer.0, replaces_id: c.replaces.map(|r| r.0), from: c.from, to: c.to }
}

/// Puts an engineer on duty for a while (at most 31 days). An engineer hands off their own
/// duty to a teammate; an admin may set anyone on duty.
#[utoipa::path(
    tag = "rotation",
    request_body = CoverIn,
    responses((status = 201, body = CoverOut), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 422, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[post("/rotation/covers")]
async fn cover(state: web::Data<AppState>, user: ApiUser, body: web::Json<CoverIn>) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let body = body.into_inner();
    let input = CoverInput {
        engineer: UserId(body.engineer_id),
        from: body.from,
        to: body.to,
        note: body.note.unwrap_or_default(),
    };
    let ctx = user.context(&state).await?;
    let cover = run(&state, move |conn| app::rotation::cover(conn, &ctx, &input)).await?;
    Ok(HttpResponse::Created().json(cover_out(&cover)))
}

/// Two scheduled weeks trade engineers: each covers the other's week.
#[utoipa::path(
    tag = "rotation",
    request_body = SwapIn,
    responses((status = 201, body = Vec<CoverOut>), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 422, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[post("/rotation/swaps")]
async fn swap(state: web::Data<AppState>, user: ApiUser, body: web::Json<SwapIn>) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let SwapIn { mine, theirs } = body.into_inner();
    let ctx = user.context(&state).await?;
    let covers = run(&state, move |conn| app::rotation::swap(conn, &ctx, mine, theirs)).await?;
    Ok(HttpResponse::Created().json(covers.iter().map(cover_out).collect::<Vec<_>>()))
}
