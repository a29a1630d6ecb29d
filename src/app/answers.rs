//! The team's answers offered while someone files a request (deflection before the queue).

use super::Error;
use super::names::Directory;
use crate::db::{DbConnection, read_transaction, search};
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
    let requests: HashMap<i64, crate::db::models::Request> =
        crate::db::requests::by_ids(conn, &ids)?.into_iter().map(|r| (r.id.0, r)).collect();
    let helped = crate::db::knowledge::helped(conn, &ids)?;
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
