//! First-run setup, sign-in and sign-out.

use super::FieldErrors;
use crate::auth::{hash_password, verify_password};
use crate::db::users::{self, NewUser, UserError};
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
use chrono::Duration;
use serde::Deserialize;

/// Failed sign-ins counted over this window…
const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// …lock an account after this many…
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// …and a client address after this many (it may be an office behind one address).
const MAX_FAILURES_PER_CLIENT: i64 = 20;

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
    let people = state.db(|conn| Ok(users::count(conn)?)).await?;
    Ok(see_other(if people == 0 { "/setup" } else { "/login" }))
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
    if state.db(|conn| Ok(users::count(conn)?)).await? > 0 {
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
    let created = state
        .db(move |conn| {
            let hash = hash_password(&password)?;
            let new = NewUser { email: email.as_str(), name: name.as_str(), role: Role::Admin, password_hash: &hash };
            match users::create_first_admin(conn, &new, now) {
                Ok(user) => Ok(Some(user)),
                Err(UserError::AlreadySetUp) => Ok(None),
                Err(e) => Err(AppError::Internal(e.into())),
            }
        })
        .await?;
    let Some(admin) = created else {
        return Ok(see_other("/login"));
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
    if state.db(|conn| Ok(users::count(conn)?)).await? == 0 {
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

enum LoginOutcome {
    SignedIn(crate::domain::UserId),
    Throttled,
    Refused,
    Disabled,
}

pub async fn login(
    state: web::Data<AppState>,
    session: Session,
    channel: CookieChannel,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let client = req.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let email = form.email.trim().to_lowercase();
    let password = form.password.clone();
    let now = state.now();
    let outcome = {
        let email = email.clone();
        state
            .db(move |conn| {
                let (by_account, by_client) =
                    users::recent_login_failures(conn, &email, &client, now - THROTTLE_WINDOW)?;
                if by_account >= MAX_FAILURES_PER_ACCOUNT || by_client >= MAX_FAILURES_PER_CLIENT {
                    return Ok(LoginOutcome::Throttled);
                }
                let found = users::by_email(conn, &email)?;
                let matches = verify_password(&password, found.as_ref().map(|(_, hash)| hash.as_str()));
                match found {
                    Some((user, _)) if matches && user.disabled => Ok(LoginOutcome::Disabled),
                    Some((user, _)) if matches => {
                        users::clear_login_failures(conn, &email, now - THROTTLE_WINDOW)?;
                        Ok(LoginOutcome::SignedIn(user.id))
                    }
                    _ => {
                        users::record_login_failure(conn, &email, &client, now)?;
                        Ok(LoginOutcome::Refused)
                    }
                }
            })
            .await?
    };
    let (status, message) = match outcome {
        LoginOutcome::SignedIn(user) => {
            sign_in(&session, user)?;
            return Ok(see_other(safe_next(&form.next)));
        }
        LoginOutcome::Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins. Wait 15 minutes and try again, or ask your admin.",
        ),
        LoginOutcome::Refused => (StatusCode::UNAUTHORIZED, "That e-mail and password do not match an account."),
        LoginOutcome::Disabled => (StatusCode::FORBIDDEN, "This account is disabled. Ask your admin."),
    };
    let page = LoginPage {
        layout: anonymous_layout(&channel, "Sign in")?,
        email,
        next: safe_next(&form.next).to_owned(),
        message: Some(message.into()),
        signed_out: false,
    };
    render(status, &page)
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
