//! `/search`: engineers search every request, requesters their own.

use super::requests::{Directory, RequestLine};
use crate::db::{requests as store, search};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::view::{Layout, ok};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

const RESULTS: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

pub struct Found {
    pub line: RequestLine,
    pub parts: Vec<(String, bool)>,
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
    let requester = (!user.is_engineer()).then_some(user.user.id);
    let searched = !text.is_empty();
    let (hits, requests, names) = if searched {
        let text = text.clone();
        state
            .db(move |conn| {
                let hits = search::search(conn, &text, search::Match::All, requester, None, RESULTS)?;
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
                Some(Found {
                    line: RequestLine::new(request, names, now, tz),
                    parts: search::snippet_parts(&hit.snippet),
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
