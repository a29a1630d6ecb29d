//! Row types and their conversion into domain values.

use super::corrupt;
use super::schema::*;
use crate::domain::{CategoryId, EventKind, RequestId, Role, ServiceId, State, Tier, Urgency, UserId};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Times are stored to the microsecond, the finest both backends keep, so a history copied
/// between them stays identical.
pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub created_at: NaiveDateTime,
    pub calendar_token: Option<String>,
    pub time_zone: Option<String>,
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// The zone the person reads times in; the team's when unset.
    pub time_zone: Option<chrono_tz::Tz>,
}

impl TryFrom<UserRow> for User {
    type Error = DieselError;

    fn try_from(row: UserRow) -> Result<Self, DieselError> {
        Ok(User {
            id: UserId(row.id),
            role: Role::parse(&row.role).map_err(|_| corrupt("role", &row.role))?,
            email: row.email,
            name: row.name,
            disabled: row.disabled,
            created_at: utc(row.created_at),
            // An unknown zone (from an older chrono-tz) falls back to the team's.
            time_zone: row.time_zone.and_then(|z| z.parse().ok()),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
#[diesel(treat_none_as_default_value = false)]
pub struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub tier: String,
    pub description: String,
    pub archived: bool,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    pub tier: Tier,
    pub description: String,
    pub archived: bool,
}

impl TryFrom<ServiceRow> for Service {
    type Error = DieselError;

    fn try_from(row: ServiceRow) -> Result<Self, DieselError> {
        Ok(Service {
            id: ServiceId(row.id),
            tier: Tier::parse(&row.tier).map_err(|_| corrupt("tier", &row.tier))?,
            name: row.name,
            description: row.description,
            archived: row.archived,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
#[diesel(treat_none_as_default_value = false)]
pub struct CategoryRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub archived: bool,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub description: String,
    pub archived: bool,
}

impl From<CategoryRow> for Category {
    fn from(row: CategoryRow) -> Self {
        Category { id: CategoryId(row.id), name: row.name, description: row.description, archived: row.archived }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
#[diesel(treat_none_as_default_value = false)]
pub struct RequestRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub category_id: i64,
    pub service_id: Option<i64>,
    pub urgency: String,
    pub state: String,
    pub requester_id: i64,
    pub owner_id: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub tier_rank: i32,
    pub urgency_rank: i32,
    pub version: i32,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = super::timestamps::MaybeStamp)]
    pub closed_at: Option<NaiveDateTime>,
    /// Who performed the final close, while the request is closed.
    pub closed_by: Option<i64>,
    // The moments the metrics need (see `domain::metrics::RequestSummary`).
    #[diesel(deserialize_as = super::timestamps::MaybeStamp)]
    pub first_response_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::timestamps::MaybeStamp)]
    pub first_triage_at: Option<NaiveDateTime>,
    pub first_triage_goalkeeper: Option<i64>,
    pub close_goalkeeper: Option<i64>,
    pub routed: bool,
    pub reopened: bool,
    /// The requester kept it from being read by others as an answer.
    pub private: bool,
    pub good_answer_by: Option<i64>,
    #[diesel(deserialize_as = super::timestamps::MaybeStamp)]
    pub good_answer_at: Option<NaiveDateTime>,
    /// The service tier when it was filed (`Tier::as_str`), for the week's intake.
    pub filed_tier: Option<String>,
}

/// A request as stored, with typed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: RequestId,
    pub title: String,
    pub description: String,
    pub category: CategoryId,
    pub service: Option<ServiceId>,
    pub urgency: Urgency,
    pub state: State,
    pub requester: UserId,
    pub owner: Option<UserId>,
    pub duplicate_of: Option<RequestId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub private: bool,
    /// The engineer who marked the resolution as a good answer, and when.
    pub good_answer: Option<(UserId, DateTime<Utc>)>,
}

impl Request {
    /// Whether everyone may read it as an answer.
    pub fn is_answer(&self) -> bool {
        crate::domain::knowledge::is_answer(self.state, self.private)
    }

    pub fn access(&self, actor: crate::domain::Actor) -> crate::domain::knowledge::Access {
        crate::domain::knowledge::access(&self.facts(), self.private, actor)
    }

    pub fn facts(&self) -> crate::domain::RequestFacts {
        crate::domain::RequestFacts {
            id: self.id,
            state: self.state,
            owner: self.owner,
            requester: self.requester,
            closed_at: self.closed_at,
        }
    }
}

impl TryFrom<RequestRow> for Request {
    type Error = DieselError;

    fn try_from(row: RequestRow) -> Result<Self, DieselError> {
        Ok(Request {
            id: RequestId(row.id),
            urgency: Urgency::parse(&row.urgency).map_err(|_| corrupt("urgency", &row.urgency))?,
            state: State::parse(&row.state).map_err(|_| corrupt("state", &row.state))?,
            title: row.title,
            description: row.description,
            category: CategoryId(row.category_id),
            service: row.service_id.map(ServiceId),
            requester: UserId(row.requester_id),
            owner: row.owner_id.map(UserId),
            duplicate_of: row.duplicate_of.map(RequestId),
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            closed_at: row.closed_at.map(utc),
            private: row.private,
            good_answer: row.good_answer_by.zip(row.good_answer_at).map(|(by, at)| (UserId(by), utc(at))),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = requests)]
// None is written as NULL (the columns' default) rather than as `DEFAULT`: the statement's text
// stays the same, so it is prepared once per connection.
#[diesel(treat_none_as_default_value = false)]
pub struct NewRequestRow<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub category_id: i64,
    pub service_id: Option<i64>,
    pub urgency: &'a str,
    pub state: &'a str,
    pub requester_id: i64,
    pub tier_rank: i32,
    pub urgency_rank: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub private: bool,
    pub filed_tier: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_default_value = false)]
pub struct EventRow {
    pub id: i64,
    pub request_id: i64,
    pub actor_id: i64,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub at: NaiveDateTime,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub owner_id: Option<i64>,
    pub target_id: Option<i64>,
    pub related_request_id: Option<i64>,
    pub note: Option<String>,
    pub request_version: i32,
    pub goalkeeper_id: Option<i64>,
    pub actor_role: String,
}

/// One immutable entry in a request's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: crate::domain::EventId,
    pub request: RequestId,
    pub actor: UserId,
    /// The actor's role when the event happened.
    pub actor_role: Role,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: State,
    pub owner: Option<UserId>,
    pub target: Option<UserId>,
    pub related: Option<RequestId>,
    pub note: Option<String>,
    pub request_version: i32,
    /// Who was goalkeeper at that moment.
    pub goalkeeper: Option<UserId>,
}

impl TryFrom<EventRow> for Event {
    type Error = DieselError;

    fn try_from(row: EventRow) -> Result<Self, DieselError> {
        let state = |raw: &str| State::parse(raw).map_err(|_| corrupt("state", raw));
        Ok(Event {
            id: crate::domain::EventId(row.id),
            request: RequestId(row.request_id),
            actor: UserId(row.actor_id),
            actor_role: Role::parse(&row.actor_role).map_err(|_| corrupt("role", &row.actor_role))?,
            at: utc(row.at),
            kind: EventKind::parse(&row.kind).map_err(|_| corrupt("event kind", &row.kind))?,
            from_state: row.from_state.as_deref().map(state).transpose()?,
            to_state: state(&row.to_state)?,
            owner: row.owner_id.map(UserId),
            target: row.target_id.map(UserId),
            related: row.related_request_id.map(RequestId),
            note: row.note,
            request_version: row.request_version,
            goalkeeper: row.goalkeeper_id.map(UserId),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
// None is written as NULL (the columns' default) rather than as `DEFAULT`: the statement's text
// stays the same, so it is prepared once per connection.
#[diesel(treat_none_as_default_value = false)]
pub struct NewEventRow<'a> {
    pub request_id: i64,
    pub actor_id: i64,
    pub at: NaiveDateTime,
    pub kind: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub owner_id: Option<i64>,
    pub target_id: Option<i64>,
    pub related_request_id: Option<i64>,
    pub note: Option<&'a str>,
    pub request_version: i32,
    pub goalkeeper_id: Option<i64>,
    pub actor_role: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deflections)]
#[diesel(treat_none_as_default_value = false)]
pub struct DeflectionRow {
    pub id: i64,
    pub requester_id: i64,
    pub answer_id: i64,
    pub title: String,
    pub category_id: Option<i64>,
    pub idempotency_key: Option<String>,
    #[diesel(deserialize_as = super::timestamps::Stamp)]
    pub at: NaiveDateTime,
    pub goalkeeper_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = deflections)]
pub struct NewDeflectionRow<'a> {
    pub requester_id: i64,
    pub answer_id: i64,
    pub title: &'a str,
    pub category_id: Option<i64>,
    pub idempotency_key: Option<&'a str>,
    pub at: NaiveDateTime,
    pub goalkeeper_id: Option<i64>,
}
