//! actix-session storage in the application database, so sessions are server-side, shared by
//! every instance, and end on the server at logout or when a user is disabled.

use crate::app::{self, DbConnection, Pool, auth::session};
use crate::auth::random_token;
use crate::domain::Clock;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;

type SessionState = HashMap<String, String>;

/// The session key of the signed-in user inside the session state.
pub const USER_ID_KEY: &str = "uid";

/// The signed-in person as the session's load read them, in the same trip to the database, so
/// the `CurrentUser` extractor needs no trip of its own. Only in memory for one request: saving
/// a session drops it.
pub const LOADED_USER_KEY: &str = "uid.loaded";

/// What [`LOADED_USER_KEY`] holds.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct LoadedUser {
    pub user: app::User,
    /// Unread items in the person's inbox.
    pub unread: i64,
}

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    clock: Arc<dyn Clock>,
    idle: Duration,
    absolute: Duration,
}

impl DbSessionStore {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>, idle: Duration, absolute: Duration) -> Self {
        Self { pool, clock, idle, absolute }
    }

    async fn run<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, chrono::DateTime<chrono::Utc>) -> Result<T, app::Error> + Send + 'static,
    {
        let pool = self.pool.clone();
        let now = self.clock.now();
        let blocking = actix_web::web::block(move || {
            let mut conn = pool.get()?;
            Ok::<T, anyhow::Error>(work(&mut conn, now)?)
        });
        // The same deadline as every other database call: a frozen server gets a 503.
        match actix_web::rt::time::timeout(super::DB_DEADLINE, blocking).await {
            Ok(outcome) => outcome?,
            Err(_) => Err(anyhow::anyhow!("the session store did not answer in time")),
        }
    }
}

fn user_id(state: &SessionState) -> Option<i64> {
    state.get(USER_ID_KEY).and_then(|raw| serde_json::from_str(raw).ok())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key = session_key.as_ref().to_owned();
        let (idle, absolute) = (self.idle, self.absolute);
        let record = self
            .run(move |conn, now| {
                let Some(stored) = session::load(conn, &key, now, idle, absolute)? else { return Ok(None) };
                // A state that does not read is refused below, with the loading error.
                let state = serde_json::from_str::<SessionState>(&stored.state);
                let user = match state.as_ref().ok().and_then(user_id) {
                    // The row names the person its state names (both are saved together).
                    Some(id) if stored.person.as_ref().is_some_and(|(user, _)| user.id.0 == id) => stored.person,
                    Some(id) => app::auth::signed_in_user(conn, crate::domain::UserId(id))?,
                    None => None,
                };
                Ok(Some((state, user)))
            })
            .await
            .map_err(LoadError::Other)?;
        let Some((state, user)) = record else { return Ok(None) };
        let mut state = state.map_err(|e| LoadError::Deserialization(e.into()))?;
        // Only ever what this load read (saving drops the key, so a stored state never has it).
        state.remove(LOADED_USER_KEY);
        if let Some((user, unread)) = user {
            let loaded = serde_json::to_string(&LoadedUser { user, unread })
                .map_err(|e| LoadError::Deserialization(e.into()))?;
            state.insert(LOADED_USER_KEY.to_owned(), loaded);
        }
        Ok(Some(state))
    }

    async fn save(&self, mut session_state: SessionState, _ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        session_state.remove(LOADED_USER_KEY);
        let state = serde_json::to_string(&session_state).map_err(|e| SaveError::Serialization(e.into()))?;
        let user = user_id(&session_state);
        let key = random_token(64);
        let idle = self.idle;
        let stored = key.clone();
        self.run(move |conn, now| session::start(conn, &stored, user, &state, now, idle))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut session_state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        session_state.remove(LOADED_USER_KEY);
        let state = serde_json::to_string(&session_state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let user = user_id(&session_state);
        let key = session_key.as_ref().to_owned();
        let idle = self.idle;
        let still_there = self
            .run(move |conn, now| session::save(conn, &key, user, &state, now, idle))
            .await
            .map_err(UpdateError::Other)?;
        if still_there {
            Ok(session_key)
        } else {
            // Expired or ended meanwhile: start a fresh session rather than resurrect the old key.
            self.save(session_state, ttl).await.map_err(|e| UpdateError::Other(e.into()))
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, _ttl: &CookieDuration) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        let idle = self.idle;
        self.run(move |conn, now| session::touch(conn, &key, now, idle)).await
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        self.run(move |conn, _| session::end(conn, &key)).await
    }
}
