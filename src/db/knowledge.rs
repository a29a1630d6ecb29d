//! The team's answers: reading one, good-answer marks, and deflections (requests an answer
//! solved before they were filed).

use super::models::{DeflectionRow, Event, NewDeflectionRow, Request, RequestRow, naive, utc};
use super::schema::{deflections, requests};
use super::{DbConnection, read_transaction, requests as store, write_transaction};
use crate::domain::knowledge::{self, Access};
use crate::domain::{Actor, CategoryId, EventKind, RequestId, State, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use std::collections::HashMap;

/// A resolved request as the team reads it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub request: Request,
    /// The resolution in force: the last `resolved` event.
    pub resolution: Option<Event>,
    /// People it helped without their filing a request.
    pub helped: i64,
}

/// The answer `id`, if `reader` may read it as one (or the whole request).
pub fn answer(conn: &mut DbConnection, id: RequestId, reader: Actor) -> QueryResult<Option<Answer>> {
    read_transaction(conn, |conn| {
        let Some(request) = store::get(conn, id)? else { return Ok(None) };
        if request.access(reader) == Access::None || request.state != State::Resolved {
            return Ok(None);
        }
        let resolution = store::history(conn, id)?.into_iter().rev().find(|e| e.kind == EventKind::Resolved);
        let helped = helped(conn, &[id.0])?.get(&id.0).copied().unwrap_or(0);
        Ok(Some(Answer { request, resolution, helped }))
    })
}

/// How many deflections each of these answers has.
pub fn helped(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = deflections::table
        .filter(super::id_list::id_in(deflections::answer_id, ids))
        .group_by(deflections::answer_id)
        .select((deflections::answer_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The good answers, most recently marked first.
pub fn good_answers(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Request>> {
    let rows: Vec<RequestRow> = requests::table
        .filter(requests::good_answer_at.is_not_null())
        .filter(requests::state.eq(State::Resolved.as_str()))
        .filter(requests::private.eq(false))
        .order((requests::good_answer_at.desc(), requests::id.desc()))
        .limit(limit)
        .select(RequestRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Request::try_from).collect()
}

/// The answers that solved the most problems in `[from, to)`, with their counts.
pub fn most_helpful(
    conn: &mut DbConnection,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> QueryResult<Vec<(Request, i64)>> {
    let counts: Vec<(i64, i64)> = deflections::table
        .filter(deflections::at.ge(naive(from)))
        .filter(deflections::at.lt(naive(to)))
        .group_by(deflections::answer_id)
        .select((deflections::answer_id, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), deflections::answer_id.desc()))
        .limit(limit * 2)
        .load(conn)?;
    let ids: Vec<i64> = counts.iter().map(|(id, _)| *id).collect();
    let found: HashMap<i64, Request> = store::by_ids(conn, &ids)?.into_iter().map(|r| (r.id.0, r)).collect();
    // An answer reopened or made private since is no longer shown as one.
    Ok(counts
        .into_iter()
        .filter_map(|(id, count)| found.get(&id).filter(|r| r.is_answer()).map(|r| (r.clone(), count)))
        .take(limit as usize)
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error("no such request")]
    NotFound,
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Marks (or unmarks) the resolution of `id` as a good answer.
pub fn mark_good_answer(
    conn: &mut DbConnection,
    id: RequestId,
    actor: Actor,
    good: bool,
    now: DateTime<Utc>,
) -> Result<Request, MarkError> {
    write_transaction(conn, |conn| {
        let request = store::get(conn, id)?.filter(|r| r.access(actor) != Access::None).ok_or(MarkError::NotFound)?;
        let this = requests::table.filter(requests::id.eq(id.0));
        if good {
            knowledge::check_good_answer(&request.facts(), request.private, actor).map_err(MarkError::NotAllowed)?;
            if request.good_answer.is_none() {
                diesel::update(this)
                    .set((requests::good_answer_by.eq(actor.id.0), requests::good_answer_at.eq(naive(now))))
                    .execute(conn)?;
            }
        } else {
            if !actor.role.is_engineer() {
                return Err(MarkError::NotAllowed("engineers_only"));
            }
            clear_good_answer(conn, id)?;
        }
        store::get(conn, id)?.ok_or(MarkError::NotFound)
    })
}

/// Removes a good-answer mark, if there is one.
pub fn clear_good_answer(conn: &mut DbConnection, id: RequestId) -> QueryResult<()> {
    diesel::update(requests::table.filter(requests::id.eq(id.0)))
        .set((requests::good_answer_by.eq(None::<i64>), requests::good_answer_at.eq(None::<chrono::NaiveDateTime>)))
        .execute(conn)
        .map(|_| ())
}

/// Makes a request private (or shares it again). Its requester and engineers may; a private
/// request is no good answer, so the mark goes with it.
pub fn set_private(conn: &mut DbConnection, id: RequestId, actor: Actor, private: bool) -> Result<Request, MarkError> {
    write_transaction(conn, |conn| {
        store::get(conn, id)?.filter(|r| r.access(actor) == Access::Full).ok_or(MarkError::NotFound)?;
        let this = requests::table.filter(requests::id.eq(id.0));
        diesel::update(this).set(requests::private.eq(private)).execute(conn)?;
        if private {
            clear_good_answer(conn, id)?;
        }
        store::get(conn, id)?.ok_or(MarkError::NotFound)
    })
}

pub struct NewDeflection<'a> {
    pub requester: UserId,
    pub answer: RequestId,
    /// What they were about to ask.
    pub title: &'a str,
    pub category: Option<CategoryId>,
    /// The filing form's key, so one draft is deflected (or filed) once.
    pub idempotency_key: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeflectError {
    #[error("that is not an answer")]
    NotAnAnswer,
    #[error("the request was filed already")]
    AlreadyFiled(RequestId),
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Records that an answer solved someone's problem before they filed it. Returns whether it
/// was recorded now (false: this draft was deflected before).
pub fn record_deflection(
    conn: &mut DbConnection,
    new: &NewDeflection<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DeflectError> {
    let recorded = write_transaction(conn, |conn| {
        // An answer, or their own resolved request.
        let usable = store::get(conn, new.answer)?.is_some_and(|r| r.is_answer() || r.requester == new.requester);
        if !usable {
            return Err(DeflectError::NotAnAnswer);
        }
        if let Some(key) = new.idempotency_key
            && let Some(id) = store::filed_with_key(conn, new.requester, key)?
        {
            return Err(DeflectError::AlreadyFiled(id));
        }
        // One person's "this solved it" counts once per answer, however many drafts.
        let counted: i64 = deflections::table
            .filter(deflections::requester_id.eq(new.requester.0))
            .filter(deflections::answer_id.eq(new.answer.0))
            .count()
            .get_result(conn)?;
        if counted > 0 {
            return Ok(false);
        }
        if let Some(key) = new.idempotency_key {
            let earlier: i64 = deflections::table
                .filter(deflections::requester_id.eq(new.requester.0))
                .filter(deflections::idempotency_key.eq(key))
                .count()
                .get_result(conn)?;
            if earlier > 0 {
                return Ok(false);
            }
        }
        // The draft's category is what they had chosen, if it is one of ours.
        let category = match new.category {
            Some(c) => super::schema::categories::table
                .find(c.0)
                .select(super::schema::categories::id)
                .first::<i64>(conn)
                .optional()?,
            None => None,
        };
        diesel::insert_into(deflections::table)
            .values(&NewDeflectionRow {
                requester_id: new.requester.0,
                answer_id: new.answer.0,
                title: new.title,
                category_id: category,
                idempotency_key: new.idempotency_key,
                at: naive(now),
                goalkeeper_id: super::rotation::goalkeeper_at(conn, now)?.map(|g| g.0),
            })
            .execute(conn)?;
        Ok(true)
    });
    match recorded {
        // Two clicks at once: the other one recorded it.
        Err(DeflectError::Db(DieselError::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))) => {
            Ok(false)
        }
        other => other,
    }
}

/// A draft filed after all was not solved by the answer it was deflected to.
pub fn forget_deflection(conn: &mut DbConnection, requester: UserId, idempotency_key: &str) -> QueryResult<usize> {
    diesel::delete(
        deflections::table
            .filter(deflections::requester_id.eq(requester.0))
            .filter(deflections::idempotency_key.eq(idempotency_key)),
    )
    .execute(conn)
}

/// When each deflection in `[from, to)` happened.
pub fn deflected_between(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    let at: Vec<chrono::NaiveDateTime> = deflections::table
        .filter(deflections::at.ge(naive(from)))
        .filter(deflections::at.lt(naive(to)))
        .select(deflections::at)
        .load(conn)?;
    Ok(at.into_iter().map(utc).collect())
}

/// One person's deflections, newest first.
pub fn deflections_of(conn: &mut DbConnection, requester: UserId, limit: i64) -> QueryResult<Vec<DeflectionRow>> {
    deflections::table
        .filter(deflections::requester_id.eq(requester.0))
        .order(deflections::id.desc())
        .limit(limit)
        .select(DeflectionRow::as_select())
        .load(conn)
}
