//! The goalkeeper's week: who is on duty now and next, overrides and swaps, the admin's
//! rotation and office-hour settings, and calendar feeds.

use super::requests::{Choice, Person};
use super::{FieldErrors, parse_id};
use crate::db::models::User;
use crate::db::rotation::{self as store, NewOverride, OverrideRow, VersionRecord};
use crate::db::users;
use crate::domain::office::TeamSettings;
use crate::domain::rotation::{Roster, RotationPlan, RotationVersion, Shift, local_instant};
use crate::domain::{Note, UserId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// How many weeks the rota page and calendar feeds look ahead.
const WEEKS_AHEAD: usize = 12;
/// The longest single override.
const MAX_OVERRIDE: Duration = Duration::days(31);
/// A start this close to now counts as "from now" (forms have minute precision).
const START_SLACK: Duration = Duration::minutes(15);

pub fn local_label(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

fn parse_local(raw: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Some(local_instant(tz, local))
}

fn weekday_from(raw: &str) -> Option<Weekday> {
    raw.trim().parse::<Weekday>().ok()
}

/// Everything the rota pages need, read in one go.
struct RotaData {
    roster: Roster,
    versions: Vec<VersionRecord>,
    overrides: Vec<OverrideRow>,
    people: HashMap<UserId, User>,
    engineers: Vec<User>,
    team: TeamSettings,
}

async fn load(state: &AppState) -> Result<RotaData, AppError> {
    let now = state.now();
    let team = state.team().await?;
    state
        .db(move |conn| {
            crate::db::read_transaction(conn, |conn| {
                let roster = store::roster(conn, now)?;
                let versions = store::versions(conn)?;
                let overrides = store::overrides(conn)?;
                let people = users::list(conn)?.into_iter().map(|u| (u.id, u)).collect();
                let engineers = users::engineers(conn)?;
                Ok(RotaData { roster, versions, overrides, people, engineers, team })
            })
        })
        .await
}

impl RotaData {
    fn name(&self, id: UserId) -> String {
        self.people.get(&id).map(|u| u.name.clone()).unwrap_or_else(|| format!("engineer #{id}"))
    }

    fn names(&self) -> HashMap<UserId, String> {
        self.people.iter().map(|(id, u)| (*id, u.name.clone())).collect()
    }
}

/// "Goalkeeper: X until Mon 09:00 · next: Y", for the rota page and the queue.
pub struct DutyLine {
    pub name: String,
    pub until: String,
    pub next: Option<String>,
    pub is_me: bool,
}

pub fn duty_line(
    roster: &Roster,
    names: &HashMap<UserId, String>,
    me: UserId,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<DutyLine> {
    let shift = roster.shift_at(now)?;
    // The stretch may end at an override boundary; the one after it is "next".
    let next = roster
        .goalkeeper_at(shift.end)
        .filter(|n| *n != shift.engineer)
        .or_else(|| roster.scheduled_shift(now).and_then(|s| roster.goalkeeper_at(s.end)));
    let name = |id: UserId| names.get(&id).cloned().unwrap_or_else(|| format!("engineer #{id}"));
    Some(DutyLine {
        name: name(shift.engineer),
        until: local_label(shift.end, tz),
        next: next.map(name),
        is_me: shift.engineer == me,
    })
}

pub struct CoverLine {
    pub who: String,
    pub from: String,
    pub to: String,
}

pub struct WeekLine {
    pub start: String,
    pub end: String,
    pub goalkeeper: String,
    pub mine: bool,
    pub current: bool,
    pub covers: Vec<CoverLine>,
}

pub struct HistoryLine {
    pub when: When,
    pub text: String,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct CoverForm {
    pub engineer: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct SwapForm {
    pub mine: String,
    pub theirs: String,
}

#[derive(Template)]
#[template(path = "rotation.html")]
struct RotationPage {
    layout: Layout,
    configured: bool,
    duty: Option<DutyLine>,
    handover: String,
    timezone: String,
    weeks: Vec<WeekLine>,
    is_engineer: bool,
    is_admin: bool,
    engineers: Vec<Person>,
    my_weeks: Vec<Choice>,
    other_weeks: Vec<Choice>,
    cover: CoverForm,
    errors: FieldErrors,
    team_feed: String,
    my_feed: String,
    history: Vec<HistoryLine>,
}

/// Feed links point at the configured public address, never at a `Host` or
/// `X-Forwarded-Host` header a client chose.
fn feed_base(state: &AppState) -> String {
    state.config.public_url.clone()
}

async fn rotation_page(
    state: &AppState,
    user: &CurrentUser,
    cover: CoverForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let data = load(state).await?;
    let me = user.user.id;
    let token = state.db(move |conn| Ok(store::calendar_token(conn, me)?)).await?;
    let (now, tz) = (state.now(), data.team.timezone());
    let names = data.names();
    let mut weeks = Vec::new();
    let mut my_weeks = Vec::new();
    let mut other_weeks = Vec::new();
    // Before a rotation begins, show its first weeks.
    let mut cursor = match data.roster.scheduled_shift(now) {
        Some(_) => now,
        None => data.roster.versions().iter().map(|v| v.effective_from).find(|start| *start > now).unwrap_or(now),
    };
    for _ in 0..WEEKS_AHEAD {
        let Some(base) = data.roster.scheduled_shift(cursor) else { break };
        let pieces = data.roster.schedule(base.start, base.end);
        let covers = pieces
            .iter()
            .filter(|p| p.override_id.is_some())
            .map(|p| CoverLine {
                who: data.name(p.engineer),
                from: local_label(p.start, tz),
                to: local_label(p.end, tz),
            })
            .collect();
        let label = format!("{} – {}", local_label(base.start, tz), data.name(base.engineer));
        let choice = Choice { value: base.start.timestamp().to_string(), label };
        if base.engineer == me {
            my_weeks.push(choice)
        } else {
            other_weeks.push(choice)
        }
        weeks.push(WeekLine {
            start: local_label(base.start, tz),
            end: local_label(base.end, tz),
            goalkeeper: data.name(base.engineer),
            mine: base.engineer == me || pieces.iter().any(|p| p.engineer == me),
            current: base.start <= now && now < base.end,
            covers,
        });
        cursor = base.end;
    }
    let current_plan = data.roster.current_or_upcoming(now);
    let handover = current_plan
        .map(|v| format!("{}s at {}", weekday_name(v.plan.handover_weekday()), v.plan.handover_time.format("%H:%M")))
        .unwrap_or_default();
    let base = feed_base(state);
    render(
        status,
        &RotationPage {
            layout: user.layout("Rotation", "rotation"),
            configured: !data.versions.is_empty(),
            duty: duty_line(&data.roster, &names, me, now, tz),
            handover,
            timezone: tz.name().to_owned(),
            weeks,
            is_engineer: user.is_engineer(),
            is_admin: user.user.role.is_admin(),
            engineers: data
                .engineers
                .iter()
                .filter(|e| e.id != me || user.user.role.is_admin())
                .map(|e| Person { id: e.id.0, name: e.name.clone() })
                .collect(),
            my_weeks: if user.user.role.is_admin() { Vec::new() } else { my_weeks },
            other_weeks,
            cover,
            errors,
            team_feed: format!("{base}/rotation.ics?token={token}"),
            my_feed: format!("{base}/rotation/{me}.ics?token={token}"),
            history: history(&data, now, tz),
        },
    )
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Overrides and rotation edits, newest first, each naming who did it.
fn history(data: &RotaData, now: DateTime<Utc>, tz: Tz) -> Vec<HistoryLine> {
    let mut lines: Vec<(DateTime<Utc>, String)> = Vec::new();
    for cover in &data.overrides {
        let instead = cover.replaces_id.map(|r| format!(" instead of {}", data.name(UserId(r)))).unwrap_or_default();
        let note = if cover.note.is_empty() { String::new() } else { format!(" — {}", cover.note) };
        lines.push((
            crate::db::models::utc(cover.created_at),
            format!(
                "{} set {} on duty{} from {} to {}{}",
                data.name(UserId(cover.created_by)),
                data.name(UserId(cover.engineer_id)),
                instead,
                local_label(crate::db::models::utc(cover.starts_at), tz),
                local_label(crate::db::models::utc(cover.ends_at), tz),
                note
            ),
        ));
    }
    for record in &data.versions {
        let order: Vec<String> = record.version.plan.engineers.iter().map(|e| data.name(*e)).collect();
        lines.push((
            record.created_at,
            format!(
                "{} set the rotation from {}: {} (handover {}s at {}, {})",
                data.name(record.created_by),
                local_label(record.version.effective_from, tz),
                order.join(" → "),
                weekday_name(record.version.plan.handover_weekday()),
                record.version.plan.handover_time.format("%H:%M"),
                record.version.plan.timezone.name()
            ),
        ));
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.0));
    lines.into_iter().take(30).map(|(at, text)| HistoryLine { when: When::new(at, now, tz), text }).collect()
}

pub async fn page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    rotation_page(&state, &user, CoverForm::default(), FieldErrors::default(), StatusCode::OK).await
}

/// Checks a cover request; an engineer may only hand off duty of their own.
fn check_cover(
    data: &RotaData,
    user: &CurrentUser,
    form: &CoverForm,
    now: DateTime<Utc>,
    errors: &mut FieldErrors,
) -> Option<NewOverride> {
    let tz = data.team.timezone();
    let engineer = parse_id(&form.engineer).map(UserId).filter(|id| data.engineers.iter().any(|e| e.id == *id));
    if engineer.is_none() {
        errors.add("engineer", "Choose an engineer.");
    }
    let from = parse_local(&form.from, tz);
    let to = parse_local(&form.to, tz);
    if from.is_none() {
        errors.add("from", "Give a start date and time.");
    }
    if to.is_none() {
        errors.add("to", "Give an end date and time.");
    }
    let note = match form.note.trim() {
        "" => String::new(),
        raw => errors.check("note", Note::parse(raw)).map(Note::into_string).unwrap_or_default(),
    };
    let (engineer, from, to) = (engineer?, from?, to?);
    if from < now - START_SLACK {
        errors.add("from", "Overrides cannot start in the past.");
        return None;
    }
    let from = from.max(now);
    if to <= from {
        errors.add("to", "The end must come after the start.");
        return None;
    }
    if to - from > MAX_OVERRIDE {
        errors.add("to", "One override covers at most 31 days; add another for more.");
        return None;
    }
    if !user.user.role.is_admin() {
        if engineer == user.user.id {
            errors.add("engineer", "Choose the teammate who covers for you.");
            return None;
        }
        let mine = data.roster.schedule(from, to).iter().all(|s| s.engineer == user.user.id);
        if !mine {
            errors.add("from", "You can only hand off time when you are on duty; ask an admin for other changes.");
            return None;
        }
    }
    Some(NewOverride { engineer, replaces: data.roster.goalkeeper_at(from), from, to, note })
}

pub async fn add_cover(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<CoverForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let data = load(&state).await?;
    let now = state.now();
    let mut errors = FieldErrors::default();
    let Some(cover) = check_cover(&data, &user, &form, now, &mut errors).filter(|_| errors.is_empty()) else {
        return rotation_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let by = user.user.id;
    let message =
        format!("{} covers from {}.", data.name(cover.engineer), local_label(cover.from, data.team.timezone()));
    state.db(move |conn| Ok(store::add_overrides(conn, &[cover], by, now)?)).await?;
    user.flash(message);
    Ok(see_other("/rotation"))
}

pub async fn swap(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<SwapForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let data = load(&state).await?;
    let now = state.now();
    let week = |raw: &str| -> Option<Shift> {
        let start = DateTime::<Utc>::from_timestamp(raw.trim().parse().ok()?, 0)?;
        data.roster.scheduled_shift(start).filter(|s| s.end > now)
    };
    let mut errors = FieldErrors::default();
    let mine = week(&form.mine);
    let theirs = week(&form.theirs);
    if mine.is_none() {
        errors.add("mine", "Choose one of the listed weeks.");
    }
    if theirs.is_none() {
        errors.add("theirs", "Choose one of the listed weeks.");
    }
    if let (Some(a), Some(b)) = (&mine, &theirs) {
        if !user.user.role.is_admin() && a.engineer != user.user.id {
            errors.add("mine", "That week is not yours.");
        }
        if a.engineer == b.engineer {
            errors.add("theirs", "Choose a week of someone else.");
        }
    }
    let (Some(a), Some(b), true) = (mine, theirs, errors.is_empty()) else {
        return rotation_page(&state, &user, CoverForm::default(), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let note = format!("Swap of {} and {}", data.name(a.engineer), data.name(b.engineer));
    let covers = [
        NewOverride {
            engineer: b.engineer,
            replaces: Some(a.engineer),
            from: a.start.max(now),
            to: a.end,
            note: note.clone(),
        },
        NewOverride { engineer: a.engineer, replaces: Some(b.engineer), from: b.start.max(now), to: b.end, note },
    ];
    let by = user.user.id;
    let message = format!("{} and {} swapped weeks.", data.name(a.engineer), data.name(b.engineer));
    state.db(move |conn| Ok(store::add_overrides(conn, &covers, by, now)?)).await?;
    user.flash(message);
    Ok(see_other("/rotation"))
}

pub async fn regenerate_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let me = user.user.id;
    state.db(move |conn| Ok(store::regenerate_calendar_token(conn, me)?)).await?;
    user.flash("New calendar links made; the old ones no longer work.");
    Ok(see_other("/rotation"))
}

// ---------------------------------------------------------------------------------------------
// Admin settings

pub struct RotationEntry {
    pub id: i64,
    pub name: String,
    pub position: String,
}

pub struct DayBox {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "rotation_settings.html")]
struct SettingsPage {
    layout: Layout,
    entries: Vec<RotationEntry>,
    weekdays: Vec<Choice>,
    weekday: String,
    time: String,
    first: String,
    timezone: String,
    timezones: Vec<&'static str>,
    days: Vec<DayBox>,
    office_start: String,
    office_end: String,
    holidays: String,
    critical_minutes: String,
    important_minutes: String,
    can_wait_minutes: String,
    next_handover: Option<String>,
    errors: FieldErrors,
}

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "Mon"),
    (Weekday::Tue, "tue", "Tue"),
    (Weekday::Wed, "wed", "Wed"),
    (Weekday::Thu, "thu", "Thu"),
    (Weekday::Fri, "fri", "Fri"),
    (Weekday::Sat, "sat", "Sat"),
    (Weekday::Sun, "sun", "Sun"),
];

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

async fn settings_page(
    state: &AppState,
    admin: &CurrentUser,
    submitted: Option<&Fields>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let data = load(state).await?;
    let now = state.now();
    let tz = data.team.timezone();
    let current = data.roster.current_or_upcoming(now).cloned();
    let order: Vec<UserId> = current.as_ref().map(|v| v.plan.engineers.clone()).unwrap_or_default();
    let value = |name: &str, default: String| submitted.map(|f| field(f, name).to_owned()).unwrap_or(default);
    let entries = data
        .engineers
        .iter()
        .map(|e| {
            let stored = order.iter().position(|id| *id == e.id).map(|p| (p + 1).to_string()).unwrap_or_default();
            RotationEntry { id: e.id.0, name: e.name.clone(), position: value(&format!("pos_{}", e.id), stored) }
        })
        .collect();
    let office = &data.team.office;
    let days = DAYS
        .iter()
        .map(|(day, value_name, label)| DayBox {
            value: value_name,
            label,
            checked: match submitted {
                Some(f) => f.iter().any(|(k, _)| k == &format!("day_{value_name}")),
                None => office.weekdays.contains(day),
            },
        })
        .collect();
    let plan = current.as_ref().map(|v| &v.plan);
    let page = SettingsPage {
        layout: admin.layout("Rotation settings", "rotation"),
        entries,
        weekdays: DAYS
            .iter()
            .map(|(d, _, _)| Choice { value: d.to_string(), label: weekday_name(*d).into() })
            .collect(),
        weekday: value("weekday", plan.map(|p| p.handover_weekday()).unwrap_or(Weekday::Mon).to_string()),
        time: value(
            "time",
            plan.map(|p| p.handover_time.format("%H:%M").to_string()).unwrap_or_else(|| "09:00".into()),
        ),
        first: value(
            "first",
            plan.map(|p| p.anchor).unwrap_or_else(|| now.with_timezone(&tz).date_naive()).to_string(),
        ),
        timezone: value("timezone", tz.name().to_owned()),
        timezones: chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect(),
        days,
        office_start: value("office_start", office.start.format("%H:%M").to_string()),
        office_end: value("office_end", office.end.format("%H:%M").to_string()),
        holidays: value("holidays", office.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
        critical_minutes: value("critical_minutes", data.team.targets.critical_minutes.to_string()),
        important_minutes: value("important_minutes", data.team.targets.important_minutes.to_string()),
        can_wait_minutes: value("can_wait_minutes", data.team.targets.can_wait_minutes.to_string()),
        next_handover: data.roster.scheduled_shift(now).map(|s| local_label(s.end, tz)),
        errors,
    };
    render(status, &page)
}

pub async fn settings(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    settings_page(&state, &admin, None, FieldErrors::default(), StatusCode::OK).await
}

/// A new rotation version. Its first week is the one that contains `first` (it starts on the
/// handover weekday on or before that date); while a rotation runs, not before the current week
/// ends, so the week on duty is never cut short. The first engineer in the list takes the first
/// week.
fn next_version(
    roster: &Roster,
    first: NaiveDate,
    weekday: Weekday,
    handover_time: NaiveTime,
    timezone: Tz,
    engineers: Vec<UserId>,
    now: DateTime<Utc>,
) -> RotationVersion {
    let days_back =
        (7 + i64::from(first.weekday().num_days_from_monday()) - i64::from(weekday.num_days_from_monday())) % 7;
    let mut plan = RotationPlan { anchor: first - Duration::days(days_back), handover_time, timezone, engineers };
    if let Some(current) = roster.scheduled_shift(now) {
        while plan.handover(0) < current.end {
            plan.anchor += Duration::days(7);
        }
    }
    RotationVersion { effective_from: plan.handover(0), plan }
}

pub async fn save_plan(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let data = load(&state).await?;
    let now = state.now();
    let tz = data.team.timezone();
    let mut errors = FieldErrors::default();
    let mut order: Vec<(i64, UserId)> = Vec::new();
    for engineer in &data.engineers {
        let raw = field(&fields, &format!("pos_{}", engineer.id)).trim();
        if raw.is_empty() {
            continue;
        }
        match raw.parse::<i64>() {
            Ok(position) if position > 0 => order.push((position, engineer.id)),
            _ => errors.add("order", "Positions are whole numbers from 1; leave a box empty to keep someone out."),
        }
    }
    order.sort();
    if order.is_empty() {
        errors.add("order", "Put at least one engineer in the rotation.");
    }
    let weekday = weekday_from(field(&fields, "weekday"));
    if weekday.is_none() {
        errors.add("weekday", "Choose a weekday.");
    }
    let time = NaiveTime::parse_from_str(field(&fields, "time").trim(), "%H:%M").ok();
    if time.is_none() {
        errors.add("time", "Give the handover time as HH:MM.");
    }
    let first = NaiveDate::parse_from_str(field(&fields, "first").trim(), "%Y-%m-%d").ok();
    if first.is_none() {
        errors.add("first", "Give the date of the first week.");
    }
    let (Some(weekday), Some(handover_time), Some(first), true) = (weekday, time, first, errors.is_empty()) else {
        return settings_page(&state, &admin, Some(&fields), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let engineers = order.into_iter().map(|(_, id)| id).collect();
    let version = next_version(&data.roster, first, weekday, handover_time, tz, engineers, now);
    let message = format!("Rotation saved; it applies from {}.", local_label(version.effective_from, tz));
    let by = admin.user.id;
    state.db(move |conn| Ok(store::replace_future_versions(conn, &version, by, now)?)).await?;
    admin.flash(message);
    Ok(see_other("/rotation"))
}

pub async fn save_team(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let data = load(&state).await?;
    let now = state.now();
    let mut errors = FieldErrors::default();
    let timezone: Option<Tz> = field(&fields, "timezone").trim().parse().ok();
    if timezone.is_none() {
        errors.add("timezone", "Choose a time zone from the list, like Europe/Stockholm.");
    }
    let weekdays: Vec<Weekday> = DAYS
        .iter()
        .filter(|(_, name, _)| fields.iter().any(|(k, _)| k == &format!("day_{name}")))
        .map(|(d, _, _)| *d)
        .collect();
    if weekdays.is_empty() {
        errors.add("days", "Tick at least one working day.");
    }
    let hour = |name: &'static str, errors: &mut FieldErrors| {
        let parsed = NaiveTime::parse_from_str(field(&fields, name).trim(), "%H:%M").ok();
        if parsed.is_none() {
            errors.add(name, "Give a time as HH:MM.");
        }
        parsed
    };
    let (start, end) = (hour("office_start", &mut errors), hour("office_end", &mut errors));
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        errors.add("office_end", "Office hours must end after they start.");
    }
    let mut holidays = BTreeSet::new();
    for line in field(&fields, "holidays").lines().map(str::trim).filter(|l| !l.is_empty()) {
        let date_text = line.split_whitespace().next().unwrap_or_default();
        match NaiveDate::parse_from_str(date_text, "%Y-%m-%d") {
            Ok(date) => {
                holidays.insert(date);
            }
            Err(_) => errors.add("holidays", format!("“{line}” does not start with a date like 2026-12-24.")),
        }
    }
    let minutes = |name: &'static str, errors: &mut FieldErrors| {
        let parsed = field(&fields, name).trim().parse::<i64>().ok().filter(|m| (1..=100_000).contains(m));
        if parsed.is_none() {
            errors.add(name, "Give a number of office minutes (1 or more).");
        }
        parsed
    };
    let critical = minutes("critical_minutes", &mut errors);
    let important = minutes("important_minutes", &mut errors);
    let can_wait = minutes("can_wait_minutes", &mut errors);
    let (Some(timezone), Some(start), Some(end), Some(critical), Some(important), Some(can_wait), true) =
        (timezone, start, end, critical, important, can_wait, errors.is_empty())
    else {
        return settings_page(&state, &admin, Some(&fields), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut team = data.team.clone();
    team.office = crate::domain::office::OfficeHours { timezone, weekdays, start, end, holidays };
    team.targets = crate::domain::office::TriageTargets {
        critical_minutes: critical,
        important_minutes: important,
        can_wait_minutes: can_wait,
    };
    // A new time zone moves the handovers too, from the next one on.
    let moved = data.roster.current_or_upcoming(now).and_then(|current| {
        (current.plan.timezone != timezone).then(|| {
            let plan = &current.plan;
            next_version(
                &data.roster,
                plan.anchor,
                plan.handover_weekday(),
                plan.handover_time,
                timezone,
                plan.engineers.clone(),
                now,
            )
        })
    });
    let by = admin.user.id;
    state
        .db(move |conn| {
            store::save_team_settings(conn, &team)?;
            if let Some(version) = moved {
                store::replace_future_versions(conn, &version, by, now)?;
            }
            Ok(())
        })
        .await?;
    state.forget_team();
    admin.flash("Team settings saved.");
    Ok(see_other("/rotation/settings"))
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedQuery {
    pub token: String,
}

async fn feed(state: &AppState, token: String, only: Option<UserId>) -> Result<HttpResponse, AppError> {
    let owner = state.db(move |conn| Ok(store::user_by_calendar_token(conn, &token)?)).await?;
    if owner.is_none() {
        return Err(AppError::NotFound);
    }
    let data = load(state).await?;
    let now = state.now();
    let from =
        data.roster.scheduled_shift(now - Duration::weeks(4)).map(|s| s.start).unwrap_or(now - Duration::weeks(4));
    // Whole shifts only: a calendar should not show a week cut short by the feed's horizon.
    let horizon = now + Duration::weeks(WEEKS_AHEAD as i64);
    let to = data.roster.scheduled_shift(horizon).map(|s| s.end).unwrap_or(horizon);
    let shifts: Vec<Shift> =
        data.roster.schedule(from, to).into_iter().filter(|s| only.is_none_or(|o| s.engineer == o)).collect();
    let title = match only {
        Some(id) => format!("Goalkeeper duty: {}", data.name(id)),
        None => "Goalkeeper rota".to_owned(),
    };
    let body = crate::calendar::rota(&title, &shifts, &data.names(), data.team.timezone(), now);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(body))
}

pub async fn team_feed(state: web::Data<AppState>, query: web::Query<FeedQuery>) -> Result<HttpResponse, AppError> {
    feed(&state, query.into_inner().token, None).await
}

pub async fn engineer_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let engineer = parse_id(&path).map(UserId).ok_or(AppError::NotFound)?;
    feed(&state, query.into_inner().token, Some(engineer)).await
}
