//! `/search`: engineers search every request; requesters their own requests and the team's
//! answers.

use super::requests::RequestLine;
use crate::domain::knowledge::Access;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::view::{Layout, ok};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const RESULTS: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

pub struct Found {
    pub line: RequestLine,
    pub parts: Vec<(String, bool)>,
    /// Someone else's request, shown as an answer: only its title, category and resolution.
    pub answer: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    results: Vec<Found>,
    searched: bool,
    everyone: bool,
}

pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let text: String = query.q.trim().chars().take(crate::app::search::MAX_QUERY).collect();
    let searched = !text.is_empty();
    let ctx = user.context(&state).await?;
    let tz = ctx.reading_zone();
    let now = ctx.now;
    let results = if searched {
        let text = text.clone();
        let found = state.db(move |conn| Ok(crate::app::search::search(conn, &ctx, &text, RESULTS))).await?;
        let found = found.map_err(AppError::from)?;
        found
            .found
            .iter()
            .map(|f| Found {
                line: RequestLine::new(&f.request, &found.names, now, tz),
                parts: f.hit.parts.clone(),
                answer: f.access == Access::Answer,
            })
            .collect()
    } else {
        Vec::new()
    };
    ok(&SearchPage {
        layout: user.layout("Search", "search"),
        query: text,
        results,
        searched,
        everyone: user.is_engineer(),
    })
}
