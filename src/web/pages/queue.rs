//! The triage queue: open requests, most urgent first, with filters.

use super::parse_id;
use super::requests::{Choice, PER_PAGE, RequestLine, page_number};
use super::rotation::{DutyLine, duty_line};
use crate::app::{OwnerFilter, QueueFilter};
use crate::domain::{ActionName, CategoryId, EventKind, RequestId, ServiceId, State, UserId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, Pager, When, ok, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct QueueQuery {
    /// A state, or empty for all open states.
    pub state: String,
    pub category: String,
    pub service: String,
    /// Empty for anyone, `me`, `none`, or an engineer's id.
    pub owner: String,
    /// `me`: only what was routed to me.
    pub routed: String,
    /// `me`: only where a teammate asked my advice and I have not answered yet.
    pub consulted: String,
    pub page: Option<String>,
}

impl QueueQuery {
    fn filter(&self, me: UserId) -> QueueFilter {
        QueueFilter {
            states: State::parse(&self.state).map(|s| vec![s]).unwrap_or_default(),
            category: parse_id(&self.category).map(CategoryId),
            service: parse_id(&self.service).map(ServiceId),
            owner: match self.owner.as_str() {
                "me" => OwnerFilter::Person(me),
                "none" => OwnerFilter::Nobody,
                other => parse_id(other).map(|id| OwnerFilter::Person(UserId(id))).unwrap_or_default(),
            },
            requester: None,
            routed_to: (self.routed == "me").then_some(me),
            consulted: (self.consulted == "me").then_some(me),
            ids: None,
        }
    }

    /// This query at another page, for pager links.
    fn link(&self, page: i64) -> String {
        let params = [
            ("state", self.state.as_str()),
            ("category", self.category.as_str()),
            ("service", self.service.as_str()),
            ("owner", self.owner.as_str()),
            ("routed", self.routed.as_str()),
            ("consulted", self.consulted.as_str()),
        ];
        let mut query: Vec<String> = params
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| {
                format!("{name}={}", percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC))
            })
            .collect();
        query.push(format!("page={page}"));
        format!("/queue?{}", query.join("&"))
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    layout: Layout,
    query: QueueQuery,
    lines: Vec<RequestLine>,
    pager: Pager,
    states: Vec<Choice>,
    categories: Vec<Choice>,
    services: Vec<Choice>,
    owners: Vec<Choice>,
    filtered: bool,
    duty: Option<DutyLine>,
    /// The outgoing goalkeeper's notes, in the incoming one's first days: (week, by).
    handover: Option<(String, String)>,
    all_open: i64,
    tabs: Vec<StateTab>,
}

/// A tab over the queue: one open state and how many requests are in it.
pub struct StateTab {
    pub state: &'static str,
    pub label: &'static str,
    pub count: i64,
}

pub async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let query = query.into_inner();
    let filter = query.filter(user.user.id);
    let page = page_number(query.page.as_deref());
    let ctx = user.context(&state).await?;
    let (team, now) = (ctx.team.clone(), ctx.now);
    let handover_ctx = ctx.clone();
    let handover = state
        .db(move |conn| Ok(crate::app::reports::handover_for(conn, &handover_ctx)?))
        .await?
        .map(|h| (h.week.to_string(), h.by));
    let loaded = state
        .db(move |conn| Ok(crate::app::requests::queue_workspace(conn, &ctx, &filter, page, PER_PAGE)))
        .await?
        .map_err(AppError::from)?;
    let crate::app::requests::QueueWorkspace {
        page: found,
        categories,
        services,
        engineers,
        roster,
        counts,
        last_events,
    } = loaded;
    let (requests, total, names) = (found.requests, found.total, found.names);
    let pager = Pager::new(page, PER_PAGE, total, |p| query.link(p));
    if page > pager.pages {
        // Past the end (the queue shrank, or a typed URL): the last page, never "empty".
        return Ok(see_other(&query.link(pager.pages)));
    }
    let tz = team.timezone();
    let people: HashMap<UserId, String> = engineers.iter().map(|e| (e.id, e.name.clone())).collect();
    let duty = duty_line(&roster, &people, user.user.id, now, tz);
    let choice = |value: String, label: String| Choice { value, label };
    let mut owners = vec![choice("me".into(), "Me".into()), choice("none".into(), "Nobody yet".into())];
    owners.extend(engineers.into_iter().map(|e| choice(e.id.to_string(), e.name)));
    let filtered = [&query.state, &query.category, &query.service, &query.owner, &query.routed, &query.consulted]
        .iter()
        .any(|v| !v.is_empty());
    let lines = requests
        .iter()
        .map(|r| {
            let mut line = RequestLine::new(r, &names, now, tz);
            // Only a request still waiting for its first triage decision can be late for it.
            if r.state == State::New {
                let left = team.time_left(names.service(r.service).1, r.created_at, now);
                line.overdue = left < chrono::Duration::zero();
                line.left =
                    (!line.overdue).then(|| format!("{} left", crate::report::duration_text(Some(left.num_seconds()))));
            }
            if let Some(last) = last_events.get(&r.id.0) {
                line.replied = last.actor == r.requester
                    && matches!(last.kind, EventKind::Commented | EventKind::Resumed | EventKind::Reopened);
                line.changed = Some(When::new(last.at, now, tz));
            }
            line
        })
        .collect();
    ok(&QueuePage {
        layout: user.layout("Triage queue", "queue"),
        lines,
        pager,
        states: State::ALL.iter().map(|s| choice(s.as_str().into(), s.label().into())).collect(),
        categories: categories.into_iter().map(|c| choice(c.id.to_string(), c.name)).collect(),
        services: services.into_iter().map(|s| choice(s.id.to_string(), s.name)).collect(),
        owners,
        filtered,
        duty,
        handover,
        all_open: counts.iter().map(|(_, n)| n).sum(),
        tabs: counts.iter().map(|(s, n)| StateTab { state: s.as_str(), label: s.label(), count: *n }).collect(),
        query,
    })
}

/// `POST /queue/bulk`: take, route, reject or close as duplicate several requests at once.
pub async fn bulk(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let one = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let picked: Vec<crate::app::requests::Picked> = fields
        .iter()
        .filter(|(k, _)| k == "pick")
        .filter_map(|(_, v)| {
            let (id, version) = v.split_once(':')?;
            Some(crate::app::requests::Picked { id: RequestId(id.parse().ok()?), version: version.parse().ok()? })
        })
        .collect();
    let name = match one("action").as_str() {
        "take" => ActionName::Take,
        "route" => ActionName::Route,
        "reject" => ActionName::Reject,
        "duplicate" => ActionName::Duplicate,
        _ => return Err(AppError::BadRequest("Choose what to do with the selected requests.".into())),
    };
    let note = one("note");
    let input = crate::app::requests::ActInput {
        note: (!note.is_empty()).then_some(note),
        to: parse_id(&one("to")),
        with: None,
        of: parse_id(one("of").trim_start_matches('#')),
    };
    let ctx = user.context(&state).await?;
    match state.db(move |conn| Ok(crate::app::requests::bulk(conn, &ctx, name, &input, &picked))).await? {
        Ok(report) => {
            let list = |ids: &[RequestId]| ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ");
            let mut message = format!("{} done ({}).", report.done.len(), list(&report.done));
            if !report.conflicted.is_empty() {
                message.push_str(&format!(" Changed meanwhile, left alone: {}.", list(&report.conflicted)));
            }
            if !report.refused.is_empty() {
                let refused: Vec<String> = report
                    .refused
                    .iter()
                    .map(|(id, code)| format!("#{id} ({})", crate::web::messages::refusal(code).trim_end_matches('.')))
                    .collect();
                message.push_str(&format!(" Not done: {}.", refused.join(", ")));
            }
            user.flash(message);
            Ok(see_other("/queue"))
        }
        Err(crate::app::Error::Invalid { code, field, value }) => Err(AppError::BadRequest(format!(
            "{}: {}",
            field,
            crate::web::messages::field_sentence(code, field, value.as_ref())
        ))),
        Err(other) => Err(other.into()),
    }
}
