//! The team's knowledge: `/answers` (search and the best answers), one answer as everyone reads
//! it, suggestions while filing (`/answers/suggest`, JSON for the filing form's script), "This
//! solved it" (a deflection), and good-answer marks.

use super::parse_id;
use crate::app::names::Directory;
use crate::db::knowledge::{self as store, DeflectError, MarkError, NewDeflection};
use crate::db::{DbConnection, refusals, requests as request_store, search};
use crate::domain::knowledge::Access;
use crate::domain::{CategoryId, RequestId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, ok, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use crate::app::answers::{SUGGESTIONS, Suggestion, preview};

/// Up to `limit` answers that look like what `title` asks, best first.
pub fn suggestions_for(conn: &mut DbConnection, title: &str, limit: i64) -> Result<Vec<Suggestion>, AppError> {
    crate::app::answers::suggestions(conn, title, limit).map_err(super::requests::app_error)
}

/// The words typed so far, as much of them as a search uses.
fn typed(raw: &str) -> String {
    raw.trim().chars().take(200).collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuggestQuery {
    pub q: String,
}

#[derive(Serialize)]
struct SuggestResponse {
    query: String,
    answers: Vec<Suggestion>,
}

/// `GET /answers/suggest?q=…`: the filing form's script asks this as the title is typed.
pub async fn suggest(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, AppError> {
    let text = typed(&query.q);
    let lookup = text.clone();
    let answers = state.db(move |conn| suggestions_for(conn, &lookup, SUGGESTIONS)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(SuggestResponse { query: text, answers }))
}

pub struct AnswerLine {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub good: bool,
    pub helped: i64,
    pub parts: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "answers/index.html")]
struct AnswersPage {
    layout: Layout,
    query: String,
    searched: bool,
    results: Vec<AnswerLine>,
    good: Vec<AnswerLine>,
    helpful: Vec<AnswerLine>,
}

/// `GET /answers`: search the team's answers; without a query, the good and the most helpful.
pub async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, AppError> {
    let text = typed(&query.q);
    let searched = !text.is_empty();
    let now = state.now();
    let window = (now - Duration::weeks(i64::from(crate::report::CONCENTRATION_WEEKS)), now + Duration::seconds(1));
    let lookup = text.clone();
    let (results, good, helpful) = state
        .db(move |conn| {
            let names = Directory::load(conn, [])?;
            let line = |r: &crate::db::models::Request, helped: i64, parts: Vec<(String, bool)>| AnswerLine {
                id: r.id.0,
                title: r.title.clone(),
                category: names.category(r.category),
                good: r.good_answer.is_some(),
                helped,
                parts,
            };
            if searched {
                let hits = search::search(conn, &lookup, search::Match::All, search::Scope::Answers, None, 20)?;
                let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
                let found: HashMap<i64, crate::db::models::Request> =
                    request_store::by_ids(conn, &ids)?.into_iter().map(|r| (r.id.0, r)).collect();
                let helped = store::helped(conn, &ids)?;
                let results = hits
                    .iter()
                    .filter_map(|hit| {
                        let r = found.get(&hit.id).filter(|r| r.is_answer())?;
                        let count = helped.get(&hit.id).copied().unwrap_or(0);
                        Some(line(r, count, hit.parts.clone()))
                    })
                    .collect();
                Ok((results, Vec::new(), Vec::new()))
            } else {
                let good_answers = store::good_answers(conn, 10)?;
                let ids: Vec<i64> = good_answers.iter().map(|r| r.id.0).collect();
                let helped = store::helped(conn, &ids)?;
                let good = good_answers
                    .iter()
                    .map(|r| line(r, helped.get(&r.id.0).copied().unwrap_or(0), Vec::new()))
                    .collect();
                let helpful = store::most_helpful(conn, window, 10)?
                    .iter()
                    .map(|(r, count)| line(r, *count, Vec::new()))
                    .collect();
                Ok((Vec::new(), good, helpful))
            }
        })
        .await?;
    ok(&AnswersPage { layout: user.layout("Answers", "answers"), query: text, searched, results, good, helpful })
}

#[derive(Template)]
#[template(path = "answers/show.html")]
struct AnswerPage {
    layout: Layout,
    id: i64,
    title: String,
    description: String,
    category: String,
    service: String,
    resolution: Option<String>,
    resolved_by: String,
    resolved: Option<When>,
    good_by: Option<String>,
    helped: i64,
    /// The reader may open the whole request (its requester, or an engineer).
    full_access: bool,
    /// Only its requester and engineers can read it.
    private: bool,
    is_engineer: bool,
}

fn answer_id(raw: &str) -> Result<RequestId, AppError> {
    parse_id(raw).map(RequestId).ok_or(AppError::NotFound)
}

/// `GET /answers/{id}`: a resolved request as the team reads it: no history, no comments.
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = answer_id(&path)?;
    let reader = user.actor();
    let found = state
        .db(move |conn| {
            let Some(answer) = store::answer(conn, id, reader)? else {
                // Not (or no longer) an answer: those who may see the request see it there.
                let whole = request_store::get(conn, id)?.filter(|r| r.access(reader) == Access::Full);
                return Ok(Err(whole.is_some()));
            };
            let people = [answer.resolution.as_ref().map(|e| e.actor), answer.request.good_answer.map(|(by, _)| by)];
            let names = Directory::load(conn, people.into_iter().flatten())?;
            Ok(Ok((answer, names)))
        })
        .await?;
    let (answer, names) = match found {
        Ok(found) => found,
        Err(true) => return Ok(see_other(&format!("/requests/{id}"))),
        Err(false) => return Err(AppError::NotFound),
    };
    let (now, tz) = (state.now(), state.team().await?.timezone());
    let request = &answer.request;
    ok(&AnswerPage {
        layout: user.layout(format!("Answer: {}", request.title), "answers"),
        id: request.id.0,
        title: request.title.clone(),
        description: request.description.clone(),
        category: names.category(request.category),
        service: names.service(request.service).0,
        resolution: answer.resolution.as_ref().and_then(|e| e.note.clone()),
        resolved_by: names.user(answer.resolution.as_ref().map(|e| e.actor)),
        resolved: answer.resolution.as_ref().map(|e| When::new(e.at, now, tz)),
        good_by: request.good_answer.map(|(by, _)| names.user(Some(by))),
        helped: answer.helped,
        full_access: request.access(user.actor()) == Access::Full,
        private: request.private,
        is_engineer: user.is_engineer(),
    })
}

/// The draft a "This solved it" button carries from the filing form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SolvedForm {
    pub title: String,
    pub category: String,
    pub idempotency_key: String,
}

/// `POST /answers/{id}/solved`: the answer solved the problem; nothing is filed.
pub async fn solved(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<SolvedForm>,
) -> Result<HttpResponse, AppError> {
    let id = answer_id(&path)?;
    let mut title = typed(&form.title);
    if title.is_empty() {
        title = "(no title)".into();
    }
    let category = parse_id(&form.category).map(CategoryId);
    let key = super::idempotency_key(&form.idempotency_key);
    let requester = user.user.id;
    let now = state.now();
    let outcome = state
        .db(move |conn| {
            let new = NewDeflection { requester, answer: id, title: &title, category, idempotency_key: key.as_deref() };
            Ok(refusals(store::record_deflection(conn, &new, now))?)
        })
        .await?;
    match outcome {
        Ok(_) => {
            user.flash("Glad that solved it. Nothing was filed, and the team can see this answer helped.");
            Ok(see_other(&format!("/answers/{id}")))
        }
        Err(DeflectError::AlreadyFiled(filed)) => {
            user.flash(format!("You filed this as request #{filed} already."));
            Ok(see_other(&format!("/requests/{filed}")))
        }
        Err(_) => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MarkForm {
    /// `yes` marks, anything else removes the mark.
    pub good: String,
    /// `request`: go back to the request page rather than the answer.
    pub back: String,
}

/// `POST /answers/{id}/good`: an engineer vouches for (or stops vouching for) a resolution.
pub async fn mark(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<HttpResponse, AppError> {
    let id = answer_id(&path)?;
    user.require_engineer()?;
    let good = form.good == "yes";
    let (actor, now) = (user.actor(), state.now());
    let outcome = state.db(move |conn| Ok(refusals(store::mark_good_answer(conn, id, actor, good, now))?)).await?;
    match outcome {
        Ok(_) => {
            user.flash(if good {
                format!("#{id} is marked as a good answer: it ranks higher in suggestions and search.")
            } else {
                format!("The good-answer mark on #{id} is removed.")
            });
            let back = if form.back == "request" { format!("/requests/{id}") } else { format!("/answers/{id}") };
            Ok(see_other(&back))
        }
        Err(MarkError::NotAllowed(why)) => Err(AppError::Forbidden(why.into())),
        Err(_) => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisibilityForm {
    /// `on` makes the request private; anything else shares it as an answer once resolved.
    pub private: String,
}

/// `POST /requests/{id}/visibility`: the requester (or an engineer) makes a request private, or
/// shares it with the team again.
pub async fn visibility(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<VisibilityForm>,
) -> Result<HttpResponse, AppError> {
    let id = answer_id(&path)?;
    let private = form.private == "on";
    let actor = user.actor();
    let outcome = state.db(move |conn| Ok(refusals(store::set_private(conn, id, actor, private))?)).await?;
    match outcome {
        Ok(_) => {
            user.flash(if private {
                format!("#{id} is private: only you and the engineers can read it.")
            } else {
                format!("#{id} is shared: once resolved, the team can read it as an answer.")
            });
            Ok(see_other(&format!("/requests/{id}")))
        }
        Err(MarkError::NotAllowed(why)) => Err(AppError::Forbidden(why.into())),
        Err(_) => Err(AppError::NotFound),
    }
}

/// `GET /static/suggest.js`: the filing form's progressive enhancement.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../../static/suggest.js"))
}
