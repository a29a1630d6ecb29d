//! Signing in (with its throttle), the signed-in person, and the server-side sessions behind
//! the session cookie.

use super::Error;
use crate::db::models::User;
use crate::db::users::{self, RecentFailures};
use crate::db::{DbConnection, sessions, write_transaction};
use crate::domain::UserId;
use chrono::{DateTime, Duration, Utc};

/// How long a failed sign-in keeps counting.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one account from one client (a device, or an address without the account's
/// device cookie) before each further try waits: 2 s, 4 s, 8 s … up to the window.
const FREE_FAILURES: i64 = 2;
/// Failures for one account from all clients without its device cookie before those clients
/// are refused for the window (guessing from many addresses). The owner's device still gets in.
const MAX_FAILURES_UNKNOWN_CLIENTS: i64 = 50;
/// Failures from one address, any account, before clients there without a device cookie are
/// refused for the window (one address guessing many accounts). Devices that signed in before
/// still get in, so colleagues behind the same proxy are not locked out.
const MAX_FAILURES_PER_ADDRESS: i64 = 100;

/// How long this client must wait before trying this account again, if at all.
fn throttle(failures: &RecentFailures, known_device: bool, now: DateTime<Utc>) -> Option<Duration> {
    if !known_device
        && (failures.account_unknown_clients >= MAX_FAILURES_UNKNOWN_CLIENTS
            || failures.address >= MAX_FAILURES_PER_ADDRESS)
    {
        return Some(THROTTLE_WINDOW);
    }
    let over = failures.pair - FREE_FAILURES;
    if over <= 0 {
        return None;
    }
    let delay = Duration::seconds(1i64 << over.min(10)).min(THROTTLE_WINDOW);
    let wait_until = failures.pair_last? + delay;
    (wait_until > now).then(|| wait_until - now)
}

/// Who tries to sign in, from where.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Lower-cased.
    pub email: String,
    /// `device:<id>` when the browser has the account's device cookie, else `ip:<address>`.
    pub client: String,
    /// `ip:<address>`.
    pub address: String,
    pub known_device: bool,
}

/// The first half of a sign-in: must this client wait, and the account with its password hash
/// (checked by the caller off the database threads).
pub enum Gate {
    Wait(Duration),
    Check(Option<(User, String)>),
}

pub fn sign_in_gate(conn: &mut DbConnection, now: DateTime<Utc>, attempt: &Attempt) -> Result<Gate, Error> {
    let failures =
        users::recent_login_failures(conn, &attempt.email, &attempt.client, &attempt.address, now - THROTTLE_WINDOW)?;
    Ok(match throttle(&failures, attempt.known_device, now) {
        Some(wait) => Gate::Wait(wait),
        None => Gate::Check(users::by_email(conn, &attempt.email)?),
    })
}

pub enum Outcome {
    SignedIn(UserId),
    Refused,
    Disabled,
}

/// The second half: records the failure, or clears this client's failures on success.
pub fn settle_sign_in(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    attempt: &Attempt,
    user: Option<User>,
    password_matches: bool,
) -> Result<Outcome, Error> {
    write_transaction(conn, |conn| match user {
        Some(user) if password_matches && user.disabled => Ok(Outcome::Disabled),
        Some(user) if password_matches => {
            users::clear_login_failures(conn, &attempt.email, &attempt.client, now - THROTTLE_WINDOW)?;
            Ok(Outcome::SignedIn(user.id))
        }
        _ => {
            users::record_login_failure(conn, &attempt.email, &attempt.client, now)?;
            Ok(Outcome::Refused)
        }
    })
}

/// The person behind a session, if the account still exists, with their unread inbox count.
pub fn signed_in_user(conn: &mut DbConnection, id: UserId) -> Result<Option<(User, i64)>, Error> {
    match users::by_id(conn, id)? {
        Some(user) => Ok(Some((user, crate::db::notify::unread(conn, id.0)?))),
        None => Ok(None),
    }
}

/// The secret the cookies are signed and encrypted with, shared by every instance.
pub fn cookie_secret(conn: &mut DbConnection) -> Result<String, Error> {
    Ok(sessions::setting_or_init(conn, "session_cookie_key", || crate::auth::random_token(128))?)
}

/// Whether the database answers (for the health check).
pub fn ping(conn: &mut DbConnection) -> Result<(), Error> {
    Ok(crate::db::ping(conn)?)
}

/// Server-side sessions: the cookie carries only a random key.
pub mod session {
    use super::*;

    /// A session's idle expiry is pushed forward at most this often, so reading pages does not
    /// write to the database on every request.
    const TOUCH_EVERY: Duration = Duration::minutes(5);

    /// A live session's state, with the person its row names (if that account still exists)
    /// and their unread inbox count; expired sessions (idle or past `absolute` since
    /// creation) are gone.
    pub fn load(
        conn: &mut DbConnection,
        key: &str,
        now: DateTime<Utc>,
        idle: Duration,
        absolute: Duration,
    ) -> Result<Option<sessions::SessionRecord>, Error> {
        let Some(record) = sessions::load_with_user(conn, key, now)? else {
            return Ok(None);
        };
        if record.created_at + absolute <= now {
            sessions::delete(conn, key)?;
            return Ok(None);
        }
        if record.expires_at - now < idle - TOUCH_EVERY {
            sessions::touch(conn, key, now + idle)?;
        }
        Ok(Some(record))
    }

    pub fn start(
        conn: &mut DbConnection,
        key: &str,
        user: Option<i64>,
        state: &str,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<(), Error> {
        Ok(sessions::insert(conn, key, user, state, now, now + idle)?)
    }

    /// Whether the session was still there to update.
    pub fn save(
        conn: &mut DbConnection,
        key: &str,
        user: Option<i64>,
        state: &str,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<bool, Error> {
        Ok(sessions::update(conn, key, user, state, now + idle)?)
    }

    pub fn touch(conn: &mut DbConnection, key: &str, now: DateTime<Utc>, idle: Duration) -> Result<(), Error> {
        Ok(sessions::touch(conn, key, now + idle)?)
    }

    pub fn end(conn: &mut DbConnection, key: &str) -> Result<(), Error> {
        Ok(sessions::delete(conn, key)?)
    }
}

/// The actor's stored password hash, to check their current password against (off the
/// database threads).
pub fn password_hash(conn: &mut DbConnection, ctx: &super::Context) -> Result<String, Error> {
    let user = users::by_id(conn, ctx.actor.id)?.ok_or(Error::NotFound)?;
    let (_, hash) = users::by_email(conn, &user.email)?.ok_or(Error::NotFound)?;
    Ok(hash)
}

/// Stores a new password (already checked and hashed) and ends every session of the person;
/// the caller starts a fresh one for the browser that changed it.
pub fn change_password(conn: &mut DbConnection, ctx: &super::Context, new_hash: &str) -> Result<(), Error> {
    Ok(users::set_password(conn, ctx.actor.id, new_hash)?)
}
