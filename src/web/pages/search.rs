//! `/search`: engineers search every request; requesters their own requests and the team's
//! answers.

use super::requests::{Directory, RequestLine};
use crate::db::{requests as store, search};
use crate::domain::knowledge::Access;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::view::{Layout, ok};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

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
    let text: String = query.q.trim().chars().take(200).collect();
    let me = user.user.id;
    let engineer = user.is_engineer();
    let searched = !text.is_empty();
    let (hits, requests, names) = if searched {
        let text = text.clone();
        state
            .db(move |conn| {
                let all = search::Match::All;
                let hits = if engineer {
                    search::search(conn, &text, all, search::Scope::Everything, None, RESULTS)?
                } else {
                    // Their own requests (all of their text) and the team's answers, merged by
                    // rank; their own version of a request wins.
                    let mut hits = search::search(conn, &text, all, search::Scope::FiledBy(me), None, RESULTS)?;
                    let answers = search::search(conn, &text, all, search::Scope::Answers, None, RESULTS)?;
                    let own: HashSet<i64> = hits.iter().map(|h| h.id).collect();
                    hits.extend(answers.into_iter().filter(|h| !own.contains(&h.id)));
                    hits.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(b.id.cmp(&a.id)));
                    hits.truncate(RESULTS as usize);
                    hits
                };
                let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
                let requests = store::by_ids(conn, &ids)?;
                let names = Directory::for_requests(conn, &requests)?;
                Ok((hits, requests, Some(names)))
            })
            .await?
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let (now, tz) = (state.now(), state.team().await?.timezone());
    let by_id: HashMap<i64, &crate::db::models::Request> = requests.iter().map(|r| (r.id.0, r)).collect();
    let results = match &names {
        Some(names) => hits
            .iter()
            .filter_map(|hit| {
                let request = by_id.get(&hit.id)?;
                let access = request.access(user.actor());
                if access == Access::None {
                    return None;
                }
                Some(Found {
                    line: RequestLine::new(request, names, now, tz),
                    parts: hit.parts.clone(),
                    answer: access == Access::Answer,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    ok(&SearchPage {
        layout: user.layout("Search", "search"),
        query: text,
        results,
        searched,
        everyone: user.is_engineer(),
    })
}
