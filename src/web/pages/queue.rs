//! The triage queue: open requests, most urgent first, with filters.

use super::parse_id;
use super::requests::{Choice, PER_PAGE, RequestLine, page_number};
use super::rotation::{DutyLine, duty_line};
use crate::app::{OwnerFilter, QueueFilter};
use crate::domain::{ActionName, CategoryId, EventKind, RequestId, ServiceId, State, UserId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, Pager, When, see_other};
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
        match self.params() {
            params if params.is_empty() => format!("/queue?page={page}"),
            params => format!("/queue?{params}&page={page}"),
        }
    }

    /// The filters as a query string, without the page (what a saved view keeps).
    pub fn params(&self) -> String {
        let params = [
            ("state", self.state.as_str()),
            ("category", self.category.as_str()),
            ("service", self.service.as_str()),
            ("owner", self.owner.as_str()),
            ("routed", self.routed.as_str()),
            ("consulted", self.consulted.as_str()),
        ];
        let query: Vec<String> = params
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| {
                format!("{name}={}", percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC))
            })
            .collect();
        query.join("&")
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
    urgencies: Vec<Choice>,
    owners: Vec<Choice>,
    filtered: bool,
    duty: Option<DutyLine>,
    /// The outgoing goalkeeper's notes, in the incoming one's first days: (week, by).
    handover: Option<(String, String)>,
    all_open: i64,
    tabs: Vec<StateTab>,
    views: Vec<crate::app::views::SavedView>,
    /// The saved view this page is, if any.
    current_view: Option<i64>,
    /// The "save this view" form's name and its error, when it came back refused.
    view_name: String,
    view_error: Option<String>,
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
    queue_page(&state, &user, query.into_inner(), None).await
}

/// The queue; `refused_view` is a "save this view" form that came back: (name, why).
async fn queue_page(
    state: &AppState,
    user: &CurrentUser,
    query: QueueQuery,
    refused_view: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let filter = query.filter(user.user.id);
    let page = page_number(query.page.as_deref());
    let ctx = user.context(state).await?;
    let (team, now) = (ctx.team.clone(), ctx.now);
    // One trip to the database threads for the whole page.
    let loaded =
        state.db(move |conn| Ok(crate::app::requests::queue_workspace(conn, &ctx, &filter, page, PER_PAGE)?)).await?;
    let crate::app::requests::QueueWorkspace {
        page: found,
        catalog,
        engineers,
        roster,
        counts,
        last_changes,
        handover,
        views,
    } = loaded;
    let handover = handover.map(|h| (h.week.to_string(), h.by));
    let (requests, total, names, questions) = (&found.requests, found.total, &found.names, &found.questions);
    let pager = Pager::new(page, PER_PAGE, total, |p| query.link(p));
    if page > pager.pages {
        // Past the end (the queue shrank, or a typed URL): the last page, never "empty".
        return Ok(see_other(&query.link(pager.pages)));
    }
    let tz = user.user.time_zone.unwrap_or_else(|| team.timezone());
    let people: HashMap<UserId, String> = engineers.iter().map(|e| (e.id, e.name.clone())).collect();
    let duty = duty_line(&roster, &people, user.user.id, now, tz);
    let choice = |value: String, label: String| Choice { value, label };
    let mut owners = vec![choice("me".into(), "Me".into()), choice("none".into(), "Nobody yet".into())];
    owners.extend(engineers.iter().map(|e| choice(e.id.to_string(), e.name.clone())));
    let filtered = [&query.state, &query.category, &query.service, &query.owner, &query.routed, &query.consulted]
        .iter()
        .any(|v| !v.is_empty());
    let lines = requests
        .iter()
        .map(|r| {
            let mut line = RequestLine::new(r, names, now, tz);
            // Only a request still waiting for its first triage decision can be late for it.
            if r.state == State::New {
                let left = team.time_left(names.service(r.service).1, r.created_at, now);
                line.overdue = left < chrono::Duration::zero();
                line.left =
                    (!line.overdue).then(|| format!("{} left", crate::report::duration_text(Some(left.num_seconds()))));
            }
            if let Some(last) = last_changes.get(&r.id.0) {
                line.replied = last.actor == r.requester
                    && matches!(last.kind, EventKind::Commented | EventKind::Resumed | EventKind::Reopened);
                line.changed = Some(When::new(last.at, now, tz));
            }
            if let Some(q) = questions.iter().find(|q| q.request == r.id) {
                let asker = people.get(&q.asker).cloned().unwrap_or_else(|| names.user(Some(q.asker)));
                line.question = Some((asker, q.text.clone()));
            }
            line
        })
        .collect();
    let params = query.params();
    let current_view = views.iter().find(|v| v.query == params).map(|v| v.id);
    let (view_name, view_error) = match refused_view {
        Some((name, why)) => (name, Some(why)),
        None => (String::new(), None),
    };
    let status = if view_error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::view::render(
        status,
        &QueuePage {
            layout: user.layout("Triage queue", "queue"),
            views,
            current_view,
            view_name,
            view_error,
            lines,
            pager,
            states: State::ALL.iter().map(|s| choice(s.as_str().into(), s.label().into())).collect(),
            categories: catalog.categories.iter().map(|c| choice(c.id.to_string(), c.name.clone())).collect(),
            services: catalog.services.iter().map(|s| choice(s.id.to_string(), s.name.clone())).collect(),
            urgencies: crate::domain::Urgency::ALL
                .iter()
                .map(|u| choice(u.as_str().into(), u.label().into()))
                .collect(),
            owners,
            filtered,
            duty,
            handover,
            all_open: counts.iter().map(|(_, n)| n).sum(),
            tabs: counts.iter().map(|(s, n)| StateTab { state: s.as_str(), label: s.label(), count: *n }).collect(),
            query,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ViewForm {
    pub name: String,
    /// The queue's filters as its own links write them.
    pub query: String,
}

/// `POST /queue/views`: saves the queue's current filters under a name.
pub async fn save_view(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<ViewForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    // Read back through the queue's own query type, so only filters the queue knows are kept.
    let query = web::Query::<QueueQuery>::from_query(&form.query)
        .map_err(|_| AppError::BadRequest("These are not queue filters.".into()))?
        .into_inner();
    let params = query.params();
    let ctx = user.context(&state).await?;
    let name = form.name.clone();
    match state.db(move |conn| Ok(crate::app::views::save(conn, &ctx, &name, &params))).await? {
        Ok(view) => {
            user.flash(format!("View “{}” saved.", view.name));
            Ok(see_other(&query.link(1)))
        }
        Err(crate::app::Error::Invalid { code, field, value }) => {
            let why = crate::web::messages::field_sentence(code, field, value.as_ref());
            queue_page(&state, &user, query, Some((form.name, why))).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /queue/views/{id}/delete`.
pub async fn delete_view(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    state.db(move |conn| Ok(crate::app::views::delete(conn, &ctx, id))).await?.map_err(AppError::from)?;
    user.flash("View deleted.");
    Ok(see_other("/queue"))
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
    let action = one("action");
    let change = match action.as_str() {
        "category" => Some(crate::app::requests::EditPatch {
            category: Some(parse_id(&one("category")).unwrap_or(0)),
            ..Default::default()
        }),
        "urgency" => Some(crate::app::requests::EditPatch { urgency: Some(one("urgency")), ..Default::default() }),
        _ => None,
    };
    let name = match action.as_str() {
        "take" => Some(ActionName::Take),
        "route" => Some(ActionName::Route),
        "reject" => Some(ActionName::Reject),
        "duplicate" => Some(ActionName::Duplicate),
        _ => None,
    };
    let note = one("note");
    let input = crate::app::requests::ActInput {
        note: (!note.is_empty()).then_some(note),
        to: parse_id(&one("to")),
        with: None,
        of: parse_id(one("of").trim_start_matches('#')),
    };
    let ctx = user.context(&state).await?;
    let outcome = match (name, change) {
        (Some(name), _) => {
            state.db(move |conn| Ok(crate::app::requests::bulk(conn, &ctx, name, &input, &picked))).await?
        }
        (None, Some(change)) => {
            state.db(move |conn| Ok(crate::app::requests::bulk_edit(conn, &ctx, &change, &picked))).await?
        }
        (None, None) => return Err(AppError::BadRequest("Choose what to do with the selected requests.".into())),
    };
    match outcome {
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
