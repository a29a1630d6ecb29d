//! The application core: one function per use case, each with a context (who acts, when, the
//! team's settings) and one transaction where it writes. Pages and the JSON API are adapters
//! over these functions. Errors are data — a stable code and the field concerned — that each
//! adapter turns into its own words.

pub mod admin;
pub mod answers;
pub mod attachments;
pub mod auth;
pub mod catalog;
pub mod exports;
pub mod insights;
pub mod live;
pub mod metrics;
pub mod names;
pub mod notify;
pub mod reports;
pub mod requests;
pub mod rotation;
pub mod search;
pub mod tokens;
pub mod views;

use crate::db::requests::Conflict;

// What the adapters (pages, API, CLI) see of the records and the connection: through here,
// never `db` itself.
pub use crate::db::group_commit::GroupCommit;
pub use crate::db::memo::HistoryMemo;
pub use crate::db::models::{Category, Event, Request, Service, User};
pub use crate::db::requests::{OwnerFilter, QueueFilter};
pub use crate::db::tokens::Scope;
pub use crate::db::{DbConnection, Pool};
use crate::domain::office::TeamSettings;
use crate::domain::{Actor, Invalid, Role, UserId};
use chrono::{DateTime, Utc};

/// Who acts, and when.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub team: TeamSettings,
    /// The zone the actor reads times in, when they chose one; weeks and office hours stay the
    /// team's.
    pub personal_zone: Option<chrono_tz::Tz>,
    /// Figures reused until the next event is written; a server shares one among its requests.
    pub memo: HistoryMemo,
}

impl Context {
    pub fn new(id: UserId, role: Role, now: DateTime<Utc>, team: TeamSettings) -> Self {
        Context { actor: Actor { id, role }, now, team, personal_zone: None, memo: Default::default() }
    }

    /// The zone to show times in: the actor's own, or the team's.
    pub fn reading_zone(&self) -> chrono_tz::Tz {
        self.personal_zone.unwrap_or_else(|| self.team.timezone())
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There is nothing there, or it is not the actor's to see (the two look the same).
    #[error("not found")]
    NotFound,
    /// The actor may not do this; `code` says which rule.
    #[error("forbidden: {code}")]
    Forbidden { code: &'static str },
    /// An argument is wrong: `field` names it, `code` says how; `value` is the value's own
    /// rule it broke, when that is the reason.
    #[error("invalid {field}: {code}")]
    Invalid { code: &'static str, field: &'static str, value: Option<Invalid> },
    /// The request changed since the version the actor saw.
    #[error("the request changed")]
    Conflict(Box<Conflict>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// Something else failed (writing an export, say): a bug or an outage, not a refusal.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(code: &'static str, field: &'static str) -> Self {
        Error::Invalid { code, field, value: None }
    }

    /// A value that broke its own rule (too long, not one of the words, …).
    pub fn value(field: &'static str, why: Invalid) -> Self {
        Error::Invalid { code: why.code(), field, value: Some(why) }
    }

    /// The stable code an API client can act on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Forbidden { code, .. } | Error::Invalid { code, .. } => code,
            Error::Conflict(_) => "version_conflict",
            Error::Db(_) => "database",
            Error::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
