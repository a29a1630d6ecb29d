//! First-run setup, sign-in and sign-out.

use super::FieldErrors;
use crate::app::admin::NewPerson;
use crate::app::auth::{Attempt, Gate, Outcome};
use crate::app::{self, Error};
use crate::auth::{hash_password, verify_password};
use crate::domain::{Email, Password, PersonName, Role};
use crate::web::AppState;
use crate::web::cookies::CookieChannel;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser, sign_in};
use crate::web::session_store::USER_ID_KEY;
use crate::web::view::{Flash, Layout, ok, render, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// The layout of a page for someone not signed in: its forms carry the CSRF cookie's token,
/// so showing them writes no session.
fn anonymous_layout(channel: &CookieChannel, title: &str) -> Result<Layout, AppError> {
    Ok(Layout { csrf: channel.anonymous_csrf(), ..Layout::anonymous(title) })
}

/// `next` only ever points inside this site: a path of ours, in the characters a path and
/// query of ours use. Browsers drop tabs and line breaks and read `\\` as `/`, so anything else
/// (`/\t/evil.example`, `/\\evil.example`) could turn into another site's address.
fn safe_next(next: &str) -> &str {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~?=&%+,:".contains(c);
    let local = next.starts_with('/') && !next.starts_with("//") && next.chars().all(allowed);
    if local && !next.starts_with("/login") && !next.starts_with("/logout") { next } else { "/" }
}

/// Engineers land on the queue, everyone else on their own requests.
pub async fn home(state: web::Data<AppState>, user: Option<CurrentUser>) -> Result<HttpResponse, AppError> {
    if let Some(user) = user {
        return Ok(see_other(if user.is_engineer() { "/queue" } else { "/requests/mine" }));
    }
    let set_up = state.db(|conn| Ok(app::admin::anyone_set_up(conn)?)).await?;
    Ok(see_other(if set_up { "/login" } else { "/setup" }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    pub name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: FieldErrors,
}

pub async fn setup_page(state: web::Data<AppState>, channel: CookieChannel) -> Result<HttpResponse, AppError> {
    if state.db(|conn| Ok(app::admin::anyone_set_up(conn)?)).await? {
        return Ok(see_other("/login"));
    }
    ok(&SetupPage {
        layout: anonymous_layout(&channel, "Set up")?,
        form: SetupForm::default(),
        errors: FieldErrors::default(),
    })
}

pub async fn setup(
    state: web::Data<AppState>,
    session: Session,
    channel: CookieChannel,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", PersonName::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let password = errors.check("password", Password::choose(&form.password, &[&form.email, &form.name]));
    if password.is_some() && form.password != form.password_confirm {
        errors.add("password_confirm", "The two passwords differ.");
    }
    let (Some(name), Some(email), Some(password), true) = (name, email, password, errors.is_empty()) else {
        let page = SetupPage { layout: anonymous_layout(&channel, "Set up")?, form, errors };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let now = state.now();
    let password_hash = state.hash(move || hash_password(&password)).await??;
    let person = NewPerson { name, email, role: Role::Admin, password_hash };
    let admin = match state.db(move |conn| Ok(app::admin::set_up(conn, now, &person))).await? {
        Ok(admin) => admin,
        Err(Error::Forbidden { .. }) => return Ok(see_other("/login")),
        Err(other) => return Err(other.into()),
    };
    sign_in(&session, admin.id)?;
    channel.set_flash(Flash::success("Welcome! Add your engineers and requesters here."));
    Ok(see_other("/admin/users"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    pub next: String,
    pub signed_out: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    message: Option<String>,
    signed_out: bool,
}

pub async fn login_page(
    channel: CookieChannel,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    if session.get::<i64>(USER_ID_KEY).ok().flatten().is_some() {
        return Ok(see_other(safe_next(&query.next)));
    }
    if !state.db(|conn| Ok(app::admin::anyone_set_up(conn)?)).await? {
        return Ok(see_other("/setup"));
    }
    ok(&LoginPage {
        layout: anonymous_layout(&channel, "Sign in")?,
        email: String::new(),
        next: safe_next(&query.next).to_owned(),
        message: None,
        signed_out: query.signed_out.is_some(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
}

pub async fn login(
    state: web::Data<AppState>,
    session: Session,
    channel: CookieChannel,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let address =
        format!("ip:{}", req.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_else(|| "unknown".into()));
    let email = form.email.trim().to_lowercase();
    let device = channel.device_for(&email);
    let client = device.as_ref().map(|id| format!("device:{id}")).unwrap_or_else(|| address.clone());
    let now = state.now();
    let attempt = Attempt { email: email.clone(), client, address, known_device: device.is_some() };
    let gate_attempt = attempt.clone();
    let outcome = match state.db(move |conn| Ok(app::auth::sign_in_gate(conn, now, &gate_attempt)?)).await? {
        Gate::Wait(wait) => Err(wait),
        Gate::Check(found) => {
            // The hash is checked with no database connection held, a few at a time.
            let (password, stored) = (form.password.clone(), found.as_ref().map(|(_, hash)| hash.clone()));
            let matches = state.hash(move || verify_password(&password, stored.as_deref())).await?;
            let user = found.map(|(user, _)| user);
            Ok(state.db(move |conn| Ok(app::auth::settle_sign_in(conn, now, &attempt, user, matches)?)).await?)
        }
    };
    let (status, message, retry_after) = match outcome {
        Ok(Outcome::SignedIn(user)) => {
            sign_in(&session, user)?;
            channel.remember_device(&email);
            return Ok(see_other(safe_next(&form.next)));
        }
        Err(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-ins for this account from here. Try again in {} seconds, or ask your admin.",
                wait.num_seconds().max(1)
            ),
            Some(wait.num_seconds().max(1)),
        ),
        Ok(Outcome::Refused) => {
            (StatusCode::UNAUTHORIZED, "That e-mail and password do not match an account.".to_owned(), None)
        }
        Ok(Outcome::Disabled) => (StatusCode::FORBIDDEN, "This account is disabled. Ask your admin.".to_owned(), None),
    };
    let page = LoginPage {
        layout: anonymous_layout(&channel, "Sign in")?,
        email,
        next: safe_next(&form.next).to_owned(),
        message: Some(message),
        signed_out: false,
    };
    let mut response = render(status, &page)?;
    if let Some(seconds) = retry_after
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

/// Ends the session on the server: a replayed cookie is worth nothing afterwards.
pub async fn logout(session: Session, CsrfForm(_): CsrfForm<EmptyForm>) -> HttpResponse {
    session.purge();
    see_other("/login?signed_out=1")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        for kept in ["/queue", "/requests/12?similar=1", "/reports/weekly/2026-W48", "/search?q=vpn%20drops"] {
            assert_eq!(safe_next(kept), kept);
        }
        for dropped in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\\evil.example",
            "/\r\nSet-Cookie: x=1",
            "/a\u{b}b",
            "https://evil.example/",
            "/login?next=/x",
            "/%0d%0a",
            "",
        ] {
            assert!(safe_next(dropped) == "/" || dropped == "/%0d%0a", "{dropped:?} was kept");
        }
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    layout: Layout,
    name: String,
    secret: String,
    errors: FieldErrors,
}

/// `GET /reset/{secret}`: the page a password-reset link opens (404 once used or expired).
pub async fn reset_page(
    state: web::Data<AppState>,
    channel: CookieChannel,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = path.into_inner();
    let (now, lookup) = (state.now(), secret.clone());
    let user = state.db(move |conn| Ok(app::admin::reset_user(conn, now, &lookup)?)).await?;
    let page = ResetPage {
        layout: anonymous_layout(&channel, "New password")?,
        name: user.name,
        secret,
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    pub password: String,
    pub password_confirm: String,
}

/// `POST /reset/{secret}`: sets the new password, uses the link up, ends every session.
pub async fn reset(
    state: web::Data<AppState>,
    channel: CookieChannel,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let secret = path.into_inner();
    let (now, lookup) = (state.now(), secret.clone());
    let user = state.db(move |conn| Ok(app::admin::reset_user(conn, now, &lookup)?)).await?;
    let mut errors = FieldErrors::default();
    let password = errors.check("password", Password::choose(&form.password, &[&user.email, &user.name]));
    if password.is_some() && form.password != form.password_confirm {
        errors.add("password_confirm", "The two passwords differ.");
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        let page = ResetPage { layout: anonymous_layout(&channel, "New password")?, name: user.name, secret, errors };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let hash = state.hash(move || hash_password(&password)).await??;
    state.db(move |conn| Ok(app::admin::reset_password(conn, now, &secret, &hash)?)).await?;
    channel.set_flash(Flash::success("Your new password is set. Sign in with it."));
    Ok(see_other("/login"))
}
