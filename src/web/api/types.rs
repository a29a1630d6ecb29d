//! What the API reads and writes, described for the OpenAPI document by the same types.

use crate::app::names::Directory;
use crate::app::{Event, Request};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// `new`, `in_progress`, `waiting`, `resolved` or `rejected`.
    pub state: String,
    /// `low`, `normal` or `high`.
    pub urgency: String,
    pub category_id: i64,
    pub category: Option<String>,
    pub service_id: Option<i64>,
    pub service: Option<String>,
    /// `critical`, `important` or `can_wait`; none without a service.
    pub tier: Option<String>,
    pub requester_id: i64,
    pub requester: Option<String>,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    /// The original, for a request closed as a duplicate.
    pub duplicate_of: Option<i64>,
    /// Send it back as `If-Match` with an action.
    pub version: i32,
    pub private: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The final close, for a request that is closed now.
    pub closed_at: Option<DateTime<Utc>>,
}

impl RequestOut {
    /// Without names (where none were looked up).
    pub fn plain(r: &Request) -> Self {
        RequestOut {
            id: r.id.0,
            title: r.title.clone(),
            description: r.description.clone(),
            state: r.state.as_str().to_owned(),
            urgency: r.urgency.as_str().to_owned(),
            category_id: r.category.0,
            category: None,
            service_id: r.service.map(|s| s.0),
            service: None,
            tier: None,
            requester_id: r.requester.0,
            requester: None,
            owner_id: r.owner.map(|o| o.0),
            owner: None,
            duplicate_of: r.duplicate_of.map(|d| d.0),
            version: r.version,
            private: r.private,
            created_at: r.created_at,
            updated_at: r.updated_at,
            closed_at: r.closed_at,
        }
    }

    pub fn named(r: &Request, names: &Directory) -> Self {
        let (service, tier) = names.service(r.service);
        RequestOut {
            category: Some(names.category(r.category)),
            service: r.service.map(|_| service),
            tier: tier.map(|t| t.as_str().to_owned()),
            requester: Some(names.user(Some(r.requester))),
            owner: r.owner.map(|o| names.user(Some(o))),
            ..RequestOut::plain(r)
        }
    }
}

/// One entry of a request's history. Requesters never see consults or internal notes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `filed`, `taken`, `routed`, `consulted`, `commented`, `waiting`, `resumed`, `resolved`,
    /// `rejected`, `reopened` or `edited`.
    pub kind: String,
    pub actor_id: i64,
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub owner_id: Option<i64>,
    /// The engineer routed to or consulted.
    pub target_id: Option<i64>,
    pub related_request_id: Option<i64>,
    pub note: Option<String>,
}

impl EventOut {
    pub fn new(e: &Event, names: &Directory) -> Self {
        EventOut {
            id: e.id.0,
            at: e.at,
            kind: e.kind.as_str().to_owned(),
            actor_id: e.actor.0,
            actor: names.user(Some(e.actor)),
            from_state: e.from_state.map(|s| s.as_str().to_owned()),
            to_state: e.to_state.as_str().to_owned(),
            owner_id: e.owner.map(|o| o.0),
            target_id: e.target.map(|t| t.0),
            related_request_id: e.related.map(|r| r.0),
            note: e.note.clone(),
        }
    }
}

/// A request with the history its reader may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestWithHistory {
    pub request: RequestOut,
    pub history: Vec<EventOut>,
    /// The files on it the holder may see.
    pub attachments: Vec<AttachmentOut>,
}

/// A file on a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub request_id: i64,
    pub file_name: String,
    /// Sniffed from the content when it was uploaded.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// For engineers only.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
    /// Where to download it (with the same token).
    pub url: String,
}

impl AttachmentOut {
    pub fn new(a: &crate::app::attachments::Attachment) -> Self {
        AttachmentOut {
            id: a.id,
            request_id: a.request.0,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            internal: a.internal,
            created_at: a.created_at,
            url: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

/// Files to attach, as `multipart/form-data`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes the multipart body for the OpenAPI document only.
pub struct AttachmentUpload {
    /// One or more files (repeat the part).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<Vec<u8>>,
    /// Engineers only: keep the files for engineers (`true`).
    pub internal: Option<bool>,
}

/// A page of requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestOut>,
    /// Pass as `cursor` for the next page; none on the last page.
    pub next_cursor: Option<i64>,
}

/// Filters and paging for the list of requests.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Comma-separated states, like `new,in_progress` (default: every state).
    #[param(pattern = "^(new|in_progress|waiting|resolved|rejected)(,(new|in_progress|waiting|resolved|rejected))*$")]
    pub state: Option<String>,
    #[param(minimum = 1)]
    pub category_id: Option<i64>,
    #[param(minimum = 1)]
    pub service_id: Option<i64>,
    /// `me`, `nobody`, or a person's id.
    #[param(pattern = "^(me|nobody|[1-9][0-9]{0,17})$")]
    pub owner: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(minimum = 1)]
    pub cursor: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A request to file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestIn {
    /// One line, up to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// Up to 20,000 characters, several lines.
    #[schema(min_length = 1, max_length = 20000, pattern = "\\S")]
    pub description: String,
    #[schema(minimum = 1)]
    pub category_id: i64,
    #[schema(minimum = 1)]
    pub service_id: Option<i64>,
    /// `low`, `normal` (default) or `high`.
    #[schema(pattern = "^(low|normal|high)$")]
    pub urgency: Option<String>,
    /// Keep it from being read by others as an answer once resolved.
    pub private: Option<bool>,
}

/// The arguments of a triage action; which are needed depends on the action.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    /// Required for consult, wait, comment, resolve, reject and reopen.
    #[schema(max_length = 10000)]
    pub note: Option<String>,
    /// The engineer to route to (route).
    pub to: Option<i64>,
    /// The engineer to consult (consult).
    pub with: Option<i64>,
    /// The original request (duplicate).
    pub of: Option<i64>,
}

/// The fields an engineer corrects; the ones left out keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestEditIn {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub description: Option<String>,
    pub category_id: Option<i64>,
    /// A service's id, or null for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub service_id: Option<Option<i64>>,
    /// `low`, `normal` or `high`.
    pub urgency: Option<String>,
}

/// A field that is present (even as null) is `Some`; only a missing one is `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `not_found`, `invalid`, `required`,
    /// `version_conflict`, `rate_limited`, …
    pub code: String,
    /// The field concerned, if one is.
    pub field: Option<String>,
    /// For people.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorOut {
    pub error: ErrorDetail,
    /// On a version conflict: the request as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<RequestOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceOut {
    pub id: i64,
    pub name: String,
    /// `critical`, `important` or `can_wait`.
    pub tier: String,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    pub id: i64,
    pub name: String,
    /// `requester`, `engineer` or `admin`.
    pub role: String,
}

/// The token's holder.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    /// What this token may do: `read` or `write`.
    pub scope: String,
}

/// A search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitOut {
    pub request: RequestOut,
    /// The matching words in context, as plain text.
    pub snippet: String,
    /// Someone else's resolved, public request: read it at `/answers/{id}`.
    pub answer: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    pub items: Vec<SearchHitOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find (all of them must match).
    #[param(max_length = 200)]
    pub q: String,
    /// 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// A stretch of goalkeeper duty.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftOut {
    pub engineer_id: i64,
    pub engineer: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Whom the rotation had scheduled, when someone covers for them.
    pub covering_for: Option<i64>,
}

/// Who keeps goal now, next, and the 12 weeks ahead.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotationOut {
    pub now: Option<ShiftOut>,
    pub next: Option<ShiftOut>,
    pub ahead: Vec<ShiftOut>,
}

/// The weekly handover report: the same figures as the report page and its Markdown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct WeeklyReportOut(pub serde_json::Value);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// From 1 (default 1); 50 requests a page.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1)]
    pub category_id: Option<i64>,
    #[param(minimum = 1)]
    pub service_id: Option<i64>,
    /// `me`, `nobody`, or a person's id.
    #[param(pattern = "^(me|nobody|[1-9][0-9]{0,17})$")]
    pub owner: Option<String>,
}

/// A page of the triage queue, most urgent first.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOut {
    pub items: Vec<RequestOut>,
    pub page: i64,
    /// How many requests the queue holds in all (with these filters).
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First day, YYYY-MM-DD in the team's time zone (default: 12 weeks ago).
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<String>,
    /// Last day, included (default: today).
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<String>,
    /// `csv` (default) or `json` (requests and events only).
    #[param(pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the person is about to ask, like a request's title.
    #[param(max_length = 200)]
    pub q: String,
    /// 1 to 10 (default 5).
    #[param(minimum = 1, maximum = 10)]
    pub limit: Option<i64>,
}

/// An existing answer that may solve a problem before it is filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionOut {
    pub id: i64,
    /// Where a person reads it.
    pub url: String,
    pub title: String,
    pub category: String,
    /// The start of the resolution.
    pub resolution: String,
    /// An engineer vouched for it.
    pub good: bool,
    /// How many people it solved a problem for before they filed it.
    pub helped: i64,
}

/// How many weeks of insights to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// From 1 to 52 (default 12), ending with the current week.
    #[param(minimum = 1, maximum = 52)]
    pub weeks: Option<usize>,
}

/// One week's figures: lead time, time to triage and first response (p50/p90, calendar and
/// office seconds), intake by category and tier, how requests closed, shield, reopen and
/// deflection rates, routed load by engineer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekFiguresOut {
    /// An ISO week, like `2026-W48`.
    pub week: String,
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
}

/// Knowledge concentration of one category over the last 12 weeks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConcentrationOut {
    pub category_id: i64,
    pub category: String,
    pub resolved: usize,
    /// Engineer id (as text) → resolved requests they handled.
    pub by_engineer: std::collections::BTreeMap<String, usize>,
    pub top_handler_id: Option<i64>,
    pub top_share: Option<f64>,
    pub bus_factor: Option<usize>,
    pub normalized_entropy: Option<f64>,
    pub silo: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsightsOut {
    /// Oldest first, ending with the current week.
    pub weeks: Vec<WeekFiguresOut>,
    pub concentration: Vec<ConcentrationOut>,
    /// Requests filed in those weeks by local hour of the week: 168 counts, Monday 00:00 first.
    pub arrivals_by_hour: Vec<usize>,
}

/// "This solved it": an answer solved a problem before it was filed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeflectionIn {
    /// The title of the draft the answer solved.
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(minimum = 1)]
    pub category_id: Option<i64>,
    /// The draft's `Idempotency-Key`, if it has one: filing the draft later forgets this.
    #[schema(max_length = 100, pattern = "^[A-Za-z0-9_-]+$")]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeflectionOut {
    /// `recorded`, or `already_filed` when the draft was filed as `request_id`.
    pub outcome: String,
    pub request_id: Option<i64>,
}

/// Someone on duty for a while instead of whoever is scheduled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverIn {
    #[schema(minimum = 1)]
    pub engineer_id: i64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[schema(max_length = 10000)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverOut {
    pub engineer_id: i64,
    /// Who was scheduled (or on duty) at the start.
    pub replaces_id: Option<i64>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Two scheduled weeks trade engineers; each is named by an instant inside it (its start, say).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapIn {
    /// The actor's week (an admin: any week).
    pub mine: DateTime<Utc>,
    /// The other engineer's week.
    pub theirs: DateTime<Utc>,
}
