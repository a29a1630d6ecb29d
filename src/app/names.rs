//! Names for the ids a page or an API answer shows, fetched in a few queries at once instead of
//! one lookup per id.

use crate::db::models::Request;
use crate::db::{DbConnection, catalog, users};
use crate::domain::{CategoryId, ServiceId, Tier, UserId};
use diesel::QueryResult;
use std::collections::{HashMap, HashSet};

/// Names for the ids a page shows, fetched in a few queries per page.
pub struct Directory {
    users: HashMap<UserId, String>,
    categories: HashMap<CategoryId, String>,
    services: HashMap<ServiceId, (String, Tier)>,
}

impl Directory {
    pub fn load(conn: &mut DbConnection, user_ids: impl IntoIterator<Item = UserId>) -> QueryResult<Self> {
        let ids: Vec<i64> = user_ids.into_iter().map(|id| id.0).collect::<HashSet<_>>().into_iter().collect();
        Ok(Directory {
            users: users::by_ids(conn, &ids)?.into_iter().map(|u| (u.id, u.name)).collect(),
            categories: catalog::categories(conn)?.into_iter().map(|c| (c.id, c.name)).collect(),
            services: catalog::services(conn)?.into_iter().map(|s| (s.id, (s.name, s.tier))).collect(),
        })
    }

    /// Every person a list of requests mentions.
    pub fn for_requests(conn: &mut DbConnection, requests: &[Request]) -> QueryResult<Self> {
        Self::load(conn, requests.iter().flat_map(|r| [Some(r.requester), r.owner]).flatten())
    }

    pub fn user(&self, id: Option<UserId>) -> String {
        match id {
            Some(id) => self.users.get(&id).cloned().unwrap_or_else(|| format!("user #{id}")),
            None => "—".into(),
        }
    }

    pub fn category(&self, id: CategoryId) -> String {
        self.categories.get(&id).cloned().unwrap_or_else(|| format!("category #{id}"))
    }

    pub fn service(&self, id: Option<ServiceId>) -> (String, Option<Tier>) {
        match id.and_then(|id| self.services.get(&id)) {
            Some((name, tier)) => (name.clone(), Some(*tier)),
            None => ("—".into(), None),
        }
    }
}
