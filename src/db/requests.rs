//! Requests and their history. Every change writes its event in the same transaction.

use super::metrics::MetricEventRow;
use super::models::{Event, EventRow, NewEventRow, NewRequestRow, Request, RequestRow, naive};
use super::schema::{events, idempotency_keys, requests};
use super::team::{TeamSetup, Unusable};
use super::{DbConnection, write_transaction};
use crate::domain::metrics::History;
use crate::domain::{
    Action, Actor, CategoryId, Description, EventKind, RequestId, Role, ServiceId, State, Tier, Title, TriageError,
    Urgency, UserId, triage,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

pub struct NewRequest<'a> {
    pub title: &'a Title,
    pub description: &'a Description,
    pub category: CategoryId,
    pub service: Option<ServiceId>,
    pub urgency: Urgency,
    pub requester: UserId,
    /// The requester's role now, recorded on the `filed` event.
    pub requester_role: Role,
    /// The same key from the same person files the request once.
    pub idempotency_key: Option<&'a str>,
    /// Keep it from being read by others as an answer once resolved.
    pub private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("choose one of the listed categories")]
    UnknownCategory,
    #[error("choose one of the listed services")]
    UnknownService,
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// What filing did.
pub enum Filed {
    /// A new request, with what its news needs: the tier of its service as filed and who kept
    /// goal then (both read while filing, so telling people reads neither again).
    New { request: Box<Request>, tier: Option<Tier>, goalkeeper: Option<UserId> },
    /// The request filed earlier with the same idempotency key.
    Earlier(RequestId),
}

impl Filed {
    pub fn id(&self) -> RequestId {
        match self {
            Filed::New { request, .. } => request.id,
            Filed::Earlier(id) => *id,
        }
    }
}

impl From<Unusable> for FileError {
    fn from(unusable: Unusable) -> Self {
        match unusable {
            Unusable::Category => FileError::UnknownCategory,
            Unusable::Service => FileError::UnknownService,
        }
    }
}

/// Files a request (or finds the one already filed with this idempotency key). `setup` is the
/// team's as this transaction sees it: the category and service must take requests.
pub fn file(
    conn: &mut DbConnection,
    new: &NewRequest<'_>,
    setup: &TeamSetup,
    now: DateTime<Utc>,
) -> Result<Filed, FileError> {
    let Some(key) = new.idempotency_key else {
        // Without a key nothing is recovered from: any failure fails the caller's transaction,
        // so no savepoint (two round trips on PostgreSQL) is needed inside one.
        return if super::in_transaction(conn) {
            file_once(conn, new, setup, now)
        } else {
            write_transaction(conn, |conn| file_once(conn, new, setup, now))
        };
    };
    // The savepoint lets a failed insert be recovered from: PostgreSQL refuses every statement
    // of a transaction after an error, unless it is rolled back to a savepoint.
    match write_transaction(conn, |conn| file_once(conn, new, setup, now)) {
        // Two posts of one key at once: on PostgreSQL the later one waits for the earlier and
        // then meets its key. The earlier one's request is the answer.
        Err(FileError::Db(DieselError::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))) => {
            let filed = filed_with_key(conn, new.requester, key)?;
            filed.map(Filed::Earlier).ok_or(FileError::Db(DieselError::NotFound))
        }
        other => other,
    }
}

fn file_once(
    conn: &mut DbConnection,
    new: &NewRequest<'_>,
    setup: &TeamSetup,
    now: DateTime<Utc>,
) -> Result<Filed, FileError> {
    if let Some(key) = new.idempotency_key
        && let Some(id) = filed_with_key(conn, new.requester, key)?
    {
        return Ok(Filed::Earlier(id));
    }
    let tier = setup.usable_tier(new.category, new.service).map_err(FileError::from)?;
    let values = NewRequestRow {
        title: new.title.as_str(),
        description: new.description.as_str(),
        category_id: new.category.0,
        service_id: new.service.map(|s| s.0),
        urgency: new.urgency.as_str(),
        state: State::New.as_str(),
        requester_id: new.requester.0,
        tier_rank: Tier::rank(tier),
        urgency_rank: new.urgency.rank(),
        version: 1,
        created_at: naive(now),
        updated_at: naive(now),
        private: new.private,
        filed_tier: tier.map(Tier::as_str),
    };
    // The stored row comes back with the insert (one round trip, not two); the multi-backend
    // connection cannot type a `RETURNING` selection itself, each backend's can.
    let insert = diesel::insert_into(requests::table).values(&values);
    let row: RequestRow = match conn {
        DbConnection::Sqlite(c) => insert.returning(RequestRow::as_returning()).get_result(c)?,
        DbConnection::Pg(c) => insert.returning(RequestRow::as_returning()).get_result(c)?,
    };
    let request = Box::new(Request::try_from(row)?);
    super::search::note_words(conn, &[new.title.as_str(), new.description.as_str()])?;
    let goalkeeper = setup.goalkeeper_at(now);
    diesel::insert_into(events::table)
        .values(&NewEventRow {
            request_id: request.id.0,
            actor_id: new.requester.0,
            at: naive(now),
            kind: EventKind::Filed.as_str(),
            from_state: None,
            to_state: State::New.as_str(),
            owner_id: None,
            target_id: None,
            related_request_id: None,
            note: None,
            request_version: 1,
            goalkeeper_id: goalkeeper.map(|g| g.0),
            actor_role: new.requester_role.as_str(),
        })
        .execute(conn)?;
    if let Some(key) = new.idempotency_key {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::user_id.eq(new.requester.0),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_id.eq(request.id.0),
                idempotency_keys::created_at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    Ok(Filed::New { request, tier, goalkeeper })
}

/// The request this person filed with this idempotency key, if any.
pub fn filed_with_key(conn: &mut DbConnection, requester: UserId, key: &str) -> QueryResult<Option<RequestId>> {
    let filed: Option<i64> =
        super::only(idempotency_keys::table.find((requester.0, key)).select(idempotency_keys::request_id).load(conn)?);
    Ok(filed.map(RequestId))
}

pub fn get(conn: &mut DbConnection, id: RequestId) -> QueryResult<Option<Request>> {
    let row: Option<RequestRow> = super::only(requests::table.find(id.0).select(RequestRow::as_select()).load(conn)?);
    row.map(Request::try_from).transpose()
}

/// The first request filed at or after `since` (ids grow with time).
pub fn first_id_since(conn: &mut DbConnection, since: DateTime<Utc>) -> QueryResult<Option<i64>> {
    requests::table
        .filter(requests::created_at.ge(naive(since)))
        .select(diesel::dsl::min(requests::id))
        .get_result(conn)
}

/// Whether `requester` filed a request that was closed as a duplicate of `original`.
pub fn filed_duplicate_of(conn: &mut DbConnection, requester: UserId, original: RequestId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        requests::table.filter(requests::duplicate_of.eq(original.0)).filter(requests::requester_id.eq(requester.0)),
    ))
    .get_result(conn)
}

/// Requests closed as duplicates of this one.
// The request page's lookups by request id bind it as a one-id list (`id_in`): SQLite plans a
// `column = ?` on an indexed column again whenever it is rebound, its statistics comparing the
// value (two plannings, a fifth of the page).
pub fn duplicates_of(conn: &mut DbConnection, id: RequestId) -> QueryResult<Vec<i64>> {
    requests::table
        .filter(super::id_list::id_in(requests::duplicate_of, &[id.0]))
        .order(requests::id)
        .select(requests::id)
        .load(conn)
}

pub fn history(conn: &mut DbConnection, id: RequestId) -> QueryResult<Vec<Event>> {
    let rows: Vec<EventRow> = events::table
        .filter(super::id_list::id_in(events::request_id, &[id.0]))
        .order(events::id.asc())
        .select(EventRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Event::try_from).collect()
}

/// The newest event of a request.
pub fn last_event(conn: &mut DbConnection, id: RequestId) -> QueryResult<Option<Event>> {
    let row: Option<EventRow> = events::table
        .filter(events::request_id.eq(id.0))
        .order(events::id.desc())
        .select(EventRow::as_select())
        .first(conn)
        .optional()?;
    row.map(Event::try_from).transpose()
}

fn events_after(conn: &mut DbConnection, id: RequestId, version: i32) -> QueryResult<Vec<Event>> {
    let rows: Vec<EventRow> = events::table
        .filter(events::request_id.eq(id.0))
        .filter(events::request_version.gt(version))
        .order(events::id.asc())
        .select(EventRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Event::try_from).collect()
}

/// The request changed since the person loaded it.
#[derive(Debug)]
pub struct Conflict {
    pub current: Request,
    /// What happened since the version they saw.
    pub missed: Vec<Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("no such request")]
    NotFound,
    #[error("the request changed")]
    Conflict(Box<Conflict>),
    #[error(transparent)]
    Triage(#[from] TriageError),
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// The request as it is now and the events written since the version the actor saw (`None`
/// when it is gone).
fn conflict_since(conn: &mut DbConnection, id: RequestId, seen_version: i32) -> QueryResult<Option<Box<Conflict>>> {
    let Some(current) = get(conn, id)? else { return Ok(None) };
    let missed = events_after(conn, id, seen_version)?;
    Ok(Some(Box::new(Conflict { current, missed })))
}

/// Writes an event and the summary it changes, in the caller's transaction; returns the
/// request as it is now.
fn record_event(conn: &mut DbConnection, event: &NewEventRow<'_>) -> QueryResult<Option<Request>> {
    let id = RequestId(event.request_id);
    diesel::insert_into(events::table).values(event).execute(conn)?;
    if let Some(note) = event.note {
        super::search::note_words(conn, &[note])?;
    }
    refresh_summary(conn, id)?;
    get(conn, id)
}

/// Records an event that changes no state (a file attached or removed) on the request as it is
/// now, in the caller's transaction; the version moves on so open pages learn of it. The event
/// records who keeps goal by `setup`'s rota.
pub fn record_side_event(
    conn: &mut DbConnection,
    setup: &TeamSetup,
    id: RequestId,
    actor: Actor,
    kind: EventKind,
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<Request>> {
    let Some(request) = get(conn, id)? else { return Ok(None) };
    let version = request.version + 1;
    diesel::update(requests::table.find(id.0))
        .set((requests::version.eq(version), requests::updated_at.eq(naive(now))))
        .execute(conn)?;
    let goalkeeper = setup.goalkeeper_at(now).map(|g| g.0);
    record_event(conn, &same_state_event(&request, actor, kind, note, version, goalkeeper, now))
}

/// The event of a change that leaves the request's state and owner as they were (an edit, a
/// file attached or removed), at `version`.
fn same_state_event<'a>(
    request: &Request,
    actor: Actor,
    kind: EventKind,
    note: &'a str,
    version: i32,
    goalkeeper: Option<i64>,
    now: DateTime<Utc>,
) -> NewEventRow<'a> {
    NewEventRow {
        request_id: request.id.0,
        actor_id: actor.id.0,
        at: naive(now),
        kind: kind.as_str(),
        from_state: Some(request.state.as_str()),
        to_state: request.state.as_str(),
        owner_id: request.owner.map(|o| o.0),
        target_id: None,
        related_request_id: None,
        note: Some(note),
        request_version: version,
        goalkeeper_id: goalkeeper,
        actor_role: actor.role.as_str(),
    }
}

/// What an engineer changes of a request.
pub struct Edit<'a> {
    pub title: &'a Title,
    pub description: &'a Description,
    pub category: CategoryId,
    pub service: Option<ServiceId>,
    pub urgency: crate::domain::Urgency,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no such request")]
    NotFound,
    #[error("the request changed")]
    Conflict(Box<Conflict>),
    #[error(transparent)]
    Choice(#[from] FileError),
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Changes a request's fields on the version the actor saw, with an `edited` event whose note
/// says what changed: both in one transaction, or nothing.
// The setup is the caller's transaction's (it checks the choices and names the goalkeeper).
#[allow(clippy::too_many_arguments)]
pub fn edit(
    conn: &mut DbConnection,
    setup: &TeamSetup,
    id: RequestId,
    seen_version: i32,
    actor: Actor,
    edit: &Edit<'_>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Request, EditError> {
    write_transaction(conn, |conn| {
        let request = get(conn, id)?.ok_or(EditError::NotFound)?;
        let conflict = |conn: &mut DbConnection| -> Result<Request, EditError> {
            Err(conflict_since(conn, id, seen_version)?.map_or(EditError::NotFound, EditError::Conflict))
        };
        if request.version != seen_version {
            return conflict(conn);
        }
        let tier = setup.usable_tier(edit.category, edit.service).map_err(FileError::from)?;
        let new_version = seen_version + 1;
        let goalkeeper = setup.goalkeeper_at(now).map(|g| g.0);
        let updated =
            diesel::update(requests::table.filter(requests::id.eq(id.0)).filter(requests::version.eq(seen_version)))
                .set((
                    requests::title.eq(edit.title.as_str()),
                    requests::description.eq(edit.description.as_str()),
                    requests::category_id.eq(edit.category.0),
                    requests::service_id.eq(edit.service.map(|s| s.0)),
                    requests::urgency.eq(edit.urgency.as_str()),
                    requests::tier_rank.eq(Tier::rank(tier)),
                    requests::urgency_rank.eq(edit.urgency.rank()),
                    requests::version.eq(new_version),
                    requests::updated_at.eq(naive(now)),
                ))
                .execute(conn)?;
        if updated == 0 {
            return conflict(conn);
        }
        super::search::note_words(conn, &[edit.title.as_str(), edit.description.as_str()])?;
        let event = same_state_event(&request, actor, EventKind::Edited, note, new_version, goalkeeper, now);
        record_event(conn, &event)?.ok_or(EditError::NotFound)
    })
}

/// Applies a triage action to the version of the request the actor saw: the state change and
/// its event in one transaction, or nothing at all. `setup` is the team's as this transaction
/// sees it (it names the goalkeeper the event records).
pub fn apply(
    conn: &mut DbConnection,
    setup: &TeamSetup,
    id: RequestId,
    seen_version: i32,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Request, ApplyError> {
    write_transaction(conn, |conn| {
        let request = get(conn, id)?.ok_or(ApplyError::NotFound)?;
        let facts = request.facts();
        if !facts.visible_to(actor) {
            return Err(ApplyError::NotFound);
        }
        let conflict = |conn: &mut DbConnection| -> Result<Request, ApplyError> {
            Err(conflict_since(conn, id, seen_version)?.map_or(ApplyError::NotFound, ApplyError::Conflict))
        };
        if request.version != seen_version {
            return conflict(conn);
        }
        if let Action::Duplicate { of, .. } = &action {
            let exists: i64 = requests::table.filter(requests::id.eq(of.0)).count().get_result(conn)?;
            if exists == 0 {
                return Err(TriageError::Invalid { field: "of", code: "unknown" }.into());
            }
        }
        let change = triage::decide(&facts, actor, action, now)?;
        let new_version = seen_version + 1;
        let goalkeeper = setup.goalkeeper_at(now).map(|g| g.0);
        let updated =
            diesel::update(requests::table.filter(requests::id.eq(id.0)).filter(requests::version.eq(seen_version)))
                .set((
                    requests::state.eq(change.to.as_str()),
                    requests::owner_id.eq(change.owner.map(|o| o.0)),
                    requests::version.eq(new_version),
                    requests::updated_at.eq(naive(now)),
                ))
                .execute(conn)?;
        if updated == 0 {
            // Another instance won the race between our read and our write.
            return conflict(conn);
        }
        let event = NewEventRow {
            request_id: id.0,
            actor_id: actor.id.0,
            at: naive(now),
            kind: change.kind.as_str(),
            from_state: Some(change.from.as_str()),
            to_state: change.to.as_str(),
            owner_id: change.owner.map(|o| o.0),
            target_id: change.target.map(|t| t.0),
            related_request_id: change.related.map(|r| r.0),
            note: change.note.as_deref(),
            request_version: new_version,
            goalkeeper_id: goalkeeper,
            actor_role: actor.role.as_str(),
        };
        record_event(conn, &event)?.ok_or(ApplyError::NotFound)
    })
}

/// Writes the request's summary columns (`domain::metrics::RequestSummary`: its final close,
/// closer, duplicate link, first response and triage, routed, reopened) as the pure function of
/// its events that [`History::summary`] defines, in the transaction of the event that changed
/// them: the stored figures and the events cannot disagree.
pub fn refresh_summary(conn: &mut DbConnection, id: RequestId) -> QueryResult<()> {
    type Before = (
        i64,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
    );
    let (category, state, created_at, closed_before, responded_before, triaged_before): Before = requests::table
        .find(id.0)
        .select((
            requests::category_id,
            requests::state,
            requests::created_at,
            requests::closed_at,
            requests::first_response_at,
            requests::first_triage_at,
        ))
        .get_result(conn)?;
    let rows: Vec<MetricEventRow> = events::table
        .filter(events::request_id.eq(id.0))
        .order(events::id)
        .select(MetricEventRow::as_select())
        .load(conn)?;
    let events = rows.into_iter().map(MetricEventRow::into_event).collect::<QueryResult<_>>()?;
    let history = History {
        id,
        category: CategoryId(category),
        tier: None,
        state: State::parse(&state).map_err(|_| super::corrupt("state", &state))?,
        filed_at: super::models::utc(created_at),
        events,
    };
    let summary = history.summary();
    diesel::update(requests::table.find(id.0))
        .set((
            requests::closed_at.eq(summary.closed_at.map(naive)),
            requests::closed_by.eq(summary.closed_by.map(|u| u.0)),
            requests::close_goalkeeper.eq(summary.close_goalkeeper.map(|u| u.0)),
            requests::duplicate_of.eq(summary.duplicate_of.map(|r| r.0)),
            requests::first_response_at.eq(summary.first_response_at.map(naive)),
            requests::first_triage_at.eq(summary.first_triage_at.map(naive)),
            requests::first_triage_goalkeeper.eq(summary.first_triage_goalkeeper.map(|u| u.0)),
            requests::routed.eq(summary.routed),
            requests::reopened.eq(summary.reopened),
        ))
        .execute(conn)?;
    // The weeks this request counts in, before and after, no longer hold kept figures.
    let mut moments: Vec<DateTime<Utc>> = [closed_before, responded_before, triaged_before]
        .into_iter()
        .flatten()
        .map(super::models::utc)
        .chain([summary.closed_at, summary.first_response_at, summary.first_triage_at].into_iter().flatten())
        .collect();
    moments.push(summary.filed_at);
    if let Some(latest) = history.events.last().map(|e| e.at) {
        super::metrics::forget_weeks(conn, &moments, latest)?;
    }
    Ok(())
}

/// Who a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerFilter {
    #[default]
    Anyone,
    Nobody,
    Person(UserId),
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Empty means the open states.
    pub states: Vec<State>,
    pub category: Option<CategoryId>,
    pub service: Option<ServiceId>,
    pub owner: OwnerFilter,
    pub requester: Option<UserId>,
    /// Only requests that were routed to this engineer and that they still own.
    pub routed_to: Option<UserId>,
    /// Only open requests on which this engineer was consulted and has not answered since
    /// (the core turns it into `ids`).
    pub consulted: Option<UserId>,
    /// Only these requests.
    pub ids: Option<Vec<i64>>,
}

impl QueueFilter {
    /// How many requests match, from the open requests counted per state, when nothing but
    /// open states narrows the filter (the queue's tabs have those counts already).
    pub fn size_from(&self, open_counts: &[(State, i64)]) -> Option<i64> {
        let only_states = self.category.is_none()
            && self.service.is_none()
            && matches!(self.owner, OwnerFilter::Anyone)
            && self.requester.is_none()
            && self.routed_to.is_none()
            && self.consulted.is_none()
            && self.ids.is_none();
        let states = if self.states.is_empty() { State::OPEN } else { &self.states };
        (only_states && states.iter().all(|s| !s.is_final()))
            .then(|| open_counts.iter().filter(|(state, _)| states.contains(state)).map(|(_, count)| count).sum())
    }
}

type BoxedRequests<'a> = requests::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `state` is one of `states`, written into the SQL as text constants (see `one_of`); for
/// `State::OPEN` the condition is that of the index of open requests (`requests_open_queue`).
pub(crate) fn state_in(
    states: &[State],
) -> Box<dyn BoxableExpression<requests::table, Backend, SqlType = diesel::sql_types::Bool>> {
    Box::new(super::one_of::OneOf::new(requests::state, states.iter().map(|s| s.as_str())))
}

fn filtered(filter: &QueueFilter) -> BoxedRequests<'static> {
    let states = if filter.states.is_empty() { State::OPEN } else { &filter.states };
    let mut query = requests::table.into_boxed().filter(state_in(states));
    if let Some(category) = filter.category {
        query = query.filter(requests::category_id.eq(category.0));
    }
    if let Some(service) = filter.service {
        query = query.filter(requests::service_id.eq(service.0));
    }
    match filter.owner {
        OwnerFilter::Anyone => {}
        OwnerFilter::Nobody => query = query.filter(requests::owner_id.is_null()),
        OwnerFilter::Person(owner) => query = query.filter(requests::owner_id.eq(owner.0)),
    }
    if let Some(requester) = filter.requester {
        query = query.filter(requests::requester_id.eq(requester.0));
    }
    if let Some(engineer) = filter.routed_to {
        let routed = events::table
            .filter(events::target_id.eq(engineer.0))
            .filter(events::kind.eq(EventKind::Routed.as_str()))
            .select(events::request_id);
        query = query.filter(requests::owner_id.eq(engineer.0)).filter(requests::id.eq_any(routed));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(super::id_list::id_in(requests::id, ids));
    }
    query
}

/// One page of the triage queue, most urgent first: service tier, then urgency, then age;
/// the id makes the order total so pages never overlap.
pub fn queue(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    page: i64,
    per_page: i64,
    known_total: Option<i64>,
) -> QueryResult<(Vec<Request>, i64)> {
    let total: i64 = match known_total {
        Some(total) => total,
        None => filtered(filter).count().get_result(conn)?,
    };
    // The page's ids first: the order is read from the queue index alone, so only the small
    // keys of the open requests are sorted (not every open row with its description).
    let ids: Vec<i64> = filtered(filter)
        .order((
            requests::tier_rank.asc(),
            requests::urgency_rank.asc(),
            requests::created_at.asc(),
            requests::id.asc(),
        ))
        .limit(per_page)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .select(requests::id)
        .load(conn)?;
    Ok((by_ids(conn, &ids)?, total))
}

/// These requests, in the order of `ids`.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Request>> {
    let rows: Vec<RequestRow> =
        requests::table.filter(super::id_list::id_in(requests::id, ids)).select(RequestRow::as_select()).load(conn)?;
    let mut found: std::collections::HashMap<i64, RequestRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    ids.iter().filter_map(|id| found.remove(id)).map(Request::try_from).collect()
}

/// One request still open, as the weekly report lists it.
pub struct OpenRequest {
    pub id: RequestId,
    pub title: String,
    pub state: State,
    pub owner: Option<UserId>,
    pub filed_at: DateTime<Utc>,
}

/// Every request open now, oldest first: the whole list, never a page of it.
pub fn open_now(conn: &mut DbConnection) -> QueryResult<Vec<OpenRequest>> {
    let rows: Vec<(i64, String, String, Option<i64>, chrono::NaiveDateTime)> = requests::table
        .filter(state_in(State::OPEN))
        .order((requests::created_at.asc(), requests::id.asc()))
        .select((requests::id, requests::title, requests::state, requests::owner_id, requests::created_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, title, state, owner, filed)| {
            Ok(OpenRequest {
                id: RequestId(id),
                title,
                state: State::parse(&state).map_err(|_| super::corrupt("state", &state))?,
                owner: owner.map(UserId),
                filed_at: super::models::utc(filed),
            })
        })
        .collect()
}

/// Requests that match `filter`, newest first, with an id below `before` when given.
pub fn newest_first(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Request>> {
    let mut query = filtered(filter);
    if let Some(before) = before {
        query = query.filter(requests::id.lt(before));
    }
    let rows: Vec<RequestRow> =
        query.order(requests::id.desc()).limit(limit).select(RequestRow::as_select()).load(conn)?;
    rows.into_iter().map(Request::try_from).collect()
}

/// Open requests counted by state and service.
pub fn open_counts(conn: &mut DbConnection) -> QueryResult<Vec<(State, Option<ServiceId>, i64)>> {
    let rows: Vec<(String, Option<i64>, i64)> = requests::table
        .filter(state_in(State::OPEN))
        .group_by((requests::state, requests::service_id))
        .select((requests::state, requests::service_id, diesel::dsl::count_star()))
        .load(conn)?;
    rows.into_iter()
        .map(|(state, service, count)| {
            Ok((State::parse(&state).map_err(|_| super::corrupt("state", &state))?, service.map(ServiceId), count))
        })
        .collect()
}

/// Open requests counted by state (read from an index alone).
pub fn open_counts_by_state(conn: &mut DbConnection) -> QueryResult<Vec<(State, i64)>> {
    let rows: Vec<(String, i64)> = requests::table
        .filter(state_in(State::OPEN))
        .group_by(requests::state)
        .select((requests::state, diesel::dsl::count_star()))
        .load(conn)?;
    rows.into_iter()
        .map(|(state, count)| Ok((State::parse(&state).map_err(|_| super::corrupt("state", &state))?, count)))
        .collect()
}

/// Open requests with no triage decision yet: when each was filed, and its service.
pub fn untriaged(conn: &mut DbConnection) -> QueryResult<Vec<(DateTime<Utc>, Option<ServiceId>)>> {
    let rows: Vec<(chrono::NaiveDateTime, Option<i64>)> = requests::table
        .filter(state_in(State::OPEN))
        .filter(requests::first_triage_at.is_null())
        .select((requests::created_at, requests::service_id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, service)| (super::models::utc(at), service.map(ServiceId))).collect())
}

/// One page of a requester's own requests, newest first.
pub fn filed_by(
    conn: &mut DbConnection,
    requester: UserId,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Request>, i64)> {
    let total: i64 = requests::table.filter(requests::requester_id.eq(requester.0)).count().get_result(conn)?;
    let rows: Vec<RequestRow> = requests::table
        .filter(requests::requester_id.eq(requester.0))
        .order(requests::id.desc())
        .limit(per_page)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .select(RequestRow::as_select())
        .load(conn)?;
    let requests = rows.into_iter().map(Request::try_from).collect::<QueryResult<_>>()?;
    Ok((requests, total))
}

/// The newest event of a request, as the queue shows it: who did what, and when.
#[derive(Debug, Clone)]
pub struct LastChange {
    pub request: RequestId,
    pub actor: UserId,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
}

/// The newest event of each of these requests, in one statement.
pub fn last_changes(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<LastChange>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let by_request = diesel::alias!(events as by_request);
    let newest = by_request
        .filter(super::id_list::id_in(by_request.field(events::request_id), ids))
        .group_by(by_request.field(events::request_id))
        .select(diesel::dsl::max(by_request.field(events::id)));
    let rows: Vec<(i64, i64, String, chrono::NaiveDateTime)> = events::table
        .filter(events::id.nullable().eq_any(newest))
        .select((events::request_id, events::actor_id, events::kind, events::at))
        .load(conn)?;
    rows.into_iter()
        .map(|(request, actor, kind, at)| {
            Ok(LastChange {
                request: RequestId(request),
                actor: UserId(actor),
                kind: EventKind::parse(&kind).map_err(|_| super::corrupt("event kind", &kind))?,
                at: super::models::utc(at),
            })
        })
        .collect()
}

/// Open requests on which `engineer` was consulted and has not written since (a note or a
/// comment after the newest question to them).
pub fn awaiting_answer(conn: &mut DbConnection, engineer: UserId) -> QueryResult<Vec<Question>> {
    let open: Vec<&str> = State::OPEN.iter().map(|s| s.as_str()).collect();
    let asked: Vec<(i64, i64, i64, Option<String>)> = events::table
        .inner_join(requests::table)
        .filter(requests::state.eq_any(open))
        .filter(events::target_id.eq(engineer.0))
        .filter(events::kind.eq(EventKind::Consulted.as_str()))
        .order(events::id)
        .select((events::request_id, events::id, events::actor_id, events::note))
        .load(conn)?;
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = asked.iter().map(|(request, ..)| *request).collect();
    let wrote: Vec<(i64, i64)> = events::table
        .filter(super::id_list::id_in(events::request_id, &ids))
        .filter(events::actor_id.eq(engineer.0))
        .filter(events::kind.eq_any([EventKind::Noted.as_str(), EventKind::Commented.as_str()]))
        .select((events::request_id, events::id))
        .load(conn)?;
    // The newest unanswered question per request (they come oldest first).
    let mut waiting: std::collections::BTreeMap<i64, Question> = Default::default();
    for (request, question, asker, note) in asked {
        if !wrote.iter().any(|(r, answer)| *r == request && *answer > question) {
            waiting.insert(
                request,
                Question { request: RequestId(request), asker: UserId(asker), text: note.unwrap_or_default() },
            );
        }
    }
    Ok(waiting.into_values().collect())
}

/// A consult waiting for the consulted engineer's answer.
#[derive(Debug, Clone)]
pub struct Question {
    pub request: RequestId,
    pub asker: UserId,
    pub text: String,
}

#[cfg(test)]
mod state_condition_tests {
    use super::*;

    /// The planner uses `requests_open_queue` only for a condition written as its own.
    #[test]
    fn the_open_states_are_written_as_the_open_queue_index_condition() {
        let open = crate::db::one_of::OneOf::new(requests::state, State::OPEN.iter().map(|s| s.as_str()));
        let query = requests::table.filter(open).select(requests::id);
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
        let condition = "IN ('new', 'in_progress', 'waiting')";
        assert!(sql.contains(&format!("`state` {condition}")), "{sql}");
        for backend in ["sqlite", "postgres"] {
            let path =
                format!("{}/migrations/{backend}/2026-12-01-000023_open_queue/up.sql", env!("CARGO_MANIFEST_DIR"));
            let up = std::fs::read_to_string(path).unwrap_or_default();
            assert!(up.contains(&format!("WHERE state {condition}")), "{backend}: {up}");
        }
    }
}
