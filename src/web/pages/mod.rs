//! Page handlers, one module per area.

pub mod account;
pub mod admin;
pub mod answers;
pub mod attachments;
pub mod auth;
pub mod exports;
pub mod inbox;
pub mod insights;
pub mod live;
pub mod notifications;
pub mod preview;
pub mod queue;
pub mod reports;
pub mod requests;
pub mod rotation;
pub mod search;

use super::AppState;
use super::error::AppError;
use actix_web::{HttpResponse, web};
use std::fmt;

/// Messages to show beside form fields, by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl fmt::Display) {
        self.0.push((field, message.to_string()));
    }

    /// Records why a value was refused, in words, and returns the value if it was not.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, crate::domain::Invalid>) -> Option<T> {
        result.map_err(|why| self.add(field, crate::web::messages::value_sentence(field, &why))).ok()
    }

    pub fn of(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An idempotency key as the form sends it: short and plain, or none at all.
pub fn idempotency_key(raw: &str) -> Option<String> {
    let key = raw.trim();
    let plain =
        !key.is_empty() && key.len() <= 100 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plain.then(|| key.to_owned())
}

/// One of our small scripts (compiled into the binary), cacheable for an hour.
pub fn static_script(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body)
}

/// Parses a numeric id from a path or form; anything else is treated as missing.
pub fn parse_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(auth::home))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(crate::web::metrics::scrape))
        .route("/static/app.css", web::get().to(stylesheet))
        .route("/static/suggest.js", web::get().to(answers::script))
        .route("/static/live.js", web::get().to(live::script))
        .route("/requests/{id}/edit", web::post().to(requests::edit))
        .route("/queue/bulk", web::post().to(queue::bulk))
        .route("/queue/views", web::post().to(queue::save_view))
        .route("/queue/views/{id}/delete", web::post().to(queue::delete_view))
        .route("/static/keys.js", web::get().to(live::keys_script))
        .route("/static/markdown.js", web::get().to(preview::script))
        .route("/preview", web::post().to(preview::preview))
        .route("/static/attach.js", web::get().to(attachments::script))
        .route("/requests/{id}/attachments", web::post().to(attachments::upload))
        .route("/attachments/{id}", web::get().to(attachments::download))
        .route("/attachments/{id}/delete", web::post().to(attachments::delete))
        .route("/live", web::get().to(live::stream))
        .route("/inbox", web::get().to(inbox::page))
        .route("/inbox/read", web::post().to(inbox::mark_read))
        .route("/account/notifications", web::post().to(account::save_notifications))
        .route("/setup", web::get().to(auth::setup_page))
        .route("/setup", web::post().to(auth::setup))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/queue", web::get().to(queue::queue))
        .route("/account", web::get().to(account::show))
        .route("/account/tokens", web::post().to(account::create_token))
        .route("/account/password", web::post().to(account::change_password))
        .route("/account/profile", web::post().to(account::update_profile))
        .route("/account/tokens/{id}/revoke", web::post().to(account::revoke_token))
        .route("/requests/new", web::get().to(requests::new_page))
        .route("/requests/mine", web::get().to(requests::mine))
        .route("/requests", web::post().to(requests::create))
        .route("/requests/{id}", web::get().to(requests::show))
        // Before the triage actions, which take any name after the id.
        .route("/requests/{id}/visibility", web::post().to(answers::visibility))
        .route("/requests/{id}/{action}", web::post().to(requests::act))
        .route("/answers", web::get().to(answers::index))
        .route("/answers/suggest", web::get().to(answers::suggest))
        .route("/answers/{id}", web::get().to(answers::show))
        .route("/answers/{id}/solved", web::post().to(answers::solved))
        .route("/answers/{id}/good", web::post().to(answers::mark))
        .route("/rotation", web::get().to(rotation::page))
        .route("/rotation.ics", web::get().to(rotation::team_feed))
        .route("/rotation/overrides", web::post().to(rotation::add_cover))
        .route("/rotation/swap", web::post().to(rotation::swap))
        .route("/rotation/cover-requests", web::post().to(rotation::ask_cover))
        .route("/rotation/cover-requests/{id}/take", web::post().to(rotation::take_cover))
        .route("/rotation/calendar-token", web::post().to(rotation::regenerate_token))
        .route("/rotation/settings", web::get().to(rotation::settings))
        .route("/rotation/settings/plan", web::post().to(rotation::save_plan))
        .route("/rotation/settings/team", web::post().to(rotation::save_team))
        .route("/rotation/{engineer}.ics", web::get().to(rotation::engineer_feed))
        .route("/reports/weekly", web::get().to(reports::current))
        .route("/reports/weekly/{week}", web::get().to(reports::weekly))
        .route("/reports/weekly/{week}/notes", web::post().to(reports::save_notes))
        .route("/insights", web::get().to(insights::page))
        .route("/search", web::get().to(search::page))
        .route("/export/requests.csv", web::get().to(exports::requests))
        .route("/export/events.csv", web::get().to(exports::events))
        .route("/export/deflections.csv", web::get().to(exports::deflections))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::add_user))
        .route("/admin/users/{id}/role", web::post().to(admin::change_role))
        .route("/admin/users/{id}/disable", web::post().to(admin::disable_user))
        .route("/admin/users/{id}/reset", web::post().to(admin::reset_link))
        .route("/reset/{secret}", web::get().to(auth::reset_page))
        .route("/reset/{secret}", web::post().to(auth::reset))
        .route("/admin/users/{id}/enable", web::post().to(admin::enable_user))
        .route("/admin/services", web::get().to(admin::services))
        .route("/admin/services", web::post().to(admin::add_service))
        .route("/admin/services/{id}", web::post().to(admin::update_service))
        .route("/admin/categories", web::get().to(admin::categories))
        .route("/admin/categories", web::post().to(admin::add_category))
        .route("/admin/categories/{id}", web::post().to(admin::update_category))
        .route("/admin/notifications", web::get().to(notifications::page))
        .route("/admin/notifications/channels", web::post().to(notifications::add_channel))
        .route("/admin/notifications/channels/{id}/{switch}", web::post().to(notifications::switch_channel))
        .route("/admin/notifications/deliveries/{id}/retry", web::post().to(notifications::retry));
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

/// The database answers.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db(|conn| Ok(crate::app::auth::ping(conn)?)).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body("database unavailable\n")
        }
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../../static/app.css"))
}
