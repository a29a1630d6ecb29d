//! Filing requests, following one's own requests, and the request page with its actions.

use super::{FieldErrors, parse_id};
use crate::app::requests::{ActInput, Workspace};
use crate::app::{self, Category, Event, Request, Service};
use crate::auth::random_token;
use crate::domain::{ActionName, CategoryId, Description, Note, RequestId, ServiceId, Tier, Title, Urgency, triage};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, Pager, When, age, ok, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

pub const PER_PAGE: i64 = 50;

pub use crate::app::names::Directory;

/// One line of a request list (queue or "my requests").
/// A file on the request page.
pub struct FileLine {
    pub id: i64,
    pub name: String,
    pub size: String,
    /// Shown as a thumbnail.
    pub image: bool,
    pub internal: bool,
    /// The uploader or an engineer may remove it.
    pub removable: bool,
}

pub struct RequestLine {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub urgency: &'static str,
    pub urgency_label: &'static str,
    pub category: String,
    pub service: String,
    pub tier: &'static str,
    pub tier_label: &'static str,
    pub owner: String,
    pub requester: String,
    pub age: String,
    pub filed: When,
    /// When it was last updated: only "My requests" shows it ([`RequestLine::with_updated`]).
    pub updated: Option<When>,
    /// Waited past its tier's target without a triage decision (set by the queue).
    pub overdue: bool,
    /// Office time left to the tier's triage target, while it waits for a first decision.
    pub left: Option<String>,
    /// The requester answered last: it is the triager's turn (set by the queue).
    pub replied: bool,
    /// When it last changed (set by the queue).
    pub changed: Option<When>,
    /// The version, for acting on it straight from a list.
    pub version: i32,
    /// Nobody owns it yet: the queue offers "Take" on its row.
    pub takeable: bool,
    /// In "asked my advice": who asked, and the question (set by the queue).
    pub question: Option<(String, String)>,
}

impl RequestLine {
    pub fn new(request: &Request, names: &Directory, now: DateTime<Utc>, tz: Tz) -> Self {
        let (service, tier) = names.service(request.service);
        RequestLine {
            id: request.id.0,
            title: request.title.clone(),
            // A duplicate is closed, not turned down: it says so instead of "Rejected".
            state: if request.duplicate_of.is_some() { "duplicate" } else { request.state.as_str() },
            state_label: if request.duplicate_of.is_some() { "Duplicate" } else { request.state.label() },
            urgency: request.urgency.as_str(),
            urgency_label: request.urgency.label(),
            category: names.category(request.category),
            service,
            tier: tier.map(Tier::as_str).unwrap_or("none"),
            tier_label: tier.map(Tier::label).unwrap_or("No service"),
            owner: names.user(request.owner),
            requester: names.user(Some(request.requester)),
            age: age(request.created_at, now),
            filed: When::new(request.created_at, now, tz),
            updated: None,
            overdue: false,
            left: None,
            replied: false,
            changed: None,
            version: request.version,
            takeable: request.owner.is_none() && !request.state.is_final(),
            question: None,
        }
    }

    /// The line with when its request was last updated.
    pub fn with_updated(mut self, request: &Request, now: DateTime<Utc>, tz: Tz) -> Self {
        self.updated = Some(When::new(request.updated_at, now, tz));
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Filing

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct NewRequestForm {
    pub title: String,
    pub description: String,
    pub category: String,
    pub service: String,
    pub urgency: String,
    pub idempotency_key: String,
    /// `on` when ticked: once resolved it is not shown to others as an answer.
    pub private: String,
    /// `1` once the person has seen the answers that match the title (the check step, or the
    /// form's script showing them as the title was typed).
    pub checked: String,
    /// `check`: only look for answers, file nothing.
    pub step: String,
}

impl NewRequestForm {
    pub fn is_private(&self) -> bool {
        self.private == "on"
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "requests/new.html")]
struct NewRequestPage {
    layout: Layout,
    form: NewRequestForm,
    errors: FieldErrors,
    categories: Vec<Choice>,
    services: Vec<Choice>,
    urgencies: Vec<Choice>,
    /// Answers that may already solve it, from the check step.
    suggestions: Vec<super::answers::Suggestion>,
    /// The check step ran (so "no answers" can be said).
    checked_now: bool,
}

async fn new_request_page(
    state: &AppState,
    user: &CurrentUser,
    form: NewRequestForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    form_with_suggestions(state, user, form, errors, status, None).await
}

async fn form_with_suggestions(
    state: &AppState,
    user: &CurrentUser,
    form: NewRequestForm,
    errors: FieldErrors,
    status: StatusCode,
    suggestions: Option<Vec<super::answers::Suggestion>>,
) -> Result<HttpResponse, AppError> {
    let (categories, services): (Vec<Category>, Vec<Service>) =
        state.db(|conn| Ok((app::catalog::categories(conn)?, app::catalog::services(conn)?))).await?;
    let page = NewRequestPage {
        layout: user.layout("New request", "new"),
        form,
        errors,
        categories: categories
            .into_iter()
            .filter(|c| !c.archived)
            .map(|c| Choice { value: c.id.to_string(), label: c.name })
            .collect(),
        services: services
            .into_iter()
            .filter(|s| !s.archived)
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({})", s.name, s.tier.label().to_lowercase()),
            })
            .collect(),
        urgencies: Urgency::ALL.iter().map(|u| Choice { value: u.as_str().into(), label: u.label().into() }).collect(),
        checked_now: suggestions.is_some(),
        suggestions: suggestions.unwrap_or_default(),
    };
    render(status, &page)
}

pub async fn new_page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let form = NewRequestForm {
        urgency: Urgency::Normal.as_str().into(),
        idempotency_key: random_token(32),
        ..Default::default()
    };
    new_request_page(&state, &user, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(mut form): CsrfForm<NewRequestForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let title = errors.check("title", Title::parse(&form.title));
    if form.step == "check" {
        // Only look for answers; the rest of the form may still be empty.
        let Some(title) = title else {
            return new_request_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        };
        return check_for_answers(&state, &user, form, &title).await;
    }
    let description = errors.check("description", Description::parse(&form.description));
    let category = parse_id(&form.category).map(CategoryId);
    if category.is_none() {
        errors.add("category", "Choose a category.");
    }
    let service = match form.service.trim() {
        "" => Some(None),
        raw => {
            let parsed = parse_id(raw).map(ServiceId);
            if parsed.is_none() {
                errors.add("service", "Choose one of the listed services, or none.");
            }
            parsed.map(Some)
        }
    };
    let urgency = errors.check("urgency", Urgency::parse(&form.urgency));
    let (Some(title), Some(description), Some(category), Some(service), Some(urgency)) =
        (title, description, category, service, urgency)
    else {
        return new_request_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if form.checked != "1" {
        // Before the final submit, the answers that match: the best interrupt is the one that
        // never reaches the goalkeeper.
        let found = answers_for(&state, &title).await?;
        if !found.is_empty() {
            form.checked = "1".into();
            return form_with_suggestions(&state, &user, form, errors, StatusCode::OK, Some(found)).await;
        }
    }
    let input = crate::app::requests::FileInput {
        title: title.into_string(),
        description: description.into_string(),
        category: category.0,
        service: service.map(|s| s.0),
        urgency: Some(urgency.as_str().to_owned()),
        private: form.is_private(),
        idempotency_key: super::idempotency_key(&form.idempotency_key),
    };
    let ctx = user.context(&state).await?;
    let tz = ctx.reading_zone();
    let filed = state
        .write(move |conn| {
            let filed = crate::app::requests::file(conn, &ctx, &input);
            Ok(match filed {
                Ok((request, created)) => {
                    let after_hours = crate::app::notify::after_hours(conn, &ctx, &request)?;
                    Ok((request, created, after_hours))
                }
                Err(e) => Err(e),
            })
        })
        .await?;
    match filed {
        Ok((request, created, after_hours)) => {
            use crate::app::notify::AfterHours;
            let opening = |at| super::rotation::local_label(at, tz);
            if created {
                // Honest about when someone looks at it.
                user.flash(match after_hours {
                    None => format!("Request #{} filed. The goalkeeper will pick it up.", request.id),
                    Some(AfterHours::WaitsUntil(at)) => format!(
                        "Request #{} filed. The team is out of office; it will be looked at from {}.",
                        request.id,
                        opening(at)
                    ),
                    Some(AfterHours::Alerted) => format!(
                        "Request #{} filed. The team is out of office, but this is a critical service: the goalkeeper on duty has been alerted.",
                        request.id
                    ),
                    Some(AfterHours::NobodyOnDuty(at)) => format!(
                        "Request #{} filed. The team is out of office and nobody is on duty; it will be looked at from {}.",
                        request.id,
                        opening(at)
                    ),
                });
            }
            Ok(see_other(&format!("/requests/{}", request.id)))
        }
        Err(crate::app::Error::Invalid { field, .. }) => {
            let mut errors = FieldErrors::default();
            match field {
                "category_id" => errors.add("category", "Choose one of the listed categories."),
                "service_id" => errors.add("service", "Choose one of the listed services, or none."),
                other => errors.add(other, "Check this field."),
            }
            new_request_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The answers that may already solve what `title` asks.
async fn answers_for(state: &AppState, title: &Title) -> Result<Vec<super::answers::Suggestion>, AppError> {
    let lookup = title.as_str().to_owned();
    state.db(move |conn| super::answers::suggestions_for(conn, &lookup, super::answers::SUGGESTIONS)).await
}

/// The check step: the form comes back with the answers that match its title.
async fn check_for_answers(
    state: &AppState,
    user: &CurrentUser,
    mut form: NewRequestForm,
    title: &Title,
) -> Result<HttpResponse, AppError> {
    let found = answers_for(state, title).await?;
    form.checked = "1".into();
    form.step.clear();
    form_with_suggestions(state, user, form, FieldErrors::default(), StatusCode::OK, Some(found)).await
}

// ---------------------------------------------------------------------------------------------
// My requests

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    pub page: Option<String>,
}

pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| (1..=1_000_000).contains(p)).unwrap_or(1)
}

#[derive(Template)]
#[template(path = "requests/mine.html")]
struct MinePage {
    layout: Layout,
    lines: Vec<RequestLine>,
    pager: Pager,
    solved: Vec<SolvedLine>,
}

/// A problem an answer solved before it was filed.
pub struct SolvedLine {
    pub title: String,
    pub answer_id: i64,
    /// None once the answer is no longer shared (made private, or reopened).
    pub answer_title: Option<String>,
    pub when: When,
}

pub async fn mine(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(query.page.as_deref());
    let ctx = user.context(&state).await?;
    let (now, tz) = (ctx.now, ctx.reading_zone());
    let mine = state.db(move |conn| Ok(app::requests::mine(conn, &ctx, page, PER_PAGE)?)).await?;
    ok(&MinePage {
        layout: user.layout("My requests", "mine"),
        lines: mine
            .requests
            .iter()
            .map(|r| RequestLine::new(r, &mine.names, now, tz).with_updated(r, now, tz))
            .collect(),
        pager: Pager::new(page, PER_PAGE, mine.total, |p| format!("/requests/mine?page={p}")),
        solved: mine
            .solved
            .into_iter()
            .map(|d| SolvedLine {
                answer_title: d.answer_title,
                answer_id: d.answer_id,
                title: d.title,
                when: When::new(d.at, now, tz),
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// The request page

pub struct EventLine {
    pub actor: String,
    pub kind: &'static str,
    pub what: &'static str,
    pub when: When,
    pub note: Option<String>,
    pub target: Option<String>,
    pub related: Option<i64>,
    pub to_state: &'static str,
    pub state_changed: bool,
}

impl EventLine {
    /// The lines of a history a person may read: requesters never see internal notes.
    fn visible(events: &[Event], engineer: bool, names: &Directory, now: DateTime<Utc>, tz: Tz) -> Vec<Self> {
        crate::app::requests::visible_history(events.to_vec(), engineer)
            .iter()
            .map(|e| EventLine::new(e, names, now, tz))
            .collect()
    }

    fn new(event: &Event, names: &Directory, now: DateTime<Utc>, tz: Tz) -> Self {
        EventLine {
            actor: names.user(Some(event.actor)),
            kind: event.kind.as_str(),
            what: event.kind.label(),
            when: When::new(event.at, now, tz),
            note: event.note.clone(),
            target: event.target.map(|t| names.user(Some(t))),
            related: event.related.map(|r| r.0),
            to_state: event.to_state.label(),
            state_changed: event.from_state.is_some_and(|from| from != event.to_state),
        }
    }
}

/// Which action forms to show.
#[derive(Default)]
pub struct Allowed {
    pub take: bool,
    pub route: bool,
    pub consult: bool,
    pub wait: bool,
    pub comment: bool,
    pub note: bool,
    pub resolve: bool,
    pub reject: bool,
    pub duplicate: bool,
    pub reopen: bool,
}

impl Allowed {
    fn from(names: &[ActionName]) -> Self {
        let has = |n| names.contains(&n);
        Allowed {
            take: has(ActionName::Take),
            route: has(ActionName::Route),
            consult: has(ActionName::Consult),
            wait: has(ActionName::Wait),
            comment: has(ActionName::Comment),
            note: has(ActionName::Note),
            resolve: has(ActionName::Resolve),
            reject: has(ActionName::Reject),
            duplicate: has(ActionName::Duplicate),
            reopen: has(ActionName::Reopen),
        }
    }

    pub fn triage(&self) -> bool {
        self.take || self.route || self.consult || self.wait || self.resolve || self.reject || self.duplicate
    }
}

/// What the person typed into an action form, kept when the form comes back.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct ActionForm {
    pub version: String,
    pub note: String,
    pub to: String,
    pub with: String,
    pub of: String,
    /// `1`: after the action, open the next request waiting for triage (keyboard triage).
    pub advance: String,
    /// `queue`: the action came from a queue row; go back there.
    pub back: String,
    // The edit form's fields.
    pub title: String,
    pub description: String,
    pub category: String,
    pub service: String,
    pub urgency: String,
    /// Filled in by the server: which form these values belong to.
    #[serde(skip)]
    pub action: String,
}

impl ActionForm {
    /// The note typed for `action`, if that is the form being re-shown.
    pub fn note_for(&self, action: &str) -> &str {
        if self.action == action { &self.note } else { "" }
    }

    pub fn is(&self, action: &str) -> bool {
        self.action == action
    }
}

pub struct Person {
    pub id: i64,
    pub name: String,
}

/// An engineer in the route form, with their experience of the request's category.
pub struct RouteChoice {
    pub id: i64,
    pub name: String,
    /// Requests of this category they resolved in the last 12 weeks.
    pub resolved: usize,
    /// Open requests they own now.
    pub owns: usize,
}

/// The silo advice, in words.
pub struct AdviceView {
    pub category: String,
    pub expert_id: i64,
    pub expert: String,
    pub share: String,
    pub resolved: usize,
    pub suggested: Option<Person>,
}

#[derive(Template)]
#[template(path = "requests/show.html")]
struct RequestPage {
    layout: Layout,
    files: Vec<FileLine>,
    /// Engineers one can `@mention`, and the same as JSON for the autocomplete.
    people: Vec<crate::web::markdown::Mentionable>,
    mentionable: String,
    request: RequestLine,
    description: String,
    version: i32,
    duplicate_of: Option<i64>,
    closed: Option<When>,
    history: Vec<EventLine>,
    allowed: Allowed,
    engineers: Vec<Person>,
    route_choices: Vec<RouteChoice>,
    advice: Option<AdviceView>,
    similar: Vec<RequestLine>,
    looked_for_similar: bool,
    duplicates: Vec<i64>,
    draft: ActionForm,
    errors: FieldErrors,
    is_engineer: bool,
    /// A requester following the original of their duplicate: the public part, read-only.
    following: bool,
    /// For the edit form (engineers).
    edit_categories: Vec<Choice>,
    edit_services: Vec<Choice>,
    category_id: String,
    service_id: String,
    private: bool,
    /// Resolved and not private: the team reads it as an answer.
    is_answer: bool,
    good_answer_by: Option<String>,
    /// People whose problem this answer solved before they filed one.
    helped: i64,
}

/// Loads a request the user may see with everything its page shows; another requester's
/// request is "not found", exactly like a missing one.
async fn load_visible(
    state: &AppState,
    user: &CurrentUser,
    id: RequestId,
    look_for_similar: bool,
) -> Result<Workspace, AppError> {
    let ctx = user.context(state).await?;
    let loaded = state.db(move |conn| Ok(crate::app::requests::workspace(conn, &ctx, id, look_for_similar))).await?;
    loaded.map_err(AppError::from)
}

async fn request_page(
    state: &AppState,
    user: &CurrentUser,
    id: RequestId,
    draft: ActionForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    page_with(state, user, id, draft, errors, status, false).await
}

async fn page_with(
    state: &AppState,
    user: &CurrentUser,
    id: RequestId,
    draft: ActionForm,
    errors: FieldErrors,
    status: StatusCode,
    look_for_similar: bool,
) -> Result<HttpResponse, AppError> {
    let Workspace {
        request,
        history,
        names,
        engineers,
        experience,
        owned,
        advice,
        similar,
        duplicates,
        helped,
        edit_catalog,
        attachments,
        mentionable: mention_candidates,
    } = load_visible(state, user, id, look_for_similar).await?;
    let people: Vec<crate::web::markdown::Mentionable> =
        mention_candidates.iter().map(crate::web::markdown::Mentionable::of).collect();
    let files = attachments
        .iter()
        .map(|a| FileLine {
            id: a.id,
            name: a.file_name.clone(),
            size: crate::web::view::byte_size(a.size),
            image: crate::app::attachments::is_image(&a.content_type),
            internal: a.internal,
            removable: a.uploader == user.user.id || user.is_engineer(),
        })
        .collect();
    let engineer_name = |id: i64| {
        engineers.iter().find(|e| e.id.0 == id).map(|e| e.name.clone()).unwrap_or_else(|| format!("engineer #{id}"))
    };
    let advice = advice.map(|a| AdviceView {
        category: names.category(request.category),
        expert_id: a.expert,
        expert: engineer_name(a.expert),
        share: format!("{:.0} %", a.expert_share * 100.0),
        resolved: a.resolved,
        suggested: a.suggested.map(|id| Person { id, name: engineer_name(id) }),
    });
    let route_choices = engineers
        .iter()
        .map(|e| RouteChoice {
            id: e.id.0,
            name: e.name.clone(),
            resolved: experience.get(&e.id.0).copied().unwrap_or(0),
            owns: owned.get(&e.id.0).copied().unwrap_or(0),
        })
        .collect();
    let (now, tz) = (state.now(), user.user.time_zone.unwrap_or(state.team().await?.timezone()));
    let allowed = Allowed::from(&triage::allowed_actions(&request.facts(), user.actor(), now));
    let page = RequestPage {
        layout: user.layout(format!("#{} {}", request.id, request.title), ""),
        request: RequestLine::new(&request, &names, now, tz),
        description: request.description.clone(),
        version: request.version,
        duplicate_of: request.duplicate_of.map(|r| r.0),
        closed: request.closed_at.map(|at| When::new(at, now, tz)),
        history: history.iter().map(|e| EventLine::new(e, &names, now, tz)).collect(),
        allowed,
        engineers: engineers.iter().map(|e| Person { id: e.id.0, name: e.name.clone() }).collect(),
        route_choices,
        advice,
        similar: similar.iter().map(|r| RequestLine::new(r, &names, now, tz)).collect(),
        looked_for_similar: look_for_similar,
        following: !user.is_engineer() && request.requester != user.user.id,
        edit_categories: edit_catalog
            .iter()
            .flat_map(|c| c.categories.iter())
            .filter(|c| !c.archived || c.id == request.category)
            .map(|c| Choice { value: c.id.to_string(), label: c.name.clone() })
            .collect(),
        edit_services: edit_catalog
            .iter()
            .flat_map(|c| c.services.iter())
            .filter(|s| !s.archived || Some(s.id) == request.service)
            .map(|s| Choice { value: s.id.to_string(), label: s.name.clone() })
            .collect(),
        category_id: request.category.0.to_string(),
        service_id: request.service.map(|s| s.0.to_string()).unwrap_or_default(),
        duplicates,
        files,
        mentionable: serde_json::to_string(&people).unwrap_or_default(),
        people,
        draft,
        errors,
        is_engineer: user.is_engineer(),
        private: request.private,
        is_answer: request.is_answer(),
        good_answer_by: request.good_answer.map(|(by, _)| names.user(Some(by))),
        helped,
    };
    render(status, &page)
}

fn request_id(raw: &str) -> Result<RequestId, AppError> {
    parse_id(raw).map(RequestId).ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    /// Present: look for likely duplicates.
    pub similar: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let id = request_id(&path)?;
    let similar = query.similar.is_some();
    page_with(&state, &user, id, ActionForm::default(), FieldErrors::default(), StatusCode::OK, similar).await
}

#[derive(Template)]
#[template(path = "requests/conflict.html")]
struct ConflictPage {
    layout: Layout,
    id: i64,
    title: String,
    state_label: &'static str,
    owner: String,
    missed: Vec<EventLine>,
    note: String,
    action: &'static str,
}

/// Checks what the form itself can tell (a note where one is needed, a number where one is
/// asked) and turns it into the core's input; the core checks the rest.
fn action_input(name: ActionName, form: &ActionForm, errors: &mut FieldErrors) -> ActInput {
    let mut note = |missing: Option<&str>| match form.note.trim() {
        "" => {
            if let Some(missing) = missing {
                errors.add("note", missing);
            }
            None
        }
        raw => errors.check("note", Note::parse(raw)).map(Note::into_string),
    };
    let mut input = ActInput::default();
    match name {
        ActionName::Take => {}
        ActionName::Route => input.note = note(None),
        ActionName::Consult => input.note = note(Some("Say what you want to ask.")),
        ActionName::Wait => input.note = note(Some("Say what you need from the requester.")),
        ActionName::Comment => input.note = note(Some("Write a comment.")),
        ActionName::Note => input.note = note(Some("Write the note.")),
        ActionName::Resolve => input.note = note(Some("Say how it was resolved.")),
        ActionName::Reject => input.note = note(Some("Give the requester a reason.")),
        ActionName::Reopen => input.note = note(Some("Say why it needs more work.")),
        ActionName::Duplicate => {
            input.note = note(None);
            input.of = parse_id(form.of.trim().trim_start_matches('#'));
            if input.of.is_none() {
                errors.add("of", "Give the number of the original request.");
            }
        }
    }
    let mut engineer = |raw: &str, field: &'static str| {
        let id = parse_id(raw);
        if id.is_none() {
            errors.add(field, "Choose an engineer.");
        }
        id
    };
    match name {
        ActionName::Route => input.to = engineer(&form.to, "to"),
        ActionName::Consult => input.with = engineer(&form.with, "with"),
        _ => {}
    }
    input
}

fn done_message(name: ActionName, id: RequestId) -> String {
    match name {
        ActionName::Take => format!("You own #{id} now."),
        ActionName::Route => format!("#{id} routed."),
        ActionName::Consult => "Teammate consulted; you still own it.".into(),
        ActionName::Wait => "Asked the requester; the request waits for their answer.".into(),
        ActionName::Comment => "Comment added.".into(),
        ActionName::Note => "Internal note added; requesters never see it.".into(),
        ActionName::Resolve => format!("#{id} resolved."),
        ActionName::Reject => format!("#{id} rejected."),
        ActionName::Duplicate => format!("#{id} closed as a duplicate."),
        ActionName::Reopen => format!("#{id} reopened."),
    }
}

pub async fn act(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    CsrfForm(mut form): CsrfForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (raw_id, raw_action) = path.into_inner();
    let id = request_id(&raw_id)?;
    let name = ActionName::parse(&raw_action).ok_or(AppError::NotFound)?;
    form.action = name.as_str().to_owned();
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(AppError::BadRequest(
            "The form did not say which version of the request you saw; reload the page.".into(),
        ));
    };
    let mut errors = FieldErrors::default();
    let input = action_input(name, &form, &mut errors);
    if !errors.is_empty() {
        return request_page(&state, &user, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let ctx = user.context(&state).await?;
    let outcome =
        state.db(move |conn| Ok(crate::app::requests::perform(conn, &ctx, id, version, name, &input))).await?;
    match outcome {
        Ok(_) if form.back == "queue" => {
            user.flash(done_message(name, id));
            Ok(see_other("/queue"))
        }
        Ok(_) if form.advance == "1" && user.is_engineer() && name.hands_on() => {
            let ctx = user.context(&state).await?;
            let next = state.db(move |conn| Ok(crate::app::requests::next_to_triage(conn, &ctx, id)?)).await?;
            match next {
                Some(next) => {
                    user.flash(format!("{} Next: #{next}.", done_message(name, id)));
                    Ok(see_other(&format!("/requests/{next}")))
                }
                None => {
                    user.flash(format!("{} Nothing else waits for triage.", done_message(name, id)));
                    Ok(see_other("/queue"))
                }
            }
        }
        Ok(_) => {
            user.flash(done_message(name, id));
            Ok(see_other(&format!("/requests/{id}")))
        }
        Err(crate::app::Error::Invalid { code, field, value }) => {
            errors.add(field, crate::web::messages::field_sentence(code, field, value.as_ref()));
            request_page(&state, &user, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(crate::app::Error::Conflict(conflict)) => {
            let current = conflict.current;
            let people = conflict
                .missed
                .iter()
                .flat_map(|e| [Some(e.actor), e.target])
                .chain([current.owner])
                .flatten()
                .collect::<Vec<_>>();
            let names = state.db(move |conn| Ok(Directory::load(conn, people)?)).await?;
            let (now, tz) = (state.now(), user.user.time_zone.unwrap_or(state.team().await?.timezone()));
            let page = ConflictPage {
                layout: user.layout("This request changed", ""),
                id: current.id.0,
                title: current.title.clone(),
                state_label: current.state.label(),
                owner: names.user(current.owner),
                missed: EventLine::visible(&conflict.missed, user.is_engineer(), &names, now, tz),
                note: form.note,
                action: name.as_str(),
            };
            render(StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /requests/{id}/edit`: an engineer corrects the title, description, category, service
/// or urgency; the history says what changed.
pub async fn edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(mut form): CsrfForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let id = request_id(&path)?;
    form.action = "edit".to_owned();
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(AppError::BadRequest(
            "The form did not say which version of the request you saw; reload the page.".into(),
        ));
    };
    let mut errors = FieldErrors::default();
    let category = parse_id(&form.category);
    if category.is_none() {
        errors.add("category", "Choose a category.");
    }
    let Some(category) = category else {
        return request_page(&state, &user, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = app::requests::EditPatch {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        category: Some(category),
        service: Some(parse_id(&form.service)),
        urgency: Some(form.urgency.clone()),
    };
    let ctx = user.context(&state).await?;
    match state.db(move |conn| Ok(app::requests::edit(conn, &ctx, id, version, &input))).await? {
        Ok(_) => {
            user.flash("Request updated; the history shows what changed.");
            Ok(see_other(&format!("/requests/{id}")))
        }
        Err(app::Error::Invalid { code, field, value }) => {
            let field = match field {
                "category_id" => "category",
                "service_id" => "service",
                other => other,
            };
            let message = if code == "unchanged" {
                "Nothing was changed.".to_owned()
            } else {
                crate::web::messages::field_sentence(code, field, value.as_ref())
            };
            errors.add(field, message);
            request_page(&state, &user, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(app::Error::Conflict(_)) => {
            errors.add("title", "Someone changed this request meanwhile; reload to see it, then edit again.");
            request_page(&state, &user, id, form, errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
