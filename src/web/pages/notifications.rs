//! `/admin/notifications`: chat and webhook channels, the outbox's state, failed deliveries.

use super::requests::Choice;
use super::{FieldErrors, parse_id};
use crate::app::notify::ChannelInput;
use crate::app::{self, Error};
use crate::domain::notify::Topic;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::messages::field_sentence;
use crate::web::view::{Layout, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Debug, Default, Clone)]
pub struct ChannelForm {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub token: String,
    pub topics: Vec<String>,
}

impl ChannelForm {
    fn from_fields(fields: &[(String, String)]) -> Self {
        let one = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        ChannelForm {
            name: one("name"),
            kind: one("kind"),
            url: one("url"),
            token: one("token"),
            topics: fields.iter().filter(|(k, _)| k == "topic").map(|(_, v)| v.clone()).collect(),
        }
    }
}

pub struct TopicBox {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct FailedLine {
    pub id: i64,
    pub what: String,
    pub subject: String,
    pub attempts: i32,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct NotificationsPage {
    layout: Layout,
    problem: Option<String>,
    email_configured: bool,
    counts: Vec<(String, i64)>,
    channels: Vec<app::notify::ChannelLine>,
    kinds: Vec<Choice>,
    topics: Vec<TopicBox>,
    form: ChannelForm,
    errors: FieldErrors,
    failed: Vec<FailedLine>,
    secret: Option<String>,
}

pub fn topic_label(topic: Topic) -> &'static str {
    match topic {
        Topic::NewRequest => "new requests",
        Topic::NewCritical => "new critical requests",
        Topic::Asked => "questions to requesters",
        Topic::Resolved => "resolved",
        Topic::Rejected => "rejected",
        Topic::Commented => "comments",
        Topic::Replied => "requesters' replies",
        Topic::Reopened => "reopened",
        Topic::Routed => "routed",
        Topic::Consulted => "consults",
        Topic::Handover => "who keeps goal now (handovers and covers)",
        Topic::CoverWanted => "requests to cover someone's duty",
        Topic::Mentioned => "mentions of you",
    }
}

async fn show(
    state: &AppState,
    admin: &CurrentUser,
    form: ChannelForm,
    errors: FieldErrors,
    secret: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let ctx = admin.context(state).await?;
    let overview = state.db(move |conn| Ok(app::notify::overview(conn, &ctx)?)).await?;
    let checked = |t: Topic| {
        if form.topics.is_empty() && form.name.is_empty() {
            t == Topic::NewCritical
        } else {
            form.topics.iter().any(|f| f == t.as_str())
        }
    };
    let page = NotificationsPage {
        layout: admin.layout("Notifications", "admin"),
        problem: None,
        email_configured: state.config.email_configured,
        counts: overview.counts,
        channels: overview.channels,
        kinds: [
            ("slack", "Slack or Mattermost (incoming webhook)"),
            ("teams", "Microsoft Teams (workflow webhook)"),
            ("matrix", "Matrix room"),
            ("webhook", "Webhook (signed JSON)"),
        ]
        .iter()
        .map(|(value, label)| Choice { value: (*value).into(), label: (*label).into() })
        .collect(),
        // A mention is news for one person, never for a team channel.
        topics: Topic::ALL
            .iter()
            .filter(|t| **t != Topic::Mentioned)
            .map(|t| TopicBox { value: t.as_str(), label: topic_label(*t), checked: checked(*t) })
            .collect(),
        form,
        errors,
        failed: overview
            .failed
            .into_iter()
            .map(|d| FailedLine {
                id: d.id,
                what: match (d.medium.as_str(), d.request_id) {
                    (medium, Some(request)) => format!("{medium} · #{request}"),
                    (medium, None) => medium.to_owned(),
                },
                subject: d.subject,
                attempts: d.attempts,
                error: d.last_error.unwrap_or_default(),
            })
            .collect(),
        secret,
    };
    render(status, &page)
}

pub async fn page(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    show(&state, &admin, ChannelForm::default(), FieldErrors::default(), None, StatusCode::OK).await
}

pub async fn add_channel(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let form = ChannelForm::from_fields(&fields);
    let input = ChannelInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        url: form.url.clone(),
        token: form.token.clone(),
        topics: form.topics.clone(),
    };
    let ctx = admin.context(&state).await?;
    match state.db(move |conn| Ok(app::notify::add_channel(conn, &ctx, &input))).await? {
        Ok(secret) => {
            admin.flash(format!("Channel “{}” added.", form.name.trim()));
            // The secret is shown once, on this answer; the list is one click away.
            show(&state, &admin, ChannelForm::default(), FieldErrors::default(), secret, StatusCode::OK).await
        }
        Err(Error::Invalid { code, field, value }) => {
            let mut errors = FieldErrors::default();
            errors.add(field, field_sentence(code, field, value.as_ref()));
            show(&state, &admin, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn switch_channel(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let (raw_id, switch) = path.into_inner();
    let id = parse_id(&raw_id).ok_or(AppError::NotFound)?;
    let enabled = match switch.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return Err(AppError::NotFound),
    };
    let ctx = admin.context(&state).await?;
    state.db(move |conn| Ok(app::notify::set_channel_enabled(conn, &ctx, id, enabled)?)).await?;
    admin.flash(if enabled { "Channel turned on." } else { "Channel turned off." });
    Ok(see_other("/admin/notifications"))
}

pub async fn retry(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id = parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = admin.context(&state).await?;
    state.db(move |conn| Ok(app::notify::retry(conn, &ctx, id)?)).await?;
    admin.flash("The delivery will be tried again.");
    Ok(see_other("/admin/notifications"))
}
