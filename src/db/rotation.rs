//! The rotation's versions and overrides, team settings, and calendar tokens.

use super::models::{naive, utc};
use super::schema::{rotation_overrides, rotation_versions, users};
use super::{DbConnection, corrupt, write_transaction};
use crate::domain::office::TeamSettings;
use crate::domain::rotation::{Override, Roster, RotationPlan, RotationVersion};
use crate::domain::{Role, UserId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use std::collections::HashSet;

const TEAM_SETTINGS: &str = "team";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rotation_versions)]
#[diesel(treat_none_as_default_value = false)]
pub struct VersionRow {
    pub id: i64,
    pub effective_from: chrono::NaiveDateTime,
    pub anchor_date: String,
    pub handover_time: String,
    pub timezone: String,
    pub engineers: String,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

/// A stored rotation version with who made it.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    pub id: i64,
    pub version: RotationVersion,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<VersionRow> for VersionRecord {
    type Error = diesel::result::Error;

    fn try_from(row: VersionRow) -> Result<Self, Self::Error> {
        let anchor = NaiveDate::parse_from_str(&row.anchor_date, "%Y-%m-%d")
            .map_err(|_| corrupt("anchor date", &row.anchor_date))?;
        let handover_time = NaiveTime::parse_from_str(&row.handover_time, "%H:%M")
            .map_err(|_| corrupt("handover time", &row.handover_time))?;
        let timezone = row.timezone.parse().map_err(|_| corrupt("time zone", &row.timezone))?;
        let engineers: Vec<i64> =
            serde_json::from_str(&row.engineers).map_err(|_| corrupt("engineer list", &row.engineers))?;
        Ok(VersionRecord {
            id: row.id,
            version: RotationVersion {
                effective_from: utc(row.effective_from),
                plan: RotationPlan {
                    anchor,
                    handover_time,
                    timezone,
                    engineers: engineers.into_iter().map(UserId).collect(),
                },
            },
            created_by: UserId(row.created_by),
            created_at: utc(row.created_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rotation_overrides)]
#[diesel(treat_none_as_default_value = false)]
pub struct OverrideRow {
    pub id: i64,
    pub engineer_id: i64,
    pub replaces_id: Option<i64>,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub note: String,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

impl OverrideRow {
    pub fn created(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }

    pub fn domain(&self) -> Override {
        Override { id: self.id, engineer: UserId(self.engineer_id), from: utc(self.starts_at), to: utc(self.ends_at) }
    }
}

pub fn versions(conn: &mut DbConnection) -> QueryResult<Vec<VersionRecord>> {
    let rows: Vec<VersionRow> = rotation_versions::table
        .order((rotation_versions::effective_from, rotation_versions::id))
        .select(VersionRow::as_select())
        .load(conn)?;
    rows.into_iter().map(VersionRecord::try_from).collect()
}

/// Overrides in the order they were made.
pub fn overrides(conn: &mut DbConnection) -> QueryResult<Vec<OverrideRow>> {
    rotation_overrides::table.order(rotation_overrides::id).select(OverrideRow::as_select()).load(conn)
}

/// What the rota is made of, stored: its versions, the overrides, and who left engineering.
#[derive(Debug, Clone)]
pub struct RosterParts {
    pub versions: Vec<RotationVersion>,
    pub overrides: Vec<crate::domain::rotation::Override>,
    pub inactive: HashSet<UserId>,
}

impl RosterParts {
    /// The rota as of `now`.
    pub fn roster(&self, now: DateTime<Utc>) -> Roster {
        Roster::new(self.versions.clone(), self.overrides.clone(), self.inactive.clone(), now)
    }
}

/// Everything that decides who is goalkeeper, as of `now`.
pub fn roster(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<Roster> {
    Ok(roster_parts(conn)?.roster(now))
}

/// The stored parts of the rota.
pub fn roster_parts(conn: &mut DbConnection) -> QueryResult<RosterParts> {
    let versions: Vec<RotationVersion> = versions(conn)?.into_iter().map(|r| r.version).collect();
    let overrides = overrides(conn)?.iter().map(OverrideRow::domain).collect();
    let in_rotation: Vec<i64> = versions.iter().flat_map(|v| v.plan.engineers.iter().map(|e| e.0)).collect();
    let still_engineers: HashSet<i64> = users::table
        .filter(super::id_list::id_in(users::id, &in_rotation))
        .filter(users::disabled.eq(false))
        .filter(users::role.eq(Role::Engineer.as_str()).or(users::role.eq(Role::Admin.as_str())))
        .select(users::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let inactive = in_rotation.into_iter().filter(|id| !still_engineers.contains(id)).map(UserId).collect();
    Ok(RosterParts { versions, overrides, inactive })
}

/// Who is goalkeeper at `now` (recorded on every event).
pub fn goalkeeper_at(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<Option<UserId>> {
    Ok(roster(conn, now)?.goalkeeper_at(now))
}

pub fn save_version(
    conn: &mut DbConnection,
    version: &RotationVersion,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let engineers: Vec<i64> = version.plan.engineers.iter().map(|e| e.0).collect();
    let engineers =
        serde_json::to_string(&engineers).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    write_transaction(conn, |conn| {
        diesel::insert_into(rotation_versions::table)
            .values((
                rotation_versions::effective_from.eq(naive(version.effective_from)),
                rotation_versions::anchor_date.eq(version.plan.anchor.format("%Y-%m-%d").to_string()),
                rotation_versions::handover_time.eq(version.plan.handover_time.format("%H:%M").to_string()),
                rotation_versions::timezone.eq(version.plan.timezone.name()),
                rotation_versions::engineers.eq(&engineers),
                rotation_versions::created_by.eq(by.0),
                rotation_versions::created_at.eq(naive(now)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Saves a new version, dropping versions that were due to start later and never applied.
pub fn replace_future_versions(
    conn: &mut DbConnection,
    version: &RotationVersion,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::delete(rotation_versions::table.filter(rotation_versions::effective_from.gt(naive(now))))
            .execute(conn)?;
        save_version(conn, version, by, now)
    })
}

pub struct NewOverride {
    pub engineer: UserId,
    pub replaces: Option<UserId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub note: String,
}

/// Stores overrides together (a swap is two).
pub fn add_overrides(conn: &mut DbConnection, list: &[NewOverride], by: UserId, now: DateTime<Utc>) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        for cover in list {
            diesel::insert_into(rotation_overrides::table)
                .values((
                    rotation_overrides::engineer_id.eq(cover.engineer.0),
                    rotation_overrides::replaces_id.eq(cover.replaces.map(|r| r.0)),
                    rotation_overrides::starts_at.eq(naive(cover.from)),
                    rotation_overrides::ends_at.eq(naive(cover.to)),
                    rotation_overrides::note.eq(&cover.note),
                    rotation_overrides::created_by.eq(by.0),
                    rotation_overrides::created_at.eq(naive(now)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The team's settings; until an admin saves some, the defaults in `fallback_timezone`.
pub fn team_settings(conn: &mut DbConnection, fallback_timezone: chrono_tz::Tz) -> QueryResult<TeamSettings> {
    use super::schema::settings;
    let stored: Option<String> = super::only(settings::table.find(TEAM_SETTINGS).select(settings::value).load(conn)?);
    Ok(match stored.and_then(|json| serde_json::from_str(&json).ok()) {
        Some(team) => team,
        None => {
            let mut team = TeamSettings::default();
            team.office.timezone = fallback_timezone;
            team
        }
    })
}

pub fn save_team_settings(conn: &mut DbConnection, team: &TeamSettings) -> QueryResult<()> {
    use super::schema::settings;
    let json = serde_json::to_string(team).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    write_transaction(conn, |conn| {
        let updated =
            diesel::update(settings::table.find(TEAM_SETTINGS)).set(settings::value.eq(&json)).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::name.eq(TEAM_SETTINGS), settings::value.eq(&json)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The person's calendar secret, made on first use.
pub fn calendar_token(conn: &mut DbConnection, user: UserId) -> QueryResult<String> {
    let existing: Option<Option<String>> =
        super::only(users::table.find(user.0).select(users::calendar_token).load(conn)?);
    match existing {
        Some(Some(token)) => Ok(token),
        _ => regenerate_calendar_token(conn, user),
    }
}

/// A new calendar secret; links with the old one stop working.
pub fn regenerate_calendar_token(conn: &mut DbConnection, user: UserId) -> QueryResult<String> {
    let token = crate::auth::random_token(40);
    write_transaction(conn, |conn| {
        diesel::update(users::table.find(user.0)).set(users::calendar_token.eq(&token)).execute(conn)
    })?;
    Ok(token)
}

/// The enabled person a calendar secret belongs to.
pub fn user_by_calendar_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<UserId>> {
    let found: Option<(i64, bool)> = users::table
        .filter(users::calendar_token.eq(token))
        .select((users::id, users::disabled))
        .first(conn)
        .optional()?;
    Ok(found.filter(|(_, disabled)| !disabled).map(|(id, _)| UserId(id)))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::cover_requests)]
pub struct CoverRequest {
    pub id: i64,
    pub requested_by: i64,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub note: String,
    pub taken_by: Option<i64>,
    pub taken_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl CoverRequest {
    pub fn span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (utc(self.starts_at), utc(self.ends_at))
    }
}

pub fn add_cover_request(
    conn: &mut DbConnection,
    by: UserId,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    use super::schema::cover_requests;
    diesel::insert_into(cover_requests::table)
        .values((
            cover_requests::requested_by.eq(by.0),
            cover_requests::starts_at.eq(naive(from)),
            cover_requests::ends_at.eq(naive(to)),
            cover_requests::note.eq(note),
            cover_requests::created_at.eq(naive(now)),
        ))
        .returning(cover_requests::id)
        .get_result(conn)
}

pub fn cover_request(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CoverRequest>> {
    use super::schema::cover_requests;
    Ok(super::only(cover_requests::table.find(id).select(CoverRequest::as_select()).load(conn)?))
}

/// Cover requests nobody took yet that still end in the future, soonest first.
pub fn open_cover_requests(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<Vec<CoverRequest>> {
    use super::schema::cover_requests;
    cover_requests::table
        .filter(cover_requests::taken_by.is_null())
        .filter(cover_requests::ends_at.gt(naive(now)))
        .order(cover_requests::starts_at)
        .select(CoverRequest::as_select())
        .load(conn)
}

/// Marks a cover request taken; false when someone else took it first.
pub fn take_cover_request(conn: &mut DbConnection, id: i64, by: UserId, now: DateTime<Utc>) -> QueryResult<bool> {
    use super::schema::cover_requests;
    let taken = diesel::update(cover_requests::table.find(id).filter(cover_requests::taken_by.is_null()))
        .set((cover_requests::taken_by.eq(by.0), cover_requests::taken_at.eq(naive(now))))
        .execute(conn)?;
    Ok(taken == 1)
}
