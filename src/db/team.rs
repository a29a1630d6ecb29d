//! The team's setup as filing, news and the weekly report read it — which categories and
//! services take requests, the rota, the people and what they muted, the channels — kept in
//! the server and read again only when `team_stamp` changed.
//!
//! Every write to the tables it is read from sets a new random stamp in the same transaction
//! (migration `000025`). The stamp is read first and the tables after it, so a kept setup is
//! never older than its stamp; and a stamp is never reused, so a setup read inside a
//! transaction that was rolled back is never taken for a later state. A filing on PostgreSQL
//! reads one row instead of seven tables (round trips are most of its cost).

use super::DbConnection;
use super::models::{User, UserRow};
use super::notify::Channel;
use super::rotation::RosterParts;
use super::schema::{categories, muted_topics, services, team_stamp, users};
use crate::domain::rotation::Roster;
use crate::domain::{CategoryId, ServiceId, Tier, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What filing, its news and the weekly report read of the team's setup.
#[derive(Debug)]
pub struct TeamSetup {
    /// Every category: its name, and whether it still takes requests.
    categories: HashMap<i64, (String, bool)>,
    /// Every service: its tier, and whether it still takes requests.
    services: HashMap<i64, (Tier, bool)>,
    rota: RosterParts,
    /// Everyone, with the topics they muted.
    people: HashMap<UserId, (User, Vec<String>)>,
    pub channels: Vec<Channel>,
}

/// Why a request cannot be filed where it was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Category,
    Service,
}

impl TeamSetup {
    /// The tier a request filed under this category and service gets, when both take requests.
    pub fn usable_tier(&self, category: CategoryId, service: Option<ServiceId>) -> Result<Option<Tier>, Unusable> {
        if !self.categories.get(&category.0).is_some_and(|(_, usable)| *usable) {
            return Err(Unusable::Category);
        }
        match service {
            None => Ok(None),
            Some(id) => match self.services.get(&id.0) {
                Some((tier, true)) => Ok(Some(*tier)),
                _ => Err(Unusable::Service),
            },
        }
    }

    /// A person and the topics they muted.
    pub fn person(&self, id: UserId) -> Option<&(User, Vec<String>)> {
        self.people.get(&id)
    }

    /// The engineers and admins who are not disabled, in name order (as `users::engineers`).
    pub fn engineers(&self) -> Vec<&User> {
        let mut engineers: Vec<&User> =
            self.people.values().map(|(person, _)| person).filter(|p| p.role.is_engineer() && !p.disabled).collect();
        engineers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.0.cmp(&b.id.0)));
        engineers
    }

    /// A service's tier, archived or not.
    pub fn service_tier(&self, id: ServiceId) -> Option<Tier> {
        self.services.get(&id.0).map(|(tier, _)| *tier)
    }

    /// A category's name, archived or not.
    pub fn category_name(&self, id: CategoryId) -> Option<&str> {
        self.categories.get(&id.0).map(|(name, _)| name.as_str())
    }

    /// The rota as of `now`.
    pub fn roster(&self, now: DateTime<Utc>) -> Roster {
        self.rota.roster(now)
    }

    /// Who keeps goal at `now`.
    pub fn goalkeeper_at(&self, now: DateTime<Utc>) -> Option<UserId> {
        self.roster(now).goalkeeper_at(now)
    }
}

/// The setup as `conn` sees it now, read whole (nothing kept).
pub fn current(conn: &mut DbConnection) -> QueryResult<TeamSetup> {
    let categories = categories::table
        .select((categories::id, categories::name, categories::archived))
        .load::<(i64, String, bool)>(conn)?
        .into_iter()
        .map(|(id, name, archived)| (id, (name, !archived)))
        .collect();
    let mut services = HashMap::new();
    for (id, tier, archived) in
        services::table.select((services::id, services::tier, services::archived)).load::<(i64, String, bool)>(conn)?
    {
        let tier = Tier::parse(&tier).map_err(|_| super::corrupt("tier", &tier))?;
        services.insert(id, (tier, !archived));
    }
    let rota = super::rotation::roster_parts(conn)?;
    let mut people: HashMap<UserId, (User, Vec<String>)> = HashMap::new();
    for row in users::table.select(UserRow::as_select()).load::<UserRow>(conn)? {
        let person = User::try_from(row)?;
        people.insert(person.id, (person, Vec::new()));
    }
    for (id, topic) in
        muted_topics::table.select((muted_topics::user_id, muted_topics::topic)).load::<(i64, String)>(conn)?
    {
        if let Some((_, muted)) = people.get_mut(&UserId(id)) {
            muted.push(topic);
        }
    }
    let channels = super::notify::channels(conn)?;
    Ok(TeamSetup { categories, services, rota, people, channels })
}

/// The stamp of the setup `conn` sees now. The table has its one row: no bound key or `LIMIT`,
/// which SQLite would plan again on every read once `ANALYZE` sampled the table.
fn stamp(conn: &mut DbConnection) -> QueryResult<i64> {
    super::only(team_stamp::table.select(team_stamp::stamp).load(conn)?).ok_or(diesel::result::Error::NotFound)
}

/// A setup and the stamp it was read at.
type Stamped = (i64, Arc<TeamSetup>);

/// The kept setup, shared by everything one server runs; cheap to clone.
#[derive(Clone, Default)]
pub struct TeamMemo(Arc<Mutex<Option<Stamped>>>);

impl std::fmt::Debug for TeamMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TeamMemo")
    }
}

impl TeamMemo {
    /// The setup as `conn` sees it now: the kept one while the stamp is the same, else read
    /// again (and kept).
    pub fn setup(&self, conn: &mut DbConnection) -> QueryResult<Arc<TeamSetup>> {
        let now = stamp(conn)?;
        if let Ok(kept) = self.0.lock()
            && let Some((at, setup)) = kept.as_ref()
            && *at == now
        {
            return Ok(setup.clone());
        }
        let setup = Arc::new(current(conn)?);
        if let Ok(mut kept) = self.0.lock() {
            *kept = Some((now, setup.clone()));
        }
        Ok(setup)
    }
}
