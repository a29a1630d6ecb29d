//! Filing, reading, listing and acting on requests.

use super::names::Directory;
use super::{Context, Error};
use crate::db::models::{Event, Request};
use crate::db::requests::{self as store, ApplyError, FileError, NewRequest, OwnerFilter, QueueFilter};
use crate::db::{DbConnection, read_transaction, users, write_transaction};
use crate::domain::metrics::{self, Concentration, IsoWeek, RoutingAdvice};
use crate::domain::{
    Action, ActionName, Actor, CategoryId, Description, Note, RequestId, ServiceId, State, Title, TriageError, Urgency,
    UserId,
};
use diesel::QueryResult;
use std::collections::BTreeMap;

/// A request to file, as a client sent it.
#[derive(Debug, Clone, Default)]
pub struct FileInput {
    pub title: String,
    pub description: String,
    pub category: i64,
    pub service: Option<i64>,
    /// `low`, `normal` (the default) or `high`.
    pub urgency: Option<String>,
    pub private: bool,
    /// The same key from the same person files the request once.
    pub idempotency_key: Option<String>,
}

/// The longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Files a request, or finds the one this person already filed with the key. Returns it and
/// whether it was created now.
pub fn file(conn: &mut DbConnection, ctx: &Context, input: &FileInput) -> Result<(Request, bool), Error> {
    let title = Title::parse(&input.title).map_err(|e| Error::value("title", e))?;
    let description = Description::parse(&input.description).map_err(|e| Error::value("description", e))?;
    let urgency = match input.urgency.as_deref() {
        None => Urgency::Normal,
        Some(raw) => Urgency::parse(raw).map_err(|e| Error::value("urgency", e))?,
    };
    let key = input.idempotency_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > MAX_IDEMPOTENCY_KEY || k.chars().any(char::is_control)) {
        return Err(Error::invalid("invalid", "idempotency_key"));
    }
    let new = NewRequest {
        title: &title,
        description: &description,
        category: CategoryId(input.category),
        service: input.service.map(ServiceId),
        urgency,
        requester: ctx.actor.id,
        requester_role: ctx.actor.role,
        idempotency_key: key,
        private: input.private,
    };
    write_transaction(conn, |conn| {
        let setup = ctx.memo.team_setup(conn)?;
        let filed = store::file(conn, &new, &setup, ctx.now).map_err(|e| match e {
            FileError::UnknownCategory => Error::invalid("unknown", "category_id"),
            FileError::UnknownService => Error::invalid("unknown", "service_id"),
            FileError::Db(e) => Error::Db(e),
        })?;
        match filed {
            store::Filed::New { request, tier, goalkeeper } => {
                if let Some(key) = key {
                    // Filed after all: the answer this draft was deflected to did not solve it.
                    crate::db::knowledge::forget_deflection(conn, ctx.actor.id, key)?;
                }
                super::notify::record_filed(conn, ctx, &setup, &request, tier, goalkeeper)?;
                Ok((*request, true))
            }
            store::Filed::Earlier(id) => Ok((store::get(conn, id)?.ok_or(Error::NotFound)?, false)),
        }
    })
}

/// The events of a history this person may read: requesters never see a consult, nor the note
/// of a routing (internal notes are for engineers only).
pub fn visible_history(events: Vec<Event>, engineer: bool) -> Vec<Event> {
    events
        .into_iter()
        .filter(|e| engineer || e.kind.shown_to_requesters())
        .map(|mut e| {
            if !engineer && e.kind.note_is_internal() {
                e.note = None;
            }
            e
        })
        .collect()
}

/// A request the actor may open: their own, any for engineers, and — its public part — the
/// original of a request of theirs that was closed as its duplicate (unless it is private).
pub(crate) fn readable(conn: &mut DbConnection, actor: Actor, id: RequestId) -> Result<Request, Error> {
    let request = store::get(conn, id)?.ok_or(Error::NotFound)?;
    if may_read(conn, actor, &request)? { Ok(request) } else { Err(Error::NotFound) }
}

/// Whether `actor` may read `request`: theirs, any for engineers, or one their own request was
/// closed as a duplicate of (unless it is private).
fn may_read(conn: &mut DbConnection, actor: Actor, request: &Request) -> Result<bool, Error> {
    Ok(request.facts().visible_to(actor)
        || (!request.private && store::filed_duplicate_of(conn, actor.id, request.id)?))
}

/// A request with the history its reader may see, and the names both mention.
pub struct RequestView {
    pub request: Request,
    pub history: Vec<Event>,
    pub names: Directory,
    /// The files on it the reader may see.
    pub attachments: Vec<super::attachments::Attachment>,
}

/// Reads a request the actor may see (their own, or any for engineers); anything else is
/// "not found", exactly like a missing one.
pub fn read(conn: &mut DbConnection, ctx: &Context, id: RequestId) -> Result<RequestView, Error> {
    read_transaction(conn, |conn| {
        let request = readable(conn, ctx.actor, id)?;
        let history = visible_history(store::history(conn, id)?, ctx.actor.role.is_engineer());
        let names = Directory::load(conn, people_named(&request, &history))?;
        let attachments = super::attachments::visible(conn, ctx.actor, id)?;
        Ok(RequestView { request, history, names, attachments })
    })
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    /// Empty: every state.
    pub states: Vec<State>,
    pub category: Option<i64>,
    pub service: Option<i64>,
    /// `me`, `nobody`, or an engineer's id.
    pub owner: Option<String>,
    /// Only requests with a smaller id (the cursor of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A page of requests, newest first, and the cursor of the next page.
pub struct ListPage {
    pub requests: Vec<Request>,
    pub next: Option<i64>,
    pub names: Directory,
}

pub const MAX_LIMIT: i64 = 200;

/// An owner filter as clients write it: `me`, `nobody`, or a person's id.
pub fn owner_filter(ctx: &Context, raw: Option<&str>) -> Result<OwnerFilter, Error> {
    Ok(match raw {
        None => OwnerFilter::Anyone,
        Some("me") => OwnerFilter::Person(ctx.actor.id),
        Some("nobody") => OwnerFilter::Nobody,
        Some(raw) => raw
            .parse::<i64>()
            .map(|id| OwnerFilter::Person(UserId(id)))
            .map_err(|_| Error::invalid("invalid", "owner"))?,
    })
}

/// Requests the actor may see — requesters only their own — newest first, a page at a time.
pub fn list(conn: &mut DbConnection, ctx: &Context, input: &ListInput) -> Result<ListPage, Error> {
    if !(1..=MAX_LIMIT).contains(&input.limit) {
        return Err(Error::invalid("out_of_range", "limit"));
    }
    let owner = owner_filter(ctx, input.owner.as_deref())?;
    let states = if input.states.is_empty() { State::ALL.to_vec() } else { input.states.clone() };
    let filter = QueueFilter {
        states,
        category: input.category.map(CategoryId),
        service: input.service.map(ServiceId),
        owner,
        requester: (!ctx.actor.role.is_engineer()).then_some(ctx.actor.id),
        routed_to: None,
        consulted: None,
        ids: None,
    };
    read_transaction(conn, |conn| {
        let mut requests = store::newest_first(conn, &filter, input.before, input.limit + 1)?;
        let more = requests.len() as i64 > input.limit;
        requests.truncate(usize::try_from(input.limit).unwrap_or(0));
        let next = if more { requests.last().map(|r| r.id.0) } else { None };
        let names = Directory::for_requests(conn, &requests)?;
        Ok(ListPage { requests, next, names })
    })
}

/// A triage action as a client sent it: the action's name and its arguments by name.
#[derive(Debug, Clone, Default)]
pub struct ActInput {
    pub note: Option<String>,
    /// The engineer to route to.
    pub to: Option<i64>,
    /// The engineer to consult.
    pub with: Option<i64>,
    /// The original, for a duplicate.
    pub of: Option<i64>,
}

/// An enabled engineer named by an action.
fn engineer(conn: &mut DbConnection, id: Option<i64>, field: &'static str) -> Result<Actor, Error> {
    let id = id.ok_or_else(|| Error::invalid("required", field))?;
    match users::by_id(conn, UserId(id))? {
        Some(person) if !person.disabled && person.role.is_engineer() => Ok(Actor { id: person.id, role: person.role }),
        _ => Err(Error::invalid("not_an_engineer", field)),
    }
}

fn note(raw: &Option<String>, required: bool) -> Result<Option<Note>, Error> {
    match raw.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None if required => Err(Error::invalid("required", "note")),
        None => Ok(None),
        Some(text) => Note::parse(text).map(Some).map_err(|e| Error::value("note", e)),
    }
}

/// Builds the domain action from a client's input.
pub fn action(conn: &mut DbConnection, name: ActionName, input: &ActInput) -> Result<Action, Error> {
    let required =
        || -> Result<Note, Error> { note(&input.note, true)?.ok_or_else(|| Error::invalid("required", "note")) };
    Ok(match name {
        ActionName::Take => Action::Take,
        ActionName::Route => Action::Route { to: engineer(conn, input.to, "to")?, note: note(&input.note, false)? },
        ActionName::Consult => Action::Consult { with: engineer(conn, input.with, "with")?, note: required()? },
        ActionName::Wait => Action::Wait { note: required()? },
        ActionName::Comment => Action::Comment { note: required()? },
        ActionName::Note => Action::Note { note: required()? },
        ActionName::Resolve => Action::Resolve { note: required()? },
        ActionName::Reject => Action::Reject { note: required()? },
        ActionName::Reopen => Action::Reopen { note: required()? },
        ActionName::Duplicate => Action::Duplicate {
            of: RequestId(input.of.ok_or_else(|| Error::invalid("required", "of"))?),
            note: note(&input.note, false)?,
        },
    })
}

/// How far back routing advice looks: the knowledge-concentration window ending this week.
const ADVICE_WEEKS: u32 = crate::report::CONCENTRATION_WEEKS;

/// What routing a request of a category needs to know: each engineer's resolved requests of
/// the category in the window, and the silo advice if the category is a silo.
pub struct Routing {
    pub experience: BTreeMap<i64, usize>,
    pub advice: Option<RoutingAdvice>,
}

/// Computes the routing advice for a category now, among `engineers`.
pub fn routing_advice(
    conn: &mut DbConnection,
    category: CategoryId,
    engineers: &[crate::db::models::User],
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> QueryResult<Routing> {
    let since = IsoWeek::containing(now, tz).window(ADVICE_WEEKS, tz).0;
    let experience = crate::db::metrics::category_coverage(conn, category, since, now)?;
    let rotation: Option<Vec<UserId>> =
        crate::db::rotation::roster(conn, now)?.version_in_force(now).map(|v| v.plan.engineers.clone());
    let rotation_size = rotation.as_ref().map(Vec::len).unwrap_or(engineers.len());
    let concentration = Concentration::of(category.0, experience.clone(), rotation_size);
    // Only people in the rotation are suggested (an admin outside it is not a routing target
    // for the team's knowledge); before there is a rotation, every engineer.
    let candidates: Vec<i64> = engineers
        .iter()
        .filter(|e| rotation.as_ref().is_none_or(|members| members.contains(&e.id)))
        .map(|e| e.id.0)
        .collect();
    let advice = metrics::routing_advice(&concentration, &candidates);
    Ok(Routing { experience, advice })
}

/// Builds the action from a client's input and applies it, in one transaction: the engineer
/// it names is checked in the same snapshot the change is written in.
pub fn perform(
    conn: &mut DbConnection,
    ctx: &Context,
    id: RequestId,
    seen_version: i32,
    name: ActionName,
    input: &ActInput,
) -> Result<Request, Error> {
    write_transaction(conn, |conn| {
        let action = action(conn, name, input)?;
        act(conn, ctx, id, seen_version, action)
    })
}

/// Applies an action to the version of the request the actor saw: the change and its event in
/// one transaction, or nothing. A routing into a knowledge silo also records, in the same
/// transaction, the advice the server gave and whether it was followed.
pub fn act(
    conn: &mut DbConnection,
    ctx: &Context,
    id: RequestId,
    seen_version: i32,
    action: Action,
) -> Result<Request, Error> {
    write_transaction(conn, |conn| {
        let routed_to = match &action {
            Action::Route { to, .. } => Some(to.id),
            _ => None,
        };
        let reopening = matches!(action, Action::Reopen { .. });
        // Read once for the action (who keeps goal) and for its news (people, channels).
        let setup = ctx.memo.team_setup(conn)?;
        let request =
            store::apply(conn, &setup, id, seen_version, ctx.actor, action, ctx.now).map_err(|e| match e {
                ApplyError::NotFound => Error::NotFound,
                ApplyError::Conflict(conflict) => Error::Conflict(conflict),
                ApplyError::Triage(TriageError::NotAllowed(code)) => Error::Forbidden { code },
                ApplyError::Triage(TriageError::Invalid { field, code }) => Error::invalid(code, field),
                ApplyError::Db(e) => Error::Db(e),
            })?;
        if reopening {
            // The resolution did not hold, so a good-answer mark on it goes too.
            crate::db::knowledge::clear_good_answer(conn, id)?;
        }
        // Whoever should hear of it is told: written here, sent by the delivery worker.
        if let Some(event) = store::last_event(conn, id)? {
            super::notify::record(conn, ctx, &setup, &request, event.kind, event.target, event.note.as_deref())?;
        }
        if let Some(to) = routed_to {
            let engineers = users::engineers(conn)?;
            let routing = routing_advice(conn, request.category, &engineers, ctx.now, ctx.team.timezone())?;
            if let Some(advice) = routing.advice {
                crate::db::metrics::record_routing_advice(conn, id, request.version, &advice, to, ctx.now)?;
            }
        }
        Ok(request)
    })
}

/// A page of the triage queue: open requests, most urgent first (tier, urgency, age).
pub struct QueuePage {
    pub requests: Vec<Request>,
    pub total: i64,
    pub names: Directory,
    /// In the "asked my advice" view: the question waiting on each request.
    pub questions: Vec<store::Question>,
}

/// One page of the queue, for engineers.
pub fn queue(
    conn: &mut DbConnection,
    ctx: &Context,
    filter: &QueueFilter,
    page: i64,
    per_page: i64,
) -> Result<QueuePage, Error> {
    check_queue_access(ctx, page)?;
    read_transaction(conn, |conn| {
        let catalog = super::names::Catalog::load(conn)?;
        queue_with(conn, filter, page, per_page, &catalog, None)
    })
}

/// The queue is for engineers, and its pages are numbered from 1.
fn check_queue_access(ctx: &Context, page: i64) -> Result<(), Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    if !(1..=1_000_000).contains(&page) {
        return Err(Error::invalid("out_of_range", "page"));
    }
    Ok(())
}

/// The same, with the catalog already read; the caller checked the access.
fn queue_with(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    page: i64,
    per_page: i64,
    catalog: &super::names::Catalog,
    open_counts: Option<&[(State, i64)]>,
) -> Result<QueuePage, Error> {
    read_transaction(conn, |conn| {
        let mut filter = filter.clone();
        let mut questions = Vec::new();
        if let Some(engineer) = filter.consulted {
            questions = store::awaiting_answer(conn, engineer)?;
            filter.ids = Some(questions.iter().map(|q| q.request.0).collect());
        }
        let known_total = open_counts.and_then(|counts| filter.size_from(counts));
        let (requests, total) = store::queue(conn, &filter, page, per_page, known_total)?;
        let names = Directory::for_requests_with(conn, &requests, catalog)?;
        Ok(QueuePage { requests, total, names, questions })
    })
}

/// A request with everything its page shows the actor.
pub struct Workspace {
    pub request: Request,
    /// The history this person may read (internal notes only for engineers).
    pub history: Vec<Event>,
    pub names: std::sync::Arc<Directory>,
    /// For engineers: the people a request can be routed to (none for others).
    pub engineers: std::sync::Arc<Vec<crate::db::models::User>>,
    /// For the route form: resolved requests of this category per engineer (12 weeks), open
    /// requests owned per engineer, and the silo advice if the category is one.
    pub experience: BTreeMap<i64, usize>,
    pub owned: std::collections::HashMap<i64, usize>,
    pub advice: Option<RoutingAdvice>,
    /// Open or recently closed requests that look alike (engineers, open requests only).
    pub similar: Vec<Request>,
    /// Requests closed as duplicates of this one.
    pub duplicates: Vec<i64>,
    /// How many people this answer solved a problem for before they filed it.
    pub helped: i64,
    /// For engineers, who may edit the request: the categories and services to choose from.
    pub edit_catalog: Option<std::sync::Arc<super::names::Catalog>>,
    /// The files on it the actor may see.
    pub attachments: Vec<crate::db::attachments::Attachment>,
    /// The engineers one can `@mention` in a comment or note.
    pub mentionable: std::sync::Arc<Vec<crate::db::models::User>>,
}

/// What a request's page shows that is the same for every reader, kept per state of the data.
struct RequestRecord {
    request: Request,
    /// Every event; each reader sees what `visible_history` leaves.
    history: Vec<Event>,
    /// The people the history and the request name, with the catalog.
    names: std::sync::Arc<Directory>,
    duplicates: Vec<i64>,
    helped: i64,
    /// Every file; internal ones only for engineers.
    attachments: Vec<super::attachments::Attachment>,
}

impl RequestRecord {
    fn load(
        conn: &mut DbConnection,
        id: RequestId,
        catalog: &super::names::Catalog,
    ) -> Result<Option<RequestRecord>, Error> {
        let Some(request) = store::get(conn, id)? else { return Ok(None) };
        let history = store::history(conn, id)?;
        let names = Directory::with_catalog(conn, people_named(&request, &history), catalog)?;
        // Only answers help anyone: no query for the other requests.
        let helped = if request.is_answer() {
            crate::db::knowledge::helped(conn, &[id.0])?.get(&id.0).copied().unwrap_or(0)
        } else {
            0
        };
        Ok(Some(RequestRecord {
            duplicates: store::duplicates_of(conn, id)?,
            attachments: crate::db::attachments::of_request(conn, id)?,
            names: std::sync::Arc::new(names),
            request,
            history,
            helped,
        }))
    }
}

/// Everyone a request's page names: who acted, was asked or given it, its requester, owner and
/// who marked it a good answer.
fn people_named<'a>(request: &'a Request, history: &'a [Event]) -> impl Iterator<Item = UserId> + 'a {
    history
        .iter()
        .flat_map(|e| [Some(e.actor), e.target, e.owner])
        .chain([Some(request.requester), request.owner, request.good_answer.map(|(by, _)| by)])
        .flatten()
}

/// Likely duplicates are looked for among the requests filed this recently.
const DUPLICATE_WINDOW_DAYS: i64 = 30;

/// Reads a request the actor may see with everything its page needs, in one transaction.
/// `look_for_similar` ranks likely duplicates (tens of milliseconds on a large history).
pub fn workspace(
    conn: &mut DbConnection,
    ctx: &Context,
    id: RequestId,
    look_for_similar: bool,
) -> Result<Workspace, Error> {
    let (actor, now, tz) = (ctx.actor, ctx.now, ctx.team.timezone());
    let engineer = actor.role.is_engineer();
    read_transaction(conn, |conn| {
        // What every reader sees alike (the request, its history, names, files) is kept between
        // views, as are the catalog and the engineers (as on the queue); what this reader may
        // see of it is decided here on every view.
        let memo = ctx.memo.at(conn)?;
        let catalog = memo.get_or_compute(conn, "catalog", super::names::Catalog::load)?;
        let record = memo
            .get_or_compute(conn, &format!("request page {}", id.0), |conn| RequestRecord::load(conn, id, &catalog))?;
        let Some(record) = record.as_ref() else { return Err(Error::NotFound) };
        if !may_read(conn, actor, &record.request)? {
            return Err(Error::NotFound);
        }
        let request = record.request.clone();
        let history = visible_history(record.history.clone(), engineer);
        let mentionable = memo.get_or_compute(conn, "engineers", users::engineers)?;
        let engineers = if engineer { std::sync::Arc::clone(&mentionable) } else { Default::default() };
        let (mut experience, mut owned, mut advice) = Default::default();
        if engineer && !request.state.is_final() {
            let routing = routing_advice(conn, request.category, &engineers, now, tz)?;
            (experience, advice) = (routing.experience, routing.advice);
            owned = crate::db::metrics::open_owned(conn)?;
        }
        let mut similar = Vec::new();
        if look_for_similar && engineer && !request.state.is_final() {
            // Only recent requests are candidates: that keeps the ranking cheap.
            let recent = now - chrono::Duration::days(DUPLICATE_WINDOW_DAYS);
            let from_id = store::first_id_since(conn, recent)?.unwrap_or(i64::MAX);
            let everything = crate::db::search::Scope::Everything;
            let any = crate::db::search::Match::Any;
            let hits = crate::db::search::search(conn, &request.title, any, everything, Some(from_id), 10)?;
            let ids: Vec<i64> = hits.iter().map(|h| h.id).filter(|found| *found != id.0).collect();
            let found = store::by_ids(conn, &ids)?;
            similar = found.into_iter().filter(|r| r.closed_at.is_none_or(|at| at >= recent)).take(5).collect();
        }
        // Likely duplicates name their requesters too, never "user #48".
        let names = if similar.is_empty() {
            std::sync::Arc::clone(&record.names)
        } else {
            let theirs = similar.iter().flat_map(|r: &Request| [Some(r.requester), r.owner]).flatten();
            let people = people_named(&record.request, &record.history).chain(theirs);
            std::sync::Arc::new(Directory::with_catalog(conn, people, &catalog)?)
        };
        let attachments =
            record.attachments.iter().filter(|a| super::attachments::may_see(a, actor)).cloned().collect();
        Ok(Workspace {
            request,
            history,
            names,
            engineers,
            experience,
            owned,
            advice,
            similar,
            duplicates: record.duplicates.clone(),
            helped: record.helped,
            edit_catalog: engineer.then_some(catalog),
            attachments,
            mentionable,
        })
    })
}

/// The queue page: a page of the queue, and what its filters and duty banner need.
pub struct QueueWorkspace {
    pub page: std::sync::Arc<QueuePage>,
    /// Open requests in each open state (the tabs).
    pub counts: Vec<(State, i64)>,
    /// The newest event of each request on the page, by request id.
    pub last_changes: std::collections::HashMap<i64, store::LastChange>,
    /// The categories and services to filter by.
    pub catalog: std::sync::Arc<super::names::Catalog>,
    pub engineers: std::sync::Arc<Vec<crate::db::models::User>>,
    pub roster: crate::domain::rotation::Roster,
    /// The outgoing goalkeeper's notes to read first, in the actor's first days on duty.
    pub handover: Option<super::reports::Handover>,
    /// The actor's saved views.
    pub views: Vec<crate::db::views::SavedView>,
}

/// One page of the queue with its filters' choices and the rota, in one transaction.
pub fn queue_workspace(
    conn: &mut DbConnection,
    ctx: &Context,
    filter: &QueueFilter,
    page: i64,
    per_page: i64,
) -> Result<QueueWorkspace, Error> {
    // Checked before anything kept is handed out.
    check_queue_access(ctx, page)?;
    read_transaction(conn, |conn| {
        // The catalog, the counts, the page and the people on it change only with writes to the
        // tables they are read from: kept for the state they were read in, so views between two
        // writes read little more than the session (walking the open requests to count them was
        // a sixth of the page, the page's rows and names half).
        let memo = ctx.memo.at(conn)?;
        let catalog = memo.get_or_compute(conn, "catalog", super::names::Catalog::load)?;
        let mut counts: Vec<(State, i64)> = State::OPEN.iter().map(|s| (*s, 0)).collect();
        for (state, count) in memo.get_or_compute(conn, "open counts by state", store::open_counts_by_state)?.iter() {
            if let Some(slot) = counts.iter_mut().find(|(s, _)| s == state) {
                slot.1 += count;
            }
        }
        let page = memo.get_or_compute(conn, &format!("queue page {filter:?} {page} {per_page}"), |conn| {
            queue_with(conn, filter, page, per_page, &catalog, Some(&counts))
        })?;
        let ids: Vec<i64> = page.requests.iter().map(|r| r.id.0).collect();
        let last_changes = memo
            .get_or_compute(conn, &format!("last changes {ids:?}"), |conn| store::last_changes(conn, &ids))?
            .iter()
            .map(|e| (e.request.0, e.clone()))
            .collect();
        let roster = memo.get_or_compute(conn, "roster parts", crate::db::rotation::roster_parts)?.roster(ctx.now);
        Ok(QueueWorkspace {
            page,
            counts,
            last_changes,
            catalog,
            engineers: memo.get_or_compute(conn, "engineers", users::engineers)?,
            handover: super::reports::handover_for(conn, ctx, &roster)?,
            roster,
            views: memo
                .get_or_compute(conn, &format!("saved views of {}", ctx.actor.id.0), |conn| {
                    super::views::list(conn, ctx)
                })?
                .to_vec(),
        })
    })
}

/// A problem an answer solved before it was filed.
pub struct Solved {
    pub title: String,
    pub answer_id: i64,
    /// None once the answer is no longer the person's to read (made private, or reopened).
    pub answer_title: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A page of "My requests": what the actor filed, newest first, and on the first page the
/// problems answers solved for them.
pub struct Mine {
    pub requests: Vec<Request>,
    pub total: i64,
    pub names: Directory,
    pub solved: Vec<Solved>,
}

/// How many of one's deflections "My requests" lists.
const SOLVED_SHOWN: i64 = 10;

pub fn mine(conn: &mut DbConnection, ctx: &Context, page: i64, per_page: i64) -> Result<Mine, Error> {
    let me = ctx.actor.id;
    read_transaction(conn, |conn| {
        let (requests, total) = store::filed_by(conn, me, page, per_page)?;
        let names = Directory::for_requests(conn, &requests)?;
        let deflections =
            if page == 1 { crate::db::knowledge::deflections_of(conn, me, SOLVED_SHOWN)? } else { Vec::new() };
        let answer_ids: Vec<i64> = deflections.iter().map(|d| d.answer_id).collect();
        // Only what the person may still read: an answer, or their own request.
        let answers: std::collections::HashMap<i64, String> = store::by_ids(conn, &answer_ids)?
            .into_iter()
            .filter(|r| r.is_answer() || r.requester == me)
            .map(|r| (r.id.0, r.title))
            .collect();
        let solved = deflections
            .into_iter()
            .map(|d| Solved {
                answer_title: answers.get(&d.answer_id).cloned(),
                answer_id: d.answer_id,
                title: d.title,
                at: crate::db::models::utc(d.at),
            })
            .collect();
        Ok(Mine { requests, total, names, solved })
    })
}

/// The next request waiting for a first triage decision (the queue's default view, most urgent
/// first), other than `after`: where the goalkeeper goes after deciding on one.
pub fn next_to_triage(conn: &mut DbConnection, ctx: &Context, after: RequestId) -> Result<Option<RequestId>, Error> {
    let filter = QueueFilter { states: vec![State::New], owner: OwnerFilter::Nobody, ..Default::default() };
    let page = queue(conn, ctx, &filter, 1, 2)?;
    Ok(page.requests.iter().map(|r| r.id).find(|id| *id != after))
}

/// The fields an edit changes; the others keep their current value.
#[derive(Debug, Clone, Default)]
pub struct EditPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<i64>,
    /// `Some(None)` clears the service.
    pub service: Option<Option<i64>>,
    pub urgency: Option<String>,
}

/// Corrects a request's fields (engineers; the page's form sends them all, the API's PATCH and
/// the queue's bulk edit some), on the version the actor saw; the history gets an `edited` event
/// saying what changed from what to what.
pub fn edit(
    conn: &mut DbConnection,
    ctx: &Context,
    id: RequestId,
    seen_version: i32,
    given: &EditPatch,
) -> Result<Request, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    // What was given is checked before anything is read.
    let title = given.title.as_deref().map(Title::parse).transpose().map_err(|e| Error::value("title", e))?;
    let description =
        given.description.as_deref().map(Description::parse).transpose().map_err(|e| Error::value("description", e))?;
    let urgency = given.urgency.as_deref().map(Urgency::parse).transpose().map_err(|e| Error::value("urgency", e))?;
    write_transaction(conn, |conn| {
        let before = store::get(conn, id)?.filter(|r| r.facts().visible_to(ctx.actor)).ok_or(Error::NotFound)?;
        // What was not given stays as it is (stored values were checked when they were written).
        let title = match title.clone() {
            Some(title) => title,
            None => Title::parse(&before.title).map_err(|e| Error::value("title", e))?,
        };
        let description = match description.clone() {
            Some(description) => description,
            None => Description::parse(&before.description).map_err(|e| Error::value("description", e))?,
        };
        let urgency = urgency.unwrap_or(before.urgency);
        let change = store::Edit {
            title: &title,
            description: &description,
            category: given.category.map_or(before.category, CategoryId),
            service: given.service.map_or(before.service, |s| s.map(ServiceId)),
            urgency,
        };
        let names = Directory::load(conn, [])?;
        let mut lines = Vec::new();
        if before.title != title.as_str() {
            lines.push(format!("Title: “{}” → “{}”", before.title, title.as_str()));
        }
        if before.category != change.category {
            lines.push(format!("Category: {} → {}", names.category(before.category), names.category(change.category)));
        }
        if before.service != change.service {
            let service = |s| names.service(s).0;
            lines.push(format!("Service: {} → {}", service(before.service), service(change.service)));
        }
        if before.urgency != urgency {
            lines.push(format!("Urgency: {} → {}", before.urgency.label(), urgency.label()));
        }
        if before.description != description.as_str() {
            lines.push("Description changed".to_owned());
        }
        if lines.is_empty() {
            return Err(Error::invalid("unchanged", "title"));
        }
        let note = lines.join("\n");
        let setup = ctx.memo.team_setup(conn)?;
        store::edit(conn, &setup, id, seen_version, ctx.actor, &change, &note, ctx.now).map_err(|e| match e {
            store::EditError::NotFound => Error::NotFound,
            store::EditError::Conflict(conflict) => Error::Conflict(conflict),
            store::EditError::Choice(FileError::UnknownCategory) => Error::invalid("unknown", "category_id"),
            store::EditError::Choice(FileError::UnknownService) => Error::invalid("unknown", "service_id"),
            store::EditError::Choice(FileError::Db(e)) | store::EditError::Db(e) => Error::Db(e),
        })
    })
}

/// One request of a bulk action: its id and the version the actor saw.
#[derive(Debug, Clone, Copy)]
pub struct Picked {
    pub id: RequestId,
    pub version: i32,
}

/// What a bulk action did to each request.
#[derive(Debug, Default)]
pub struct BulkReport {
    pub done: Vec<RequestId>,
    /// Changed since the actor saw them: left alone.
    pub conflicted: Vec<RequestId>,
    /// Refused by a rule (with its code), e.g. already owned.
    pub refused: Vec<(RequestId, &'static str)>,
}

/// The most requests one bulk action touches.
pub const MAX_BULK: usize = 100;

/// Applies one action to several requests, each through the same use case as one at a time:
/// its own transaction, event and version check. A wrong argument (no note, no engineer) stops
/// it before anything changes; a request that changed or refuses is reported, not forced.
pub fn bulk(
    conn: &mut DbConnection,
    ctx: &Context,
    name: ActionName,
    input: &ActInput,
    picked: &[Picked],
) -> Result<BulkReport, Error> {
    if picked.is_empty() {
        return Err(Error::invalid("required", "pick"));
    }
    if picked.len() > MAX_BULK {
        return Err(Error::invalid("out_of_range", "pick"));
    }
    // Check the arguments once, before touching anything.
    write_transaction(conn, |conn| action(conn, name, input).map(|_| ()))?;
    let mut report = BulkReport::default();
    for pick in picked {
        match perform(conn, ctx, pick.id, pick.version, name, input) {
            Ok(_) => report.done.push(pick.id),
            Err(Error::Conflict(_)) => report.conflicted.push(pick.id),
            Err(Error::Forbidden { code }) => report.refused.push((pick.id, code)),
            Err(Error::NotFound) => report.refused.push((pick.id, "not_found")),
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}

/// Sets the same fields on several requests, each through `edit` (its own transaction,
/// `edited` event and version check). A request that already has the values is reported as
/// refused (`unchanged`), one that changed meanwhile as conflicted.
pub fn bulk_edit(
    conn: &mut DbConnection,
    ctx: &Context,
    change: &EditPatch,
    picked: &[Picked],
) -> Result<BulkReport, Error> {
    if !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    if picked.is_empty() {
        return Err(Error::invalid("required", "pick"));
    }
    if picked.len() > MAX_BULK {
        return Err(Error::invalid("out_of_range", "pick"));
    }
    // Check the values once, before touching anything.
    if let Some(id) = change.category {
        let usable = read_transaction(conn, crate::db::catalog::categories)?
            .iter()
            .any(|c| c.id == CategoryId(id) && !c.archived);
        if !usable {
            return Err(Error::invalid("unknown", "category_id"));
        }
    }
    if let Some(raw) = &change.urgency {
        Urgency::parse(raw).map_err(|e| Error::value("urgency", e))?;
    }
    let mut report = BulkReport::default();
    for pick in picked {
        match edit(conn, ctx, pick.id, pick.version, change) {
            Ok(_) => report.done.push(pick.id),
            Err(Error::Conflict(_)) => report.conflicted.push(pick.id),
            Err(Error::Invalid { code: "unchanged", .. }) => report.refused.push((pick.id, "unchanged")),
            Err(Error::Forbidden { code }) => report.refused.push((pick.id, code)),
            Err(Error::NotFound) => report.refused.push((pick.id, "not_found")),
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}
