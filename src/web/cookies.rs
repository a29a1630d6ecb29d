//! What a page hands to the next one without touching the session row: the one-time flash
//! message, and the CSRF token of forms shown to people who are not signed in. Reading a page
//! therefore never writes the session store, and a failed session write can never turn a saved
//! change into an error page.

use super::view::Flash;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::cell::RefCell;
use std::future::{Ready, ready};
use std::rc::Rc;

pub const FLASH_COOKIE: &str = "goalkeeper_flash";
pub const CSRF_COOKIE: &str = "goalkeeper_csrf";
/// Marks a browser that signed in to an account before: failed guesses from elsewhere never
/// throttle it (see `pages::auth`).
pub const DEVICE_COOKIE: &str = "goalkeeper_device";

/// The key cookies are encrypted with (the session cookie's), and whether they are `Secure`.
#[derive(Clone)]
pub struct CookieSettings {
    pub key: Key,
    pub secure: bool,
}

#[derive(Default)]
struct Channel {
    flash_in: Option<Flash>,
    flash_taken: bool,
    flash_out: Option<Flash>,
    csrf_in: Option<String>,
    csrf_out: Option<String>,
    /// (account e-mail, device id)
    device_in: Option<(String, String)>,
    device_out: Option<(String, String)>,
}

/// This request's view of the side channel; handlers reach it as an extractor.
#[derive(Clone, Default)]
pub struct CookieChannel(Rc<RefCell<Channel>>);

impl CookieChannel {
    /// The flash message the previous page left, once.
    pub fn take_flash(&self) -> Option<Flash> {
        let mut channel = self.0.borrow_mut();
        channel.flash_taken = true;
        channel.flash_in.take()
    }

    /// A message for the next page.
    pub fn set_flash(&self, flash: Flash) {
        self.0.borrow_mut().flash_out = Some(flash);
    }

    /// The CSRF token of a form shown to someone not signed in: kept in a cookie of its own
    /// and sent back with the form (double submit), created on first use.
    pub fn anonymous_csrf(&self) -> String {
        let mut channel = self.0.borrow_mut();
        if let Some(token) = channel.csrf_in.clone().or_else(|| channel.csrf_out.clone()) {
            return token;
        }
        let token = crate::auth::random_token(43);
        channel.csrf_out = Some(token.clone());
        token
    }

    /// The device id this browser holds for the account with this e-mail, if any.
    pub fn device_for(&self, email: &str) -> Option<String> {
        self.0.borrow().device_in.as_ref().filter(|(known, _)| known == email).map(|(_, id)| id.clone())
    }

    /// Remembers this browser as one that signed in to the account.
    pub fn remember_device(&self, email: &str) {
        let mut channel = self.0.borrow_mut();
        let id = match &channel.device_in {
            Some((known, id)) if known == email => id.clone(),
            _ => crate::auth::random_token(22),
        };
        channel.device_out = Some((email.to_owned(), id));
    }

    /// The anonymous CSRF token this browser sent.
    pub fn sent_csrf(&self) -> Option<String> {
        self.0.borrow().csrf_in.clone()
    }
}

impl FromRequest for CookieChannel {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(req.extensions().get::<CookieChannel>().cloned().unwrap_or_default()))
    }
}

fn base<'c>(name: &'c str, value: String, secure: bool) -> Cookie<'c> {
    Cookie::build(name, value).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).finish()
}

/// Middleware: reads both cookies into the channel, and writes what the handler left there.
pub async fn cookie_channel(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(settings) = req.app_data::<web::Data<CookieSettings>>().cloned() else {
        return next.call(req).await;
    };
    let mut jar = CookieJar::new();
    for name in [FLASH_COOKIE, CSRF_COOKIE, DEVICE_COOKIE] {
        if let Some(cookie) = req.cookie(name) {
            jar.add_original(cookie.into_owned());
        }
    }
    let private = jar.private(&settings.key);
    let flash_in = private.get(FLASH_COOKIE).and_then(|c| serde_json::from_str::<Flash>(c.value()).ok());
    let csrf_in = private.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32);
    let device_in = private
        .get(DEVICE_COOKIE)
        .and_then(|c| c.value().split_once('|').map(|(email, id)| (email.to_owned(), id.to_owned())));
    let had_flash = req.cookie(FLASH_COOKIE).is_some();
    let channel = CookieChannel(Rc::new(RefCell::new(Channel { flash_in, csrf_in, device_in, ..Channel::default() })));
    req.extensions_mut().insert(channel.clone());

    let mut response = next.call(req).await?;
    let state = std::mem::take(&mut *channel.0.borrow_mut());
    let mut out = CookieJar::new();
    if let Some(flash) = state.flash_out {
        if let Ok(text) = serde_json::to_string(&flash) {
            let mut cookie = base(FLASH_COOKIE, text, settings.secure);
            cookie.set_max_age(CookieDuration::minutes(5));
            out.private_mut(&settings.key).add(cookie);
        }
    } else if had_flash && state.flash_taken {
        let mut gone = base(FLASH_COOKIE, String::new(), settings.secure);
        gone.make_removal();
        out.add(gone);
    }
    if let Some(token) = state.csrf_out {
        let mut cookie = base(CSRF_COOKIE, token, settings.secure);
        cookie.set_same_site(SameSite::Strict);
        out.private_mut(&settings.key).add(cookie);
    }
    if let Some((email, id)) = state.device_out {
        let mut cookie = base(DEVICE_COOKIE, format!("{email}|{id}"), settings.secure);
        cookie.set_max_age(CookieDuration::days(365));
        out.private_mut(&settings.key).add(cookie);
    }
    for cookie in out.delta() {
        response.response_mut().add_cookie(cookie)?;
    }
    Ok(response)
}
