//! The weekly handover report as a page, Markdown and JSON, and the goalkeeper's notes.

use crate::domain::metrics::IsoWeek;
use crate::report::{self, WeeklyReport, duration_text, rate_text};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::pages::FieldErrors;
use crate::web::view::{Layout, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// One row of the times table: label, this week, previous week.
pub struct TimeRow {
    pub label: String,
    pub now: String,
    pub before: String,
}

#[derive(Template)]
#[template(path = "reports/weekly.html")]
struct WeeklyPage {
    layout: Layout,
    report: WeeklyReport,
    times: Vec<TimeRow>,
    shield: String,
    shield_before: String,
    reopen: String,
    reopen_before: String,
    deflection: String,
    deflection_before: String,
    previous_link: String,
    next_link: String,
    may_write: bool,
    notes_text: String,
    errors: FieldErrors,
}

impl WeeklyPage {
    /// Words for a state or tier code (`in_progress` → "In progress", `can_wait` → "Can wait").
    pub fn words(&self, code: &str) -> String {
        use crate::domain::{State, Tier};
        if let Ok(state) = State::parse(code) {
            return state.label().to_owned();
        }
        match Tier::parse(code) {
            Ok(tier) => tier.label().to_owned(),
            Err(_) if code == "none" => "No service".to_owned(),
            Err(_) => code.to_owned(),
        }
    }

    pub fn age(&self, seconds: &i64) -> String {
        duration_text(Some(*seconds))
    }

    pub fn percent(&self, share: &f64) -> String {
        format!("{:.0} %", share * 100.0)
    }
}

fn time_rows(report: &WeeklyReport) -> Vec<TimeRow> {
    report
        .time_rows()
        .into_iter()
        .map(|(label, now, before)| TimeRow { label, now: duration_text(now), before: duration_text(before) })
        .collect()
}

async fn build(state: &AppState, user: &CurrentUser, week: IsoWeek) -> Result<WeeklyReport, AppError> {
    let _turn = state.heavy_turn().await?;
    let ctx = user.context(state).await?;
    let built = state.db(move |conn| Ok(crate::app::reports::weekly(conn, &ctx, week))).await?;
    built.map_err(AppError::from)
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    week: IsoWeek,
    notes_text: Option<String>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let report = build(state, user, week).await?;
    let may_write = report::may_write_notes(&report, user.user.id, user.user.role.is_admin());
    let notes_text = notes_text.unwrap_or_else(|| report.notes.as_ref().map(|n| n.text.clone()).unwrap_or_default());
    render(
        status,
        &WeeklyPage {
            layout: user.layout(format!("Weekly report {}", report.week), "reports"),
            times: time_rows(&report),
            shield: rate_text(&report.figures.shield_rate),
            shield_before: rate_text(&report.previous.shield_rate),
            reopen: rate_text(&report.figures.reopen_rate),
            reopen_before: rate_text(&report.previous.reopen_rate),
            deflection: rate_text(&report.figures.deflection_rate),
            deflection_before: rate_text(&report.previous.deflection_rate),
            previous_link: format!("/reports/weekly/{}", week.previous()),
            next_link: format!("/reports/weekly/{}", week.next()),
            may_write,
            notes_text,
            errors,
            report,
        },
    )
}

/// The current week's report.
pub async fn current(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let week = IsoWeek::containing(state.now(), state.team().await?.timezone());
    Ok(see_other(&format!("/reports/weekly/{week}")))
}

/// `/reports/weekly/2026-W48`, `….md` or `….json`.
pub async fn weekly(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let raw = path.into_inner();
    let (name, format) = match raw.rsplit_once('.') {
        Some((name, ext)) => (name.to_owned(), ext.to_owned()),
        None => (raw.clone(), "html".to_owned()),
    };
    let week = IsoWeek::parse(&name).ok_or(AppError::NotFound)?;
    match format.as_str() {
        "html" => page(&state, &user, week, None, FieldErrors::default(), StatusCode::OK).await,
        "md" => Ok(HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .body(build(&state, &user, week).await?.to_markdown())),
        "json" => Ok(HttpResponse::Ok().json(build(&state, &user, week).await?)),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotesForm {
    pub notes: String,
}

pub async fn save_notes(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<NotesForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let week = IsoWeek::parse(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    let text = form.notes.clone();
    let saved = state.db(move |conn| Ok(crate::app::reports::save_notes(conn, &ctx, week, &text))).await?;
    match saved {
        Ok(()) => {
            user.flash("Handover notes saved.");
            Ok(see_other(&format!("/reports/weekly/{week}")))
        }
        Err(crate::app::Error::Invalid { code, field, value }) => {
            let mut errors = FieldErrors::default();
            errors.add(field, crate::web::messages::field_sentence(code, field, value.as_ref()));
            page(&state, &user, week, Some(form.notes), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(AppError::from(other)),
    }
}
