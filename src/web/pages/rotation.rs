//! The goalkeeper's week: who is on duty now and next, overrides and swaps, the admin's
//! rotation and office-hour settings, and calendar feeds.

use super::requests::{Choice, Person};
use super::{FieldErrors, parse_id};
use crate::app::rotation::{CoverInput, PlanInput, Rota, WEEKS_AHEAD};
use crate::app::{self, Error};
use crate::domain::UserId;
use crate::domain::rotation::{Roster, local_instant};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

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

async fn load(state: &AppState, user: &CurrentUser) -> Result<Rota, AppError> {
    let ctx = user.context(state).await?;
    state.db(move |conn| Ok(app::rotation::rota(conn, &ctx)?)).await
}

/// A refusal of the core shown beside its field on the form it came from; anything else is
/// the error page.
fn beside_field(e: Error, errors: &mut FieldErrors) -> Result<(), AppError> {
    match e {
        Error::Invalid { code, field, value } => {
            errors.add(field, crate::web::messages::field_sentence(code, field, value.as_ref()));
            Ok(())
        }
        other => Err(other.into()),
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

pub struct CoverRequestLine {
    pub id: i64,
    pub who: String,
    pub span: String,
    pub note: String,
    pub mine: bool,
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
    cover_requests: Vec<CoverRequestLine>,
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
    let data = load(state, user).await?;
    let me = user.user.id;
    let token = data.calendar_token.clone();
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
    for _ in 0..WEEKS_AHEAD as usize {
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
            cover_requests: data
                .cover_requests
                .iter()
                .map(|c| {
                    let (from, to) = c.span();
                    CoverRequestLine {
                        id: c.id,
                        who: data.name(UserId(c.requested_by)),
                        span: format!("{} – {}", local_label(from, tz), local_label(to, tz)),
                        note: c.note.clone(),
                        mine: c.requested_by == me.0,
                    }
                })
                .collect(),
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
fn history(data: &Rota, now: DateTime<Utc>, tz: Tz) -> Vec<HistoryLine> {
    let mut lines: Vec<(DateTime<Utc>, String)> = Vec::new();
    for cover in &data.overrides {
        let instead = cover.replaces_id.map(|r| format!(" instead of {}", data.name(UserId(r)))).unwrap_or_default();
        let note = if cover.note.is_empty() { String::new() } else { format!(" — {}", cover.note) };
        lines.push((
            cover.created(),
            format!(
                "{} set {} on duty{} from {} to {}{}",
                data.name(UserId(cover.created_by)),
                data.name(UserId(cover.engineer_id)),
                instead,
                local_label(cover.domain().from, tz),
                local_label(cover.domain().to, tz),
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

/// The form's start and end, read in the team's time zone; each missing one is said beside it.
fn form_span(form: &CoverForm, tz: Tz, errors: &mut FieldErrors) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (from, to) = (parse_local(&form.from, tz), parse_local(&form.to, tz));
    if from.is_none() {
        errors.add("from", "Give a start date and time.");
    }
    if to.is_none() {
        errors.add("to", "Give an end date and time.");
    }
    from.zip(to)
}

pub async fn add_cover(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<CoverForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let ctx = user.context(&state).await?;
    let tz = ctx.team.timezone();
    let mut errors = FieldErrors::default();
    let engineer = parse_id(&form.engineer).map(UserId);
    if engineer.is_none() {
        errors.add("engineer", "Choose an engineer.");
    }
    let span = form_span(&form, tz, &mut errors);
    let (Some(engineer), Some((from, to))) = (engineer, span) else {
        return rotation_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = CoverInput { engineer, from, to, note: form.note.clone() };
    match state.db(move |conn| Ok(app::rotation::cover(conn, &ctx, &input))).await? {
        Ok(cover) => {
            user.flash(format!("{} covers from {}.", cover.name, local_label(cover.from, tz)));
            Ok(see_other("/rotation"))
        }
        Err(refused) => {
            beside_field(refused, &mut errors)?;
            rotation_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn swap(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<SwapForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let ctx = user.context(&state).await?;
    let week = |raw: &str| DateTime::<Utc>::from_timestamp(raw.trim().parse().ok()?, 0);
    let mut errors = FieldErrors::default();
    let (mine, theirs) = (week(&form.mine), week(&form.theirs));
    if mine.is_none() {
        errors.add("mine", "Choose one of the listed weeks.");
    }
    if theirs.is_none() {
        errors.add("theirs", "Choose one of the listed weeks.");
    }
    let (Some(mine), Some(theirs)) = (mine, theirs) else {
        return rotation_page(&state, &user, CoverForm::default(), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match state.db(move |conn| Ok(app::rotation::swap(conn, &ctx, mine, theirs))).await? {
        Ok([first, second]) => {
            user.flash(format!("{} and {} swapped weeks.", second.name, first.name));
            Ok(see_other("/rotation"))
        }
        Err(refused) => {
            beside_field(refused, &mut errors)?;
            rotation_page(&state, &user, CoverForm::default(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// "Ask the team instead": the cover form's times go to the team's channels as a request.
pub async fn ask_cover(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<CoverForm>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let ctx = user.context(&state).await?;
    let tz = ctx.team.timezone();
    let mut errors = FieldErrors::default();
    let Some((from, to)) = form_span(&form, tz, &mut errors) else {
        return rotation_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (note, public_url) = (form.note.clone(), state.config.public_url.clone());
    match state.db(move |conn| Ok(app::rotation::ask_for_cover(conn, &ctx, from, to, &note, &public_url))).await? {
        Ok(_) => {
            user.flash("The team is asked; whoever takes it is put on duty for it.");
            Ok(see_other("/rotation"))
        }
        Err(refused) => {
            beside_field(refused, &mut errors)?;
            rotation_page(&state, &user, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn take_cover(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    let tz = ctx.team.timezone();
    let cover = state.db(move |conn| Ok(app::rotation::take_cover(conn, &ctx, id)?)).await?;
    user.flash(format!("You are on duty from {} to {}.", local_label(cover.from, tz), local_label(cover.to, tz)));
    Ok(see_other("/rotation"))
}

pub async fn regenerate_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let ctx = user.context(&state).await?;
    state.db(move |conn| Ok(app::rotation::regenerate_calendar_token(conn, &ctx)?)).await?;
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
    on_call: String,
    engineers: Vec<Choice>,
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
    let data = load(state, admin).await?;
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
        on_call: value("on_call", data.team.on_call.map(|p| p.to_string()).unwrap_or_default()),
        engineers: data.engineers.iter().map(|e| Choice { value: e.id.to_string(), label: e.name.clone() }).collect(),
        errors,
    };
    render(status, &page)
}

pub async fn settings(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    settings_page(&state, &admin, None, FieldErrors::default(), StatusCode::OK).await
}

pub async fn save_plan(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let data = load(&state, &admin).await?;
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
    let input = PlanInput { engineers: order.into_iter().map(|(_, id)| id).collect(), weekday, handover_time, first };
    let ctx = admin.context(&state).await?;
    match state.db(move |conn| Ok(app::rotation::save_plan(conn, &ctx, input))).await? {
        Ok(version) => {
            admin.flash(format!("Rotation saved; it applies from {}.", local_label(version.effective_from, tz)));
            Ok(see_other("/rotation"))
        }
        Err(refused) => {
            beside_field(refused, &mut errors)?;
            settings_page(&state, &admin, Some(&fields), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn save_team(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
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
    let office = crate::domain::office::OfficeHours { timezone, weekdays, start, end, holidays };
    let targets = crate::domain::office::TriageTargets {
        critical_minutes: critical,
        important_minutes: important,
        can_wait_minutes: can_wait,
    };
    let ctx = admin.context(&state).await?;
    // Empty: the goalkeeper on duty; anything else must name an engineer (checked by the core).
    let on_call = match field(&fields, "on_call").trim() {
        "" => None,
        raw => match parse_id(raw) {
            Some(id) => Some(UserId(id)),
            None => {
                errors.add("on_call", "Choose one of the listed engineers.");
                return settings_page(&state, &admin, Some(&fields), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    if let Err(refused) =
        state.db(move |conn| Ok(app::rotation::save_team(conn, &ctx, office, targets, on_call))).await?
    {
        beside_field(refused, &mut errors)?;
        return settings_page(&state, &admin, Some(&fields), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
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
    let now = state.now();
    let team = state.team().await?;
    let feed = state.db(move |conn| Ok(app::rotation::feed(conn, now, &token, only)?)).await?;
    let body = crate::calendar::rota(&feed.title, &feed.shifts, &feed.names, team.timezone(), now);
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
