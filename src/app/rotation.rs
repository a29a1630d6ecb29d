//! Who keeps goal now, next, and in the weeks ahead; covers and swaps; the admin's rotation and
//! office-hour settings; calendar feeds.

use super::names::Directory;
use super::{Context, Error};
use crate::db::models::User;
use crate::db::rotation::{self as store, NewOverride};
use crate::db::{DbConnection, read_transaction, users, write_transaction};
use crate::domain::office::{OfficeHours, TeamSettings, TriageTargets};
use crate::domain::rotation::{Roster, RotationVersion, Shift};
use crate::domain::{Note, UserId};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::HashMap;

pub use crate::db::rotation::{OverrideRow, VersionRecord};

/// The longest single override.
pub const MAX_OVERRIDE: Duration = Duration::days(31);
/// A start this close to now counts as "from now" (forms have minute precision).
pub const START_SLACK: Duration = Duration::minutes(15);
/// How many weeks the rota and calendar feeds look ahead.
pub const WEEKS_AHEAD: i64 = 12;

pub struct Overview {
    pub now: Option<Shift>,
    pub next: Option<Shift>,
    /// The stretches of duty from now on, overrides applied.
    pub ahead: Vec<Shift>,
    pub names: Directory,
}

/// The rota from now over `weeks` weeks.
pub fn overview(conn: &mut DbConnection, ctx: &Context, weeks: i64) -> Result<Overview, Error> {
    read_transaction(conn, |conn| {
        let roster = store::roster(conn, ctx.now)?;
        let ahead = roster.schedule(ctx.now, ctx.now + Duration::weeks(weeks));
        let now = roster.shift_at(ctx.now);
        let next = match &now {
            Some(current) => roster.shift_at(current.end),
            None => ahead.first().cloned(),
        };
        let people = ahead.iter().flat_map(|s| [Some(s.engineer), s.scheduled]).flatten();
        let names = Directory::load(conn, people)?;
        Ok(Overview { now, next, ahead, names })
    })
}

/// Everything the rota pages show, read in one transaction.
pub struct Rota {
    pub roster: Roster,
    pub versions: Vec<VersionRecord>,
    pub overrides: Vec<OverrideRow>,
    pub people: HashMap<UserId, User>,
    pub engineers: Vec<User>,
    pub team: TeamSettings,
    /// The actor's secret for calendar feed links.
    pub calendar_token: String,
    /// Requests to cover someone's duty that nobody took yet.
    pub cover_requests: Vec<CoverRequest>,
}

impl Rota {
    pub fn name(&self, id: UserId) -> String {
        self.people.get(&id).map(|u| u.name.clone()).unwrap_or_else(|| format!("engineer #{id}"))
    }

    pub fn names(&self) -> HashMap<UserId, String> {
        self.people.iter().map(|(id, u)| (*id, u.name.clone())).collect()
    }
}

pub fn rota(conn: &mut DbConnection, ctx: &Context) -> Result<Rota, Error> {
    write_transaction(conn, |conn| load(conn, ctx))
}

fn load(conn: &mut DbConnection, ctx: &Context) -> Result<Rota, Error> {
    Ok(Rota {
        roster: store::roster(conn, ctx.now)?,
        versions: store::versions(conn)?,
        overrides: store::overrides(conn)?,
        people: users::list(conn)?.into_iter().map(|u| (u.id, u)).collect(),
        engineers: users::engineers(conn)?,
        team: ctx.team.clone(),
        // Made on first use, hence the write transaction.
        calendar_token: store::calendar_token(conn, ctx.actor.id)?,
        cover_requests: store::open_cover_requests(conn, ctx.now)?,
    })
}

fn require_engineer(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_engineer() { Ok(()) } else { Err(Error::Forbidden { code: "engineers_only" }) }
}

fn require_admin(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_admin() { Ok(()) } else { Err(Error::Forbidden { code: "admins_only" }) }
}

/// Someone to be on duty for a while instead of whoever is scheduled.
#[derive(Debug, Clone)]
pub struct CoverInput {
    pub engineer: UserId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub note: String,
}

/// A stored cover.
#[derive(Debug, Clone)]
pub struct Cover {
    pub engineer: UserId,
    /// The engineer's name, for telling people.
    pub name: String,
    pub replaces: Option<UserId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Adds a cover. An engineer may only hand off duty of their own, to someone else; an admin may
/// set anyone on duty. Checked and written in one transaction.
pub fn cover(conn: &mut DbConnection, ctx: &Context, input: &CoverInput) -> Result<Cover, Error> {
    require_engineer(ctx)?;
    let note = match input.note.trim() {
        "" => String::new(),
        raw => Note::parse(raw).map_err(|e| Error::value("note", e))?.into_string(),
    };
    write_transaction(conn, |conn| {
        let engineers = users::engineers(conn)?;
        let Some(covering) = engineers.iter().find(|e| e.id == input.engineer) else {
            return Err(Error::invalid("unknown", "engineer"));
        };
        if input.from < ctx.now - START_SLACK {
            return Err(Error::invalid("in_past", "from"));
        }
        let from = input.from.max(ctx.now);
        if input.to <= from {
            return Err(Error::invalid("before_start", "to"));
        }
        if input.to - from > MAX_OVERRIDE {
            return Err(Error::invalid("too_long", "to"));
        }
        let roster = store::roster(conn, ctx.now)?;
        if !ctx.actor.role.is_admin() {
            if input.engineer == ctx.actor.id {
                return Err(Error::invalid("self", "engineer"));
            }
            if !roster.schedule(from, input.to).iter().all(|s| s.engineer == ctx.actor.id) {
                return Err(Error::invalid("not_on_duty", "from"));
            }
        }
        let cover = Cover {
            engineer: input.engineer,
            name: covering.name.clone(),
            replaces: roster.goalkeeper_at(from),
            from,
            to: input.to,
        };
        let row = NewOverride { engineer: cover.engineer, replaces: cover.replaces, from, to: cover.to, note };
        store::add_overrides(conn, &[row], ctx.actor.id, ctx.now)?;
        Ok(cover)
    })
}

/// Two scheduled weeks, each named by an instant inside it, trade engineers. Returns the two
/// stored covers.
pub fn swap(
    conn: &mut DbConnection,
    ctx: &Context,
    mine: DateTime<Utc>,
    theirs: DateTime<Utc>,
) -> Result<[Cover; 2], Error> {
    require_engineer(ctx)?;
    write_transaction(conn, |conn| {
        let roster = store::roster(conn, ctx.now)?;
        let week = |start: DateTime<Utc>| roster.scheduled_shift(start).filter(|s| s.end > ctx.now);
        let a = week(mine).ok_or_else(|| Error::invalid("unknown_week", "mine"))?;
        let b = week(theirs).ok_or_else(|| Error::invalid("unknown_week", "theirs"))?;
        if !ctx.actor.role.is_admin() && a.engineer != ctx.actor.id {
            return Err(Error::invalid("not_yours", "mine"));
        }
        if a.engineer == b.engineer {
            return Err(Error::invalid("same_engineer", "theirs"));
        }
        let names = Directory::load(conn, [a.engineer, b.engineer])?;
        let note = format!("Swap of {} and {}", names.user(Some(a.engineer)), names.user(Some(b.engineer)));
        let name = |id| names.user(Some(id));
        let covers = [
            Cover {
                engineer: b.engineer,
                name: name(b.engineer),
                replaces: Some(a.engineer),
                from: a.start.max(ctx.now),
                to: a.end,
            },
            Cover {
                engineer: a.engineer,
                name: name(a.engineer),
                replaces: Some(b.engineer),
                from: b.start.max(ctx.now),
                to: b.end,
            },
        ];
        let rows: Vec<NewOverride> = covers
            .iter()
            .map(|c| NewOverride {
                engineer: c.engineer,
                replaces: c.replaces,
                from: c.from,
                to: c.to,
                note: note.clone(),
            })
            .collect();
        store::add_overrides(conn, &rows, ctx.actor.id, ctx.now)?;
        Ok(covers)
    })
}

/// New calendar links for the actor; the old ones stop working.
pub fn regenerate_calendar_token(conn: &mut DbConnection, ctx: &Context) -> Result<String, Error> {
    write_transaction(conn, |conn| Ok(store::regenerate_calendar_token(conn, ctx.actor.id)?))
}

/// What a calendar feed shows: whole shifts from four weeks back to `WEEKS_AHEAD` ahead.
pub struct Feed {
    pub shifts: Vec<Shift>,
    pub names: HashMap<UserId, String>,
    pub title: String,
}

/// The feed behind a calendar secret, of the whole team or of one engineer.
/// Anyone with the secret may read it, signed in or not.
pub fn feed(conn: &mut DbConnection, now: DateTime<Utc>, token: &str, only: Option<UserId>) -> Result<Feed, Error> {
    read_transaction(conn, |conn| {
        store::user_by_calendar_token(conn, token)?.ok_or(Error::NotFound)?;
        let roster = store::roster(conn, now)?;
        let back = now - Duration::weeks(4);
        let from = roster.scheduled_shift(back).map(|s| s.start).unwrap_or(back);
        // Whole shifts only: a calendar should not show a week cut short by the horizon.
        let horizon = now + Duration::weeks(WEEKS_AHEAD);
        let to = roster.scheduled_shift(horizon).map(|s| s.end).unwrap_or(horizon);
        let shifts: Vec<Shift> =
            roster.schedule(from, to).into_iter().filter(|s| only.is_none_or(|o| s.engineer == o)).collect();
        let names: HashMap<UserId, String> = users::list(conn)?.into_iter().map(|u| (u.id, u.name)).collect();
        let title = match only {
            Some(id) => {
                format!("Goalkeeper duty: {}", names.get(&id).cloned().unwrap_or_else(|| format!("engineer #{id}")))
            }
            None => "Goalkeeper rota".to_owned(),
        };
        Ok(Feed { shifts, names, title })
    })
}

/// A new rotation plan, as an admin sets it.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// In rotation order; the first takes the first week.
    pub engineers: Vec<UserId>,
    pub weekday: Weekday,
    pub handover_time: NaiveTime,
    /// A date in the first week.
    pub first: NaiveDate,
}

/// Saves a rotation version; returns it (with when it applies).
pub fn save_plan(conn: &mut DbConnection, ctx: &Context, input: PlanInput) -> Result<RotationVersion, Error> {
    require_admin(ctx)?;
    if input.engineers.is_empty() {
        return Err(Error::invalid("empty", "order"));
    }
    write_transaction(conn, |conn| {
        let engineers = users::engineers(conn)?;
        if input.engineers.iter().any(|id| !engineers.iter().any(|e| e.id == *id)) {
            return Err(Error::invalid("unknown", "order"));
        }
        let roster = store::roster(conn, ctx.now)?;
        let version = roster.next_version(
            input.first,
            input.weekday,
            input.handover_time,
            ctx.team.timezone(),
            input.engineers.clone(),
            ctx.now,
        );
        store::replace_future_versions(conn, &version, ctx.actor.id, ctx.now)?;
        Ok(version)
    })
}

/// Saves office hours and triage targets. A new time zone moves the handovers too, from the
/// next one on.
pub fn save_team(
    conn: &mut DbConnection,
    ctx: &Context,
    office: OfficeHours,
    targets: TriageTargets,
    on_call: Option<UserId>,
) -> Result<TeamSettings, Error> {
    require_admin(ctx)?;
    if office.weekdays.is_empty() {
        return Err(Error::invalid("empty", "days"));
    }
    if office.end <= office.start {
        return Err(Error::invalid("before_start", "office_end"));
    }
    for (field, minutes) in [
        ("critical_minutes", targets.critical_minutes),
        ("important_minutes", targets.important_minutes),
        ("can_wait_minutes", targets.can_wait_minutes),
    ] {
        if !(1..=100_000).contains(&minutes) {
            return Err(Error::invalid("out_of_range", field));
        }
    }
    let timezone: Tz = office.timezone;
    write_transaction(conn, |conn| {
        let roster = store::roster(conn, ctx.now)?;
        let moved = roster.current_or_upcoming(ctx.now).and_then(|current| {
            (current.plan.timezone != timezone).then(|| {
                let plan = &current.plan;
                roster.next_version(
                    plan.anchor,
                    plan.handover_weekday(),
                    plan.handover_time,
                    timezone,
                    plan.engineers.clone(),
                    ctx.now,
                )
            })
        });
        if let Some(person) = on_call
            && !users::engineers(conn)?.iter().any(|e| e.id == person)
        {
            return Err(Error::invalid("unknown", "on_call"));
        }
        let mut team = ctx.team.clone();
        team.office = office;
        team.targets = targets;
        team.on_call = on_call;
        store::save_team_settings(conn, &team)?;
        if let Some(version) = moved {
            store::replace_future_versions(conn, &version, ctx.actor.id, ctx.now)?;
        }
        Ok(team)
    })
}

/// The team's settings, or the defaults in `fallback_timezone` until an admin saves some.
pub fn team_settings(conn: &mut DbConnection, fallback_timezone: Tz) -> Result<TeamSettings, Error> {
    Ok(store::team_settings(conn, fallback_timezone)?)
}

pub use crate::db::rotation::CoverRequest;

fn span_label(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String {
    let label = |at: DateTime<Utc>| at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string();
    format!("{} – {}", label(from), label(to))
}

/// Someone on duty asks the team to cover a stretch of it; channels that hear `cover_wanted`
/// get the request with a link to take it. Returns the request's id.
pub fn ask_for_cover(
    conn: &mut DbConnection,
    ctx: &Context,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    note: &str,
    public_url: &str,
) -> Result<i64, Error> {
    require_engineer(ctx)?;
    let note = match note.trim() {
        "" => String::new(),
        raw => Note::parse(raw).map_err(|e| Error::value("note", e))?.into_string(),
    };
    if from < ctx.now - START_SLACK {
        return Err(Error::invalid("in_past", "from"));
    }
    let from = from.max(ctx.now);
    if to <= from {
        return Err(Error::invalid("before_start", "to"));
    }
    if to - from > MAX_OVERRIDE {
        return Err(Error::invalid("too_long", "to"));
    }
    write_transaction(conn, |conn| {
        let roster = store::roster(conn, ctx.now)?;
        if !roster.schedule(from, to).iter().all(|s| s.engineer == ctx.actor.id) {
            return Err(Error::invalid("not_on_duty", "from"));
        }
        let id = store::add_cover_request(conn, ctx.actor.id, (from, to), &note, ctx.now)?;
        let names = Directory::load(conn, [ctx.actor.id])?;
        let subject = format!(
            "{} asks for someone to cover {}",
            names.user(Some(ctx.actor.id)),
            span_label(from, to, ctx.team.timezone())
        );
        let body = match note.as_str() {
            "" => format!("Take it: {public_url}/rotation#cover-request-{id}"),
            note => format!("{note}\nTake it: {public_url}/rotation#cover-request-{id}"),
        };
        super::notify::tell_channels(conn, crate::domain::notify::Topic::CoverWanted, &subject, &body, ctx.now)?;
        Ok(id)
    })
}

/// A teammate takes a cover request: they are on duty for what is left of it, and whoever asked
/// is told. Only once; not one's own.
pub fn take_cover(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<Cover, Error> {
    require_engineer(ctx)?;
    write_transaction(conn, |conn| {
        let wanted = store::cover_request(conn, id)?.ok_or(Error::NotFound)?;
        let (from, to) = wanted.span();
        if to <= ctx.now {
            return Err(Error::Forbidden { code: "cover_over" });
        }
        if wanted.requested_by == ctx.actor.id.0 {
            return Err(Error::Forbidden { code: "own_cover_request" });
        }
        if !store::take_cover_request(conn, id, ctx.actor.id, ctx.now)? {
            return Err(Error::Forbidden { code: "cover_taken" });
        }
        let asked_by = UserId(wanted.requested_by);
        let names = Directory::load(conn, [ctx.actor.id, asked_by])?;
        let cover = Cover {
            engineer: ctx.actor.id,
            name: names.user(Some(ctx.actor.id)),
            replaces: Some(asked_by),
            from: from.max(ctx.now),
            to,
        };
        let row = NewOverride {
            engineer: cover.engineer,
            replaces: cover.replaces,
            from: cover.from,
            to: cover.to,
            note: format!("Covers for {} (asked the team)", names.user(Some(asked_by))),
        };
        store::add_overrides(conn, &[row], ctx.actor.id, ctx.now)?;
        let subject = format!(
            "{} covers for you {}",
            names.user(Some(ctx.actor.id)),
            span_label(cover.from, cover.to, ctx.team.timezone())
        );
        super::notify::tell_person(conn, asked_by, crate::domain::notify::Topic::CoverWanted, &subject, ctx.now)?;
        Ok(cover)
    })
}
