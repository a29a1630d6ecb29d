//! The account page: one's API tokens — create (shown once), list, revoke.

use super::FieldErrors;
use crate::app;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub scope: &'static str,
    pub created: When,
    pub expires: Option<When>,
    pub last_used: Option<When>,
    pub active: bool,
    /// Why it no longer works.
    pub status: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
    pub scope: String,
    pub expires_in_days: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    role: &'static str,
    tokens: Vec<TokenLine>,
    new_token: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
    /// What reaches the person by e-mail.
    topics: Vec<super::notifications::TopicBox>,
    profile: ProfileForm,
    team_zone: String,
    zones: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub name: String,
    pub email: String,
    pub time_zone: String,
    /// Required only to change the e-mail, which is how one signs in.
    pub password: String,
}

impl ProfileForm {
    fn of(user: &crate::app::User) -> Self {
        ProfileForm {
            name: user.name.clone(),
            email: user.email.clone(),
            time_zone: user.time_zone.map(|z| z.name().to_owned()).unwrap_or_default(),
            password: String::new(),
        }
    }
}

/// Turns a use case's refusal into the page's words; other failures stay errors.
fn refusal(e: app::Error) -> Result<(&'static str, String), AppError> {
    match e {
        app::Error::Invalid { code, field, value } => {
            Ok((field, crate::web::messages::field_sentence(code, field, value.as_ref())))
        }
        app::Error::NotFound => Err(AppError::NotFound),
        app::Error::Forbidden { code } => Err(AppError::Forbidden(crate::web::messages::refusal(code).into())),
        app::Error::Db(e) => Err(e.into()),
        app::Error::Internal(e) => Err(AppError::Internal(e)),
        app::Error::Conflict(_) => Err(AppError::BadRequest("conflict".into())),
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let profile = ProfileForm::of(&user.user);
    profile_page(state, user, new_token, form, profile, errors, status).await
}

async fn profile_page(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    form: TokenForm,
    profile: ProfileForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let ctx = user.context(state).await?;
    let team_zone = ctx.team.timezone().name().to_owned();
    let tz = ctx.reading_zone();
    let now = ctx.now;
    let (tokens, topics) =
        state.db(move |conn| Ok((app::tokens::list(conn, &ctx)?, app::notify::email_topics(conn, &ctx)?))).await?;
    let when = |at| When::new(at, now, tz);
    let tokens = tokens
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|at| at <= now);
            TokenLine {
                id: t.id,
                name: t.name,
                scope: t.scope.as_str(),
                created: when(t.created_at),
                expires: t.expires_at.map(when),
                last_used: t.last_used_at.map(when),
                active: t.revoked_at.is_none() && !expired,
                status: if t.revoked_at.is_some() { "revoked" } else { "expired" },
            }
        })
        .collect();
    render(
        status,
        &AccountPage {
            layout: user.layout("Your account", "account"),
            name: user.user.name.clone(),
            email: user.user.email.clone(),
            role: user.user.role.label(),
            tokens,
            new_token,
            form,
            errors,
            topics: topics
                .into_iter()
                .map(|(topic, on)| super::notifications::TopicBox {
                    value: topic.as_str(),
                    label: super::notifications::topic_label(topic),
                    checked: on,
                })
                .collect(),
            profile,
            team_zone,
            zones: chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect(),
        },
    )
}

/// Whether `given` is the actor's password, checked on the hashing threads with no database
/// connection held.
async fn is_current_password(state: &AppState, ctx: &app::Context, given: String) -> Result<bool, AppError> {
    let lookup = ctx.clone();
    let stored = state.db(move |conn| Ok(app::auth::password_hash(conn, &lookup)?)).await?;
    state.hash(move || crate::auth::verify_password(&given, Some(&stored))).await
}

/// Changes one's name, e-mail and time zone; a new e-mail needs the current password.
pub async fn update_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let ctx = user.context(&state).await?;
    let mut errors = FieldErrors::default();
    let new_email = !form.email.trim().eq_ignore_ascii_case(&user.user.email);
    if new_email && !is_current_password(&state, &ctx, form.password.clone()).await? {
        errors.add("password", crate::web::messages::field_sentence("wrong", "password", None));
    }
    if errors.is_empty() {
        let input = app::admin::ProfileInput {
            name: form.name.clone(),
            email: form.email.clone(),
            time_zone: form.time_zone.clone(),
        };
        match state.db(move |conn| Ok(app::admin::update_profile(conn, &ctx, &input))).await? {
            Ok(()) => {
                user.flash("Profile saved.");
                return Ok(see_other("/account"));
            }
            Err(e) => {
                let (field, detail) = refusal(e)?;
                errors.add(field, detail);
            }
        }
    }
    let form = ProfileForm { password: String::new(), ..form };
    profile_page(&state, &user, None, TokenForm::default(), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Keeps e-mail for the ticked kinds of news; the inbox shows all of them anyway.
pub async fn save_notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let wanted: Vec<String> = fields.into_iter().filter(|(k, _)| k == "topic").map(|(_, v)| v).collect();
    let ctx = user.context(&state).await?;
    state.db(move |conn| Ok(app::notify::set_email_topics(conn, &ctx, &wanted)?)).await?;
    user.flash("Notification settings saved.");
    Ok(see_other("/account"))
}

pub async fn show(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    page(&state, &user, None, TokenForm::default(), FieldErrors::default(), StatusCode::OK).await
}

pub async fn create_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let expires = match form.expires_in_days.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(days) => Some(days),
            Err(_) => {
                errors.add("expires_in_days", "Give a number of days, or leave it empty.");
                None
            }
        },
    };
    if !errors.is_empty() {
        return page(&state, &user, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let ctx = user.context(&state).await?;
    let (name, scope) = (form.name.clone(), form.scope.clone());
    let created = state.db(move |conn| Ok(app::tokens::create(conn, &ctx, &name, &scope, expires))).await?;
    match created {
        // Shown on this answer only: never stored, never in a redirect or a cookie.
        Ok((_, token)) => page(&state, &user, Some(token), TokenForm::default(), errors, StatusCode::OK).await,
        Err(e) => {
            let (field, detail) = refusal(e)?;
            errors.add(field, detail);
            page(&state, &user, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = super::parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    let revoked = state.db(move |conn| Ok(app::tokens::revoke(conn, &ctx, id))).await?;
    revoked.map_err(|e| refusal(e).err().unwrap_or(AppError::NotFound))?;
    user.flash("Token revoked: it stops working at once.");
    Ok(see_other("/account"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// Changes one's password: the current one is required, and every other session ends.
pub async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let chosen = crate::domain::Password::choose(&form.new_password, &[&user.user.email, &user.user.name]);
    let new = errors.check("new_password", chosen);
    if new.is_some() && form.new_password != form.new_password_confirm {
        errors.add("new_password_confirm", "The two passwords differ.");
    }
    let ctx = user.context(&state).await?;
    if !is_current_password(&state, &ctx, form.current_password).await? {
        errors.add("current_password", "That is not your current password.");
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return page(&state, &user, None, TokenForm::default(), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let hash = state.hash(move || crate::auth::hash_password(&new)).await??;
    state.db(move |conn| Ok(app::auth::change_password(conn, &ctx, &hash)?)).await?;
    // Every session ended on the server; this browser goes on in a fresh one.
    crate::web::extract::sign_in(&user.session, user.user.id)?;
    user.flash("Password changed. You are signed out everywhere else.");
    Ok(see_other("/account"))
}
