//! Searching requests: engineers everything, requesters their own requests and the team's
//! answers.

use super::names::Directory;
use super::{Context, Error};
use crate::db::models::Request;
use crate::db::search::{self, Hit, Match, Scope};
use crate::db::{DbConnection, read_transaction, requests as store};
use crate::domain::knowledge::Access;
use std::collections::{HashMap, HashSet};

/// The longest query read (longer ones are cut).
pub const MAX_QUERY: usize = 200;

/// One result: the match, its request, and how the searcher may read it.
pub struct Found {
    pub hit: Hit,
    pub request: Request,
    /// `Full` (their own, or any for engineers) or `Answer` (someone else's public answer).
    pub access: Access,
}

pub struct Results {
    pub found: Vec<Found>,
    pub names: Directory,
}

/// The best `limit` matches of every word of `text` the actor may read, best first.
pub fn search(conn: &mut DbConnection, ctx: &Context, text: &str, limit: i64) -> Result<Results, Error> {
    let text: String = text.trim().chars().take(MAX_QUERY).collect();
    read_transaction(conn, |conn| {
        let hits = if ctx.actor.role.is_engineer() {
            search::search(conn, &text, Match::All, Scope::Everything, None, limit)?
        } else {
            // Their own requests and the team's answers, merged by rank; their own version of a
            // request wins.
            let mut hits = search::search(conn, &text, Match::All, Scope::FiledBy(ctx.actor.id), None, limit)?;
            let answers = search::search(conn, &text, Match::All, Scope::Answers, None, limit)?;
            let own: HashSet<i64> = hits.iter().map(|h| h.id).collect();
            hits.extend(answers.into_iter().filter(|h| !own.contains(&h.id)));
            hits.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(b.id.cmp(&a.id)));
            hits.truncate(usize::try_from(limit).unwrap_or(0));
            hits
        };
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let requests = store::by_ids(conn, &ids)?;
        let names = Directory::for_requests(conn, &requests)?;
        let mut by_id: HashMap<i64, Request> = requests.into_iter().map(|r| (r.id.0, r)).collect();
        let found = hits
            .into_iter()
            .filter_map(|hit| {
                let request = by_id.remove(&hit.id)?;
                let access = request.access(ctx.actor);
                (access != Access::None).then_some(Found { hit, request, access })
            })
            .collect();
        Ok(Results { found, names })
    })
}
