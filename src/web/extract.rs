//! Extractors: the signed-in user, and forms that must carry the session's CSRF token.

use super::AppState;
use super::cookies::CookieChannel;
use super::error::AppError;
use super::session_store::{LOADED_USER_KEY, LoadedUser, USER_ID_KEY};
use super::view::{Flash, Layout, NavUser};
use crate::app::{self, User};
use crate::auth::{random_token, secrets_match};
use crate::domain::{Actor, UserId};
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

const CSRF_KEY: &str = "csrf";

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return Ok(token);
    }
    let token = random_token(43);
    session.insert(CSRF_KEY, &token).map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(token)
}

/// Starts a signed-in session under a new id (the old id is dropped server-side).
pub fn sign_in(session: &Session, user: UserId) -> Result<(), AppError> {
    let fail = |e: actix_session::SessionInsertError| AppError::Internal(anyhow::anyhow!("session: {e}"));
    session.renew();
    session.insert(USER_ID_KEY, user.0).map_err(fail)?;
    session.insert(CSRF_KEY, random_token(43)).map_err(fail)?;
    Ok(())
}

/// A signed-in, enabled user. Anyone else is sent to the sign-in page.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub csrf: String,
    /// Flash messages travel here, never in the session row.
    pub channel: CookieChannel,
    /// Unread items in the person's inbox (the bell).
    pub unread: i64,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor { id: self.user.id, role: self.user.role }
    }

    /// The context a use case runs in for this person, now.
    pub async fn context(&self, state: &AppState) -> Result<crate::app::Context, AppError> {
        let mut ctx = crate::app::Context::new(self.user.id, self.user.role, state.now(), state.team().await?);
        ctx.personal_zone = self.user.time_zone;
        ctx.memo = state.memo.clone();
        Ok(ctx)
    }

    pub fn is_engineer(&self) -> bool {
        self.user.role.is_engineer()
    }

    /// The base layout for a page, taking the pending flash message.
    pub fn layout(&self, title: impl Into<String>, section: &'static str) -> Layout {
        Layout {
            title: title.into(),
            user: Some(NavUser { unread: self.unread, ..NavUser::from(&self.user) }),
            csrf: self.csrf.clone(),
            flash: self.channel.take_flash(),
            section,
        }
    }

    pub fn flash(&self, text: impl Into<String>) {
        self.channel.set_flash(Flash::success(text));
    }

    pub fn require_engineer(&self) -> Result<(), AppError> {
        if self.is_engineer() { Ok(()) } else { Err(AppError::Forbidden("This page is for engineers.".into())) }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.user.role.is_admin() { Ok(()) } else { Err(AppError::Forbidden("This page is for admins.".into())) }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let channel = req.extensions().get::<CookieChannel>().cloned().unwrap_or_default();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let next = req.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
            let sign_in = || AppError::SignInRequired { next: next.clone() };
            let user_id = match session.get::<i64>(USER_ID_KEY) {
                Ok(Some(id)) => UserId(id),
                _ => return Err(sign_in()),
            };
            // Read with the session, in its trip to the database; else (a session started in
            // this request) now.
            let loaded = session.get::<LoadedUser>(LOADED_USER_KEY).ok().flatten().filter(|l| l.user.id == user_id);
            let user = match loaded {
                Some(LoadedUser { user, unread }) => Some((user, unread)),
                None => state.db(move |conn| Ok(app::auth::signed_in_user(conn, user_id)?)).await?,
            };
            match user {
                Some((user, unread)) if !user.disabled => {
                    let csrf = csrf_token(&session)?;
                    let nav = NavUser { unread, ..NavUser::from(&user) };
                    req.extensions_mut().insert(super::error::SignedInNav { user: nav, csrf: csrf.clone() });
                    Ok(CurrentUser { user, session, csrf, channel, unread })
                }
                _ => {
                    session.purge();
                    Err(sign_in())
                }
            }
        })
    }
}

/// Finds the fields whose percent-decoded value is not valid UTF-8; `serde_urlencoded` would
/// silently replace those bytes, and the person would never learn their text was changed.
fn fields_with_invalid_utf8(body: &[u8]) -> Vec<String> {
    body.split(|b| *b == b'&')
        .filter_map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            let decode = |raw: &[u8]| {
                let spaced: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
                percent_encoding::percent_decode(&spaced).collect::<Vec<u8>>()
            };
            let name_text = String::from_utf8(decode(name));
            let value_ok = std::str::from_utf8(&decode(value)).is_ok();
            match name_text {
                Ok(_) if value_ok => None,
                Ok(name) => Some(name),
                Err(_) => Some("(field name)".into()),
            }
        })
        .collect()
}

/// A URL-encoded form whose `csrf_token` matched the session's token (or, for someone not
/// signed in, the token of their CSRF cookie). Anything else is refused with 403 before the
/// handler runs, so nothing changes.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let channel = req.extensions().get::<CookieChannel>().cloned().unwrap_or_default();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::TooLarge,
                _ => AppError::BadRequest("The form could not be read.".into()),
            })?;
            #[derive(serde::Deserialize)]
            struct Token {
                csrf_token: Option<String>,
            }
            let sent = serde_urlencoded::from_bytes::<Token>(&body).ok().and_then(|t| t.csrf_token);
            let expected = session.get::<String>(CSRF_KEY).ok().flatten().or_else(|| channel.sent_csrf());
            match (sent, expected) {
                (Some(sent), Some(expected)) if secrets_match(&sent, &expected) => {}
                _ => return Err(AppError::Csrf),
            }
            let bad = fields_with_invalid_utf8(&body);
            if !bad.is_empty() {
                return Err(AppError::BadRequest(format!(
                    "These fields are not valid UTF-8 text: {}. Nothing was saved.",
                    bad.join(", ")
                )));
            }
            serde_urlencoded::from_bytes::<T>(&body)
                .map(CsrfForm)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fields_with_invalid_utf8;

    #[test]
    fn invalid_utf8_fields_are_named() {
        assert!(fields_with_invalid_utf8(b"title=Hello+w%C3%B6rld&x=").is_empty());
        assert_eq!(fields_with_invalid_utf8(b"title=%FF%FE&note=ok"), vec!["title".to_string()]);
    }
}
