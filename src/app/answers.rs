//! The team's answers offered while someone files a request (deflection before the queue).

use super::names::Directory;
use super::{Context, Error, Request};
use crate::db::knowledge::{self, DeflectError, MarkError, NewDeflection};
use crate::db::{DbConnection, read_transaction, search};
use crate::domain::knowledge::Access;
use crate::domain::{CategoryId, RequestId};
use serde::Serialize;
use std::collections::HashMap;

/// How many answers the filing form suggests.
pub const SUGGESTIONS: i64 = 5;

/// How much of a resolution a suggestion shows.
pub const RESOLUTION_PREVIEW: usize = 400;

/// An answer offered while someone files a request.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub category: String,
    pub resolution: String,
    pub good: bool,
    pub helped: i64,
}

pub fn preview(text: &str, limit: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

/// Up to `limit` answers that look like what `title` asks, best first.
pub fn suggestions(conn: &mut DbConnection, title: &str, limit: i64) -> Result<Vec<Suggestion>, Error> {
    read_transaction(conn, |conn| find_suggestions(conn, title, limit))
}

fn find_suggestions(conn: &mut DbConnection, title: &str, limit: i64) -> Result<Vec<Suggestion>, Error> {
    // A few more than shown: answers that say the same thing are shown once.
    let hits = search::search(conn, title, search::Match::Any, search::Scope::Answers, None, limit * 3)?;
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let requests: HashMap<i64, Request> =
        crate::db::requests::by_ids(conn, &ids)?.into_iter().map(|r| (r.id.0, r)).collect();
    let helped = knowledge::helped(conn, &ids)?;
    let names = Directory::load(conn, [])?;
    let mut said = std::collections::HashSet::new();
    Ok(hits
        .iter()
        .filter_map(|hit| Some((hit, requests.get(&hit.id)?)))
        .filter(|(_, r)| r.is_answer())
        .filter(|(hit, _)| said.insert(hit.resolution.trim().to_lowercase()))
        .take(limit as usize)
        .map(|(hit, r)| Suggestion {
            id: r.id.0,
            url: format!("/answers/{}", r.id),
            title: r.title.clone(),
            category: names.category(r.category),
            resolution: preview(&hit.resolution, RESOLUTION_PREVIEW),
            good: r.good_answer.is_some(),
            helped: helped.get(&r.id.0).copied().unwrap_or(0),
        })
        .collect())
}

/// An answer as listed on `/answers`: the request, how many it helped, and the matching
/// snippet when searched.
pub struct Listed {
    pub request: Request,
    pub helped: i64,
    pub parts: Vec<(String, bool)>,
}

/// What `/answers` shows: the search results, or without a query the good answers and the
/// ones that helped most over the knowledge window.
pub struct Browse {
    pub results: Vec<Listed>,
    pub good: Vec<Listed>,
    pub helpful: Vec<Listed>,
    pub names: Directory,
}

/// How many answers each list of `/answers` shows.
const BROWSE_SHOWN: i64 = 20;
const BEST_SHOWN: i64 = 10;

pub fn browse(conn: &mut DbConnection, ctx: &Context, query: &str) -> Result<Browse, Error> {
    let window = (
        ctx.now - chrono::Duration::weeks(i64::from(crate::report::CONCENTRATION_WEEKS)),
        ctx.now + chrono::Duration::seconds(1),
    );
    read_transaction(conn, |conn| {
        let names = Directory::load(conn, [])?;
        let listed = |request: &Request, helped: &HashMap<i64, i64>, parts: Vec<(String, bool)>| Listed {
            helped: helped.get(&request.id.0).copied().unwrap_or(0),
            request: request.clone(),
            parts,
        };
        if !query.trim().is_empty() {
            let hits = search::search(conn, query, search::Match::All, search::Scope::Answers, None, BROWSE_SHOWN)?;
            let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
            let found: HashMap<i64, Request> =
                crate::db::requests::by_ids(conn, &ids)?.into_iter().map(|r| (r.id.0, r)).collect();
            let helped = knowledge::helped(conn, &ids)?;
            let results = hits
                .iter()
                .filter_map(|hit| {
                    let request = found.get(&hit.id).filter(|r| r.is_answer())?;
                    Some(listed(request, &helped, hit.parts.clone()))
                })
                .collect();
            return Ok(Browse { results, good: Vec::new(), helpful: Vec::new(), names });
        }
        let good_answers = knowledge::good_answers(conn, BEST_SHOWN)?;
        let ids: Vec<i64> = good_answers.iter().map(|r| r.id.0).collect();
        let helped = knowledge::helped(conn, &ids)?;
        let good = good_answers.iter().map(|r| listed(r, &helped, Vec::new())).collect();
        let helpful = knowledge::most_helpful(conn, window, BEST_SHOWN)?
            .into_iter()
            .map(|(request, helped)| Listed { request, helped, parts: Vec::new() })
            .collect();
        Ok(Browse { results: Vec::new(), good, helpful, names })
    })
}

/// One answer with the names it shows.
pub struct AnswerView {
    pub answer: knowledge::Answer,
    pub names: Directory,
}

/// Why an answer cannot be shown as one.
pub enum NotAnAnswer {
    /// The reader may open the whole request instead.
    ReadTheRequest,
    Nothing,
}

/// The answer `id` as the actor may read it.
pub fn answer(conn: &mut DbConnection, ctx: &Context, id: RequestId) -> Result<Result<AnswerView, NotAnAnswer>, Error> {
    read_transaction(conn, |conn| {
        let Some(answer) = knowledge::answer(conn, id, ctx.actor)? else {
            // Not (or no longer) an answer: those who may see the request see it there.
            let whole = crate::db::requests::get(conn, id)?.filter(|r| r.access(ctx.actor) == Access::Full);
            return Ok(Err(if whole.is_some() { NotAnAnswer::ReadTheRequest } else { NotAnAnswer::Nothing }));
        };
        let people = [answer.resolution.as_ref().map(|e| e.actor), answer.request.good_answer.map(|(by, _)| by)];
        let names = Directory::load(conn, people.into_iter().flatten())?;
        Ok(Ok(AnswerView { answer, names }))
    })
}

/// A draft that an answer solved before it was filed.
#[derive(Debug, Clone, Default)]
pub struct Deflection {
    pub title: String,
    pub category: Option<CategoryId>,
    /// The draft's key: filing it later forgets the deflection.
    pub idempotency_key: Option<String>,
}

pub enum Deflected {
    /// Recorded now, or before for the same draft.
    Recorded,
    /// The draft was filed already, as this request.
    AlreadyFiled(RequestId),
}

/// "This solved it": the answer solved the actor's problem and nothing is filed. Counts once
/// per person and answer.
pub fn deflect(conn: &mut DbConnection, ctx: &Context, id: RequestId, draft: &Deflection) -> Result<Deflected, Error> {
    let title = match draft.title.trim() {
        "" => "(no title)".to_owned(),
        typed => typed.chars().take(200).collect(),
    };
    let new = NewDeflection {
        requester: ctx.actor.id,
        answer: id,
        title: &title,
        category: draft.category,
        idempotency_key: draft.idempotency_key.as_deref(),
    };
    match knowledge::record_deflection(conn, &new, ctx.now) {
        Ok(_) => Ok(Deflected::Recorded),
        Err(DeflectError::AlreadyFiled(filed)) => Ok(Deflected::AlreadyFiled(filed)),
        Err(DeflectError::NotAnAnswer) => Err(Error::NotFound),
        Err(DeflectError::Db(e)) => Err(Error::Db(e)),
    }
}

fn mark_refusal(e: MarkError) -> Error {
    match e {
        MarkError::NotFound => Error::NotFound,
        MarkError::NotAllowed(code) => Error::Forbidden { code },
        MarkError::Db(e) => Error::Db(e),
    }
}

/// An engineer vouches for (or stops vouching for) a resolution.
pub fn mark_good(conn: &mut DbConnection, ctx: &Context, id: RequestId, good: bool) -> Result<Request, Error> {
    knowledge::mark_good_answer(conn, id, ctx.actor, good, ctx.now).map_err(mark_refusal)
}

/// The requester (or an engineer) makes a request private, or shares it with the team again.
pub fn set_private(conn: &mut DbConnection, ctx: &Context, id: RequestId, private: bool) -> Result<Request, Error> {
    knowledge::set_private(conn, id, ctx.actor, private).map_err(mark_refusal)
}
