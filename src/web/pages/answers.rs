//! The team's knowledge: `/answers` (search and the best answers), one answer as everyone reads
//! it, suggestions while filing (`/answers/suggest`, JSON for the filing form's script), "This
//! solved it" (a deflection), and good-answer marks.

use super::parse_id;
use crate::app::answers::{Deflected, Deflection, Listed, NotAnAnswer};
use crate::app::{self, DbConnection};
use crate::domain::knowledge::Access;
use crate::domain::{CategoryId, RequestId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, ok, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

pub use crate::app::answers::{SUGGESTIONS, Suggestion, preview};

/// Up to `limit` answers that look like what `title` asks, best first.
pub fn suggestions_for(conn: &mut DbConnection, title: &str, limit: i64) -> Result<Vec<Suggestion>, AppError> {
    Ok(app::answers::suggestions(conn, title, limit)?)
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
    let ctx = user.context(&state).await?;
    let lookup = text.clone();
    let found = state.db(move |conn| Ok(app::answers::browse(conn, &ctx, &lookup)?)).await?;
    let line = |listed: Listed| AnswerLine {
        id: listed.request.id.0,
        category: found.names.category(listed.request.category),
        good: listed.request.good_answer.is_some(),
        title: listed.request.title,
        helped: listed.helped,
        parts: listed.parts,
    };
    let results = found.results.into_iter().map(line).collect();
    let good = found.good.into_iter().map(line).collect();
    let helpful = found.helpful.into_iter().map(line).collect();
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
    let ctx = user.context(&state).await?;
    let (now, tz) = (ctx.now, ctx.reading_zone());
    let app::answers::AnswerView { answer, names } =
        match state.db(move |conn| Ok(app::answers::answer(conn, &ctx, id)?)).await? {
            Ok(found) => found,
            Err(NotAnAnswer::ReadTheRequest) => return Ok(see_other(&format!("/requests/{id}"))),
            Err(NotAnAnswer::Nothing) => return Err(AppError::NotFound),
        };
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
    let draft = Deflection {
        title: typed(&form.title),
        category: parse_id(&form.category).map(CategoryId),
        idempotency_key: super::idempotency_key(&form.idempotency_key),
    };
    let ctx = user.context(&state).await?;
    match state.db(move |conn| Ok(app::answers::deflect(conn, &ctx, id, &draft)?)).await? {
        Deflected::Recorded => {
            user.flash("Glad that solved it. Nothing was filed, and the team can see this answer helped.");
            Ok(see_other(&format!("/answers/{id}")))
        }
        Deflected::AlreadyFiled(filed) => {
            user.flash(format!("You filed this as request #{filed} already."));
            Ok(see_other(&format!("/requests/{filed}")))
        }
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
    let ctx = user.context(&state).await?;
    match state.db(move |conn| Ok(app::answers::mark_good(conn, &ctx, id, good))).await? {
        Ok(_) => {
            user.flash(if good {
                format!("#{id} is marked as a good answer: it ranks higher in suggestions and search.")
            } else {
                format!("The good-answer mark on #{id} is removed.")
            });
            let back = if form.back == "request" { format!("/requests/{id}") } else { format!("/answers/{id}") };
            Ok(see_other(&back))
        }
        Err(other) => Err(other.into()),
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
    let ctx = user.context(&state).await?;
    match state.db(move |conn| Ok(app::answers::set_private(conn, &ctx, id, private))).await? {
        Ok(_) => {
            user.flash(if private {
                format!("#{id} is private: only you and the engineers can read it.")
            } else {
                format!("#{id} is shared: once resolved, the team can read it as an answer.")
            });
            Ok(see_other(&format!("/requests/{id}")))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /static/suggest.js`: the filing form's progressive enhancement.
pub async fn script() -> HttpResponse {
    super::static_script(include_str!("../../../static/suggest.js"))
}
