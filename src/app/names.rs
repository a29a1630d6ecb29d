//! Names for the ids a page or an API answer shows, fetched in a few queries at once instead of
//! one lookup per id.

use crate::db::models::{Category, Request, Service};
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

/// How a page names a person no longer on record.
pub fn unknown_user(id: impl std::fmt::Display) -> String {
    format!("user #{id}")
}

/// Every category and service, for pages that both name them and offer them as choices.
pub struct Catalog {
    pub categories: Vec<Category>,
    pub services: Vec<Service>,
}

impl Catalog {
    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        Ok(Catalog { categories: catalog::categories(conn)?, services: catalog::services(conn)? })
    }
}

impl Directory {
    pub fn load(conn: &mut DbConnection, user_ids: impl IntoIterator<Item = UserId>) -> QueryResult<Self> {
        let catalog = Catalog::load(conn)?;
        Self::with_catalog(conn, user_ids, &catalog)
    }

    /// The same, with the catalog already read.
    pub fn with_catalog(
        conn: &mut DbConnection,
        user_ids: impl IntoIterator<Item = UserId>,
        catalog: &Catalog,
    ) -> QueryResult<Self> {
        let ids: Vec<i64> = user_ids.into_iter().map(|id| id.0).collect::<HashSet<_>>().into_iter().collect();
        Ok(Directory {
            users: users::by_ids(conn, &ids)?.into_iter().map(|u| (u.id, u.name)).collect(),
            categories: catalog.categories.iter().map(|c| (c.id, c.name.clone())).collect(),
            services: catalog.services.iter().map(|s| (s.id, (s.name.clone(), s.tier))).collect(),
        })
    }

    /// Every person a list of requests mentions.
    pub fn for_requests(conn: &mut DbConnection, requests: &[Request]) -> QueryResult<Self> {
        let catalog = Catalog::load(conn)?;
        Self::for_requests_with(conn, requests, &catalog)
    }

    /// The same, with the catalog already read.
    pub fn for_requests_with(conn: &mut DbConnection, requests: &[Request], catalog: &Catalog) -> QueryResult<Self> {
        Self::with_catalog(conn, requests.iter().flat_map(|r| [Some(r.requester), r.owner]).flatten(), catalog)
    }

    pub fn user(&self, id: Option<UserId>) -> String {
        match id {
            Some(id) => self.users.get(&id).cloned().unwrap_or_else(|| unknown_user(id)),
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
