//! The metrics of the brief ("Metrics — exact definitions"), computed from events. Pure: the
//! histories and the office hours come in, figures come out.

use super::ids::{CategoryId, RequestId, UserId};
use super::office::OfficeHours;
use super::rotation::local_instant;
use super::values::{EventKind, State, Tier};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One event, as the metrics need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricEvent {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub actor: UserId,
    /// Whether the actor is an engineer (only engineers' events are responses).
    pub by_engineer: bool,
    pub target: Option<UserId>,
    /// Who was goalkeeper at that moment.
    pub goalkeeper: Option<UserId>,
    /// The original, on a close as a duplicate.
    pub related: Option<RequestId>,
}

/// A request and its whole history, events in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub id: RequestId,
    pub category: CategoryId,
    pub tier: Option<Tier>,
    pub state: State,
    pub filed_at: DateTime<Utc>,
    pub events: Vec<MetricEvent>,
}

/// Events that answer the requester (when an engineer makes them).
pub const RESPONSES: [EventKind; 6] = [
    EventKind::Taken,
    EventKind::Routed,
    EventKind::Commented,
    EventKind::Waiting,
    EventKind::Resolved,
    EventKind::Rejected,
];
/// The only kinds that close a request.
pub const CLOSES: [EventKind; 2] = [EventKind::Resolved, EventKind::Rejected];
/// The kinds of the first triage decision.
pub const TRIAGE_DECISIONS: [EventKind; 4] =
    [EventKind::Taken, EventKind::Routed, EventKind::Resolved, EventKind::Rejected];

impl History {
    /// The first event by an engineer the requester sees.
    pub fn first_response(&self) -> Option<&MetricEvent> {
        self.events.iter().find(|e| e.by_engineer && RESPONSES.contains(&e.kind))
    }

    /// The first taken, routed, resolved or rejected event.
    pub fn first_triage(&self) -> Option<&MetricEvent> {
        self.events.iter().find(|e| TRIAGE_DECISIONS.contains(&e.kind))
    }

    /// The last resolved or rejected event, for a request that is closed now. Only these two
    /// kinds close: a comment or any other event after them changes nothing here.
    pub fn final_close(&self) -> Option<&MetricEvent> {
        if !self.state.is_final() {
            return None;
        }
        self.events.iter().rev().find(|e| CLOSES.contains(&e.kind))
    }

    pub fn was_routed(&self) -> bool {
        self.events.iter().any(|e| e.kind == EventKind::Routed)
    }

    pub fn was_reopened(&self) -> bool {
        self.events.iter().any(|e| e.kind == EventKind::Reopened)
    }

    pub fn time_to_first_response(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.first_response().map(|e| (self.filed_at, e.at))
    }

    pub fn time_to_triage(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.first_triage().map(|e| (self.filed_at, e.at))
    }

    pub fn lead_time(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.final_close().map(|e| (self.filed_at, e.at))
    }
}

/// What the weekly figures need of one request: the moments its history defines. The database
/// keeps these on the request (maintained with every event), so reports can read one row per
/// request; [`History::summary`] is the definition they follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub id: RequestId,
    pub category: CategoryId,
    pub tier: Option<Tier>,
    pub state: State,
    pub filed_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_triage_at: Option<DateTime<Utc>>,
    /// The goalkeeper recorded on the first triage decision.
    pub first_triage_goalkeeper: Option<UserId>,
    /// The final close, for a request that is closed now.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who performed the final close ("handled by").
    pub closed_by: Option<UserId>,
    /// The goalkeeper recorded on the final close.
    pub close_goalkeeper: Option<UserId>,
    /// The original, when the final close is a close as a duplicate.
    pub duplicate_of: Option<RequestId>,
    pub routed: bool,
    pub reopened: bool,
}

impl History {
    pub fn summary(&self) -> RequestSummary {
        let close = self.final_close();
        let triage = self.first_triage();
        RequestSummary {
            id: self.id,
            category: self.category,
            tier: self.tier,
            state: self.state,
            filed_at: self.filed_at,
            first_response_at: self.first_response().map(|e| e.at),
            first_triage_at: triage.map(|e| e.at),
            first_triage_goalkeeper: triage.and_then(|e| e.goalkeeper),
            closed_at: close.map(|e| e.at),
            closed_by: close.map(|e| e.actor),
            close_goalkeeper: close.and_then(|e| e.goalkeeper),
            duplicate_of: close.and_then(|e| e.related),
            routed: self.was_routed(),
            reopened: self.was_reopened(),
        }
    }

    /// `(when, to whom)` of each routing.
    pub fn routings(&self) -> impl Iterator<Item = (DateTime<Utc>, UserId)> + '_ {
        self.events.iter().filter(|e| e.kind == EventKind::Routed).filter_map(|e| e.target.map(|t| (e.at, t)))
    }
}

/// Nearest-rank percentile: sorted ascending, the value at rank ⌈p/100 · N⌉; none for no data.
pub fn percentile(sorted: &[Duration], p: u32) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// p50 and p90 of a set of durations, in calendar time and office time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Percentiles {
    pub count: usize,
    pub p50_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub office_p50_seconds: Option<i64>,
    pub office_p90_seconds: Option<i64>,
}

impl Percentiles {
    pub fn of(spans: &[(DateTime<Utc>, DateTime<Utc>)], office: &OfficeHours) -> Self {
        let mut calendar: Vec<Duration> = spans.iter().map(|(from, to)| *to - *from).collect();
        // One calendar of office windows for all the spans, unless they stretch over years.
        let start = spans.iter().map(|(from, _)| *from).min();
        let end = spans.iter().map(|(_, to)| *to).max();
        let windows = start
            .zip(end)
            .filter(|(start, end)| *end - *start < Duration::days(MAX_CALENDAR_DAYS))
            .map(|(start, end)| office.calendar(start, end));
        let mut in_office: Vec<Duration> = spans
            .iter()
            .map(|(from, to)| {
                windows
                    .as_ref()
                    .and_then(|w| w.office_duration(*from, *to))
                    .unwrap_or_else(|| office.office_duration(*from, *to))
            })
            .collect();
        calendar.sort();
        in_office.sort();
        let seconds = |d: Option<Duration>| d.map(|d| d.num_seconds());
        Percentiles {
            count: spans.len(),
            p50_seconds: seconds(percentile(&calendar, 50)),
            p90_seconds: seconds(percentile(&calendar, 90)),
            office_p50_seconds: seconds(percentile(&in_office, 50)),
            office_p90_seconds: seconds(percentile(&in_office, 90)),
        }
    }
}

/// Spans over a longer stretch are measured day by day instead of through one calendar.
const MAX_CALENDAR_DAYS: i64 = 3 * 366;

/// An ISO week (Monday to Monday) in the team's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

impl IsoWeek {
    /// Parses `YYYY-Www`, for a year from 1000 to 9999: far enough from the calendar's ends
    /// that the weeks around it (the windows and the week before or after) exist too.
    pub fn parse(raw: &str) -> Option<Self> {
        let (year, week) = raw.trim().split_once("-W")?;
        let (year, week): (i32, u32) = (year.parse().ok()?, week.parse().ok()?);
        if !(1000..=9999).contains(&year) {
            return None;
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
        Some(IsoWeek { year, week })
    }

    pub fn containing(at: DateTime<Utc>, tz: Tz) -> Self {
        let iso = at.with_timezone(&tz).date_naive().iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or_default()
    }

    /// `[Monday 00:00, next Monday 00:00)` in the time zone, as instants.
    pub fn bounds(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.monday().and_hms_opt(0, 0, 0).unwrap_or_default();
        (local_instant(tz, start), local_instant(tz, start + Duration::days(7)))
    }

    pub fn previous(self) -> Self {
        let iso = (self.monday() - Duration::days(7)).iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    pub fn next(self) -> Self {
        let iso = (self.monday() + Duration::days(7)).iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    /// The window of `weeks` local ISO weeks ending with this one: from Monday 00:00 local of
    /// the first to Monday 00:00 local after this one, whatever DST does in between.
    pub fn window(self, weeks: u32, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let back = i64::from(weeks.saturating_sub(1));
        let first = self.monday() - Duration::days(7 * back);
        let start = first.and_hms_opt(0, 0, 0).unwrap_or_default();
        (local_instant(tz, start), self.bounds(tz).1)
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

fn within(at: DateTime<Utc>, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> bool {
    from <= at && at < to
}

/// How the requests closed in a week were closed: each falls in the first bucket that fits, in
/// the order rejected, after routing, by the goalkeeper alone, otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedBreakdown {
    /// Resolved, never routed, by the goalkeeper recorded on the first triage decision (the
    /// shield rate's rule).
    pub by_goalkeeper_alone: usize,
    /// Resolved after being routed to a teammate.
    pub after_routing: usize,
    pub rejected: usize,
    /// Resolved by someone else without routing (e.g. taken directly by a teammate).
    pub other: usize,
}

impl RequestSummary {
    /// The shield rate's rule: never routed, and closed by the goalkeeper recorded on the first
    /// triage decision.
    pub fn shielded(&self) -> bool {
        !self.routed && self.first_triage_goalkeeper.is_some() && self.closed_by == self.first_triage_goalkeeper
    }
}

/// A share with its numerator and denominator; no figure when the denominator is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub count: usize,
    pub of: usize,
    pub share: Option<f64>,
}

impl Rate {
    pub fn new(count: usize, of: usize) -> Self {
        Rate { count, of, share: (of > 0).then(|| count as f64 / of as f64) }
    }
}

/// The figures of one week.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekFigures {
    pub lead_time: Percentiles,
    pub time_to_triage: Percentiles,
    pub time_to_first_response: Percentiles,
    pub intake: usize,
    pub intake_by_category: BTreeMap<i64, usize>,
    /// Keyed by tier (`critical`, `important`, `can_wait`, `none`).
    pub intake_by_tier: BTreeMap<String, usize>,
    pub closed: ClosedBreakdown,
    pub shield_rate: Rate,
    pub reopen_rate: Rate,
    /// Engineer id → routed events in the week that targeted them.
    pub routed_load: BTreeMap<i64, usize>,
    /// Would-be requests an existing answer solved before they were filed, in the week.
    pub deflected: usize,
    /// Deflected / (deflected + filed): the share of the week's questions answered by the
    /// team's knowledge instead of by a person.
    pub deflection_rate: Rate,
}

impl WeekFigures {
    /// Adds the deflections recorded at these moments that fall in the week.
    pub fn with_deflections(mut self, deflected_at: &[DateTime<Utc>], week: (DateTime<Utc>, DateTime<Utc>)) -> Self {
        self.deflected = deflected_at.iter().filter(|at| within(**at, week)).count();
        self.deflection_rate = Rate::new(self.deflected, self.deflected + self.intake);
        self
    }
}

/// Computes a week's figures from the histories of (at least) every request filed, closed or
/// first triaged in it.
pub fn week_figures(histories: &[History], week: (DateTime<Utc>, DateTime<Utc>), office: &OfficeHours) -> WeekFigures {
    let summaries: Vec<RequestSummary> = histories.iter().map(History::summary).collect();
    let routings: Vec<(DateTime<Utc>, UserId)> = histories.iter().flat_map(History::routings).collect();
    week_figures_from(&summaries, &routings, week, office)
}

/// The same figures from request summaries and the routings (when, to whom) of the week.
pub fn week_figures_from(
    summaries: &[RequestSummary],
    routings: &[(DateTime<Utc>, UserId)],
    week: (DateTime<Utc>, DateTime<Utc>),
    office: &OfficeHours,
) -> WeekFigures {
    let mut figures = WeekFigures::default();
    let filed: Vec<&RequestSummary> = summaries.iter().filter(|r| within(r.filed_at, week)).collect();
    let closed: Vec<&RequestSummary> =
        summaries.iter().filter(|r| r.state.is_final() && r.closed_at.is_some_and(|at| within(at, week))).collect();

    let spans = |list: &[&RequestSummary],
                 end: fn(&RequestSummary) -> Option<DateTime<Utc>>|
     -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        list.iter().filter_map(|r| end(r).map(|at| (r.filed_at, at))).collect()
    };
    figures.lead_time = Percentiles::of(&spans(&closed, |r| r.closed_at), office);
    figures.time_to_triage = Percentiles::of(&spans(&filed, |r| r.first_triage_at), office);
    figures.time_to_first_response = Percentiles::of(&spans(&filed, |r| r.first_response_at), office);

    figures.intake = filed.len();
    for r in &filed {
        *figures.intake_by_category.entry(r.category.0).or_default() += 1;
        *figures.intake_by_tier.entry(r.tier.map(|t| t.as_str()).unwrap_or("none").to_owned()).or_default() += 1;
    }
    for r in &closed {
        let bucket = if r.state == State::Rejected {
            &mut figures.closed.rejected
        } else if r.routed {
            &mut figures.closed.after_routing
        } else if r.shielded() {
            &mut figures.closed.by_goalkeeper_alone
        } else {
            &mut figures.closed.other
        };
        *bucket += 1;
    }
    figures.reopen_rate = Rate::new(closed.iter().filter(|r| r.reopened).count(), closed.len());

    // Shield rate: requests first triaged in the week and closed now.
    let triaged: Vec<&RequestSummary> = summaries
        .iter()
        .filter(|r| r.state.is_final() && r.first_triage_at.is_some_and(|at| within(at, week)))
        .collect();
    let shielded = triaged.iter().filter(|r| r.shielded()).count();
    figures.shield_rate = Rate::new(shielded, triaged.len());

    for (at, target) in routings {
        if within(*at, week) {
            *figures.routed_load.entry(target.0).or_default() += 1;
        }
    }
    figures
}

/// Knowledge concentration of one category over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    pub category: i64,
    pub resolved: usize,
    /// Engineer id → resolved requests they handled.
    pub by_engineer: BTreeMap<i64, usize>,
    pub top_handler: Option<i64>,
    pub top_share: Option<f64>,
    pub bus_factor: Option<usize>,
    pub normalized_entropy: Option<f64>,
    pub silo: bool,
}

/// A silo: at least this many resolved requests…
pub const SILO_MIN_REQUESTS: usize = 5;
/// …with the top handler holding at least this share.
pub const SILO_TOP_SHARE: f64 = 0.6;

impl Concentration {
    /// `rotation_size` is the number of engineers in the rotation (the entropy's scale).
    pub fn of(category: i64, by_engineer: BTreeMap<i64, usize>, rotation_size: usize) -> Self {
        let total: usize = by_engineer.values().sum();
        let mut counts: Vec<(i64, usize)> = by_engineer.iter().map(|(e, c)| (*e, *c)).collect();
        // Largest first; ties broken by id so the figure is stable.
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top = counts.first().copied();
        let bus_factor = (total > 0).then(|| {
            let mut sum = 0;
            counts
                .iter()
                .take_while(|(_, c)| {
                    let needed = 2 * sum <= total;
                    sum += c;
                    needed
                })
                .count()
        });
        let entropy = (total > 0 && rotation_size >= 2).then(|| {
            // p · ln(1/p) is +0 for p = 1, where −p · ln p would be −0 and print as "-0.00".
            let h: f64 = counts
                .iter()
                .map(|(_, c)| *c as f64 / total as f64)
                .filter(|p| *p > 0.0)
                .map(|p| p * (1.0 / p).ln())
                .fold(0.0, |sum, term| sum + term);
            h / (rotation_size as f64).ln()
        });
        let top_share = top.filter(|_| total > 0).map(|(_, c)| c as f64 / total as f64);
        Concentration {
            category,
            resolved: total,
            top_handler: top.map(|(e, _)| e),
            top_share,
            bus_factor,
            normalized_entropy: entropy,
            silo: total >= SILO_MIN_REQUESTS && top_share.is_some_and(|s| s >= SILO_TOP_SHARE),
            by_engineer,
        }
    }
}

/// What the route form says when a category is a knowledge silo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingAdvice {
    /// The engineer who handles most of the category.
    pub expert: i64,
    pub expert_share: f64,
    pub resolved: usize,
    /// Someone with less experience in the category, to route to while consulting the expert.
    pub suggested: Option<i64>,
}

/// Advice for routing a request of a category: only when the category is a silo. `candidates`
/// are the engineers who could take it; the one with the fewest resolved requests in the
/// category (ties: the lower id) is suggested.
pub fn routing_advice(concentration: &Concentration, candidates: &[i64]) -> Option<RoutingAdvice> {
    if !concentration.silo {
        return None;
    }
    let expert = concentration.top_handler?;
    let suggested = candidates
        .iter()
        .filter(|c| **c != expert)
        .min_by_key(|c| (concentration.by_engineer.get(c).copied().unwrap_or(0), **c))
        .copied();
    Some(RoutingAdvice {
        expert,
        expert_share: concentration.top_share.unwrap_or(0.0),
        resolved: concentration.resolved,
        suggested,
    })
}

/// Resolved requests whose final close falls in the window, counted by category and handler:
/// the coverage matrix, and the input of [`Concentration`].
pub fn coverage(histories: &[History], window: (DateTime<Utc>, DateTime<Utc>)) -> BTreeMap<i64, BTreeMap<i64, usize>> {
    let mut matrix: BTreeMap<i64, BTreeMap<i64, usize>> = BTreeMap::new();
    for h in histories {
        if h.state != State::Resolved {
            continue;
        }
        if let Some(close) = h.final_close().filter(|e| within(e.at, window)) {
            *matrix.entry(h.category.0).or_default().entry(close.actor.0).or_default() += 1;
        }
    }
    matrix
}

/// The coverage matrix from request summaries: resolved requests whose final close falls in
/// `week`, by category and by whoever closed them (the same definition as `coverage`).
pub fn coverage_from(
    summaries: &[RequestSummary],
    week: (DateTime<Utc>, DateTime<Utc>),
) -> BTreeMap<i64, BTreeMap<i64, usize>> {
    let mut matrix: BTreeMap<i64, BTreeMap<i64, usize>> = BTreeMap::new();
    for s in summaries.iter().filter(|s| s.state == State::Resolved) {
        if let (Some(at), Some(closer)) = (s.closed_at, s.closed_by)
            && within(at, week)
        {
            *matrix.entry(s.category.0).or_default().entry(closer.0).or_default() += 1;
        }
    }
    matrix
}

/// Adds one coverage matrix into another.
pub fn add_coverage(into: &mut BTreeMap<i64, BTreeMap<i64, usize>>, from: &BTreeMap<i64, BTreeMap<i64, usize>>) {
    for (category, handlers) in from {
        let row = into.entry(*category).or_default();
        for (handler, count) in handlers {
            *row.entry(*handler).or_default() += count;
        }
    }
}

/// Requests filed per hour of the week (Monday 00 = 0 … Sunday 23 = 167), in local time.
pub fn arrivals_by_hour_of_week(filed: impl Iterator<Item = DateTime<Utc>>, tz: Tz) -> Vec<usize> {
    let mut hours = vec![0; 168];
    for at in filed {
        let local = at.with_timezone(&tz);
        let slot = local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize;
        hours[slot] += 1;
    }
    hours
}

/// Counts of recurring words in titles, for "recurring topics".
pub fn recurring_topics<'a>(titles: impl Iterator<Item = &'a str>, at_least: usize) -> Vec<(String, usize)> {
    const STOP: [&str; 40] = [
        "the", "a", "an", "to", "for", "of", "and", "or", "in", "on", "is", "it", "with", "please", "need", "help",
        "can", "not", "no", "my", "our", "we", "i", "be", "at", "from", "by", "this", "that", "are", "was", "does",
        "new", "get", "again", "into", "out", "up", "how", "why",
    ];
    let mut counts: HashMap<String, usize> = HashMap::new();
    for title in titles {
        let mut seen = std::collections::HashSet::new();
        for word in title.split(|c: char| !c.is_alphanumeric() && c != '-').map(str::to_lowercase) {
            if word.chars().count() >= 3 && !STOP.contains(&word.as_str()) && seen.insert(word.clone()) {
                *counts.entry(word).or_default() += 1;
            }
        }
    }
    let mut topics: Vec<(String, usize)> = counts.into_iter().filter(|(_, c)| *c >= at_least).collect();
    topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    topics.truncate(10);
    topics
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const GK: UserId = UserId(10);
    const MATE: UserId = UserId(11);
    const REQUESTER: UserId = UserId(1);

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        // November 2026: Monday the 23rd starts ISO week 48.
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).single().unwrap_or_default()
    }

    fn event(kind: EventKind, when: DateTime<Utc>, actor: UserId) -> MetricEvent {
        MetricEvent {
            kind,
            at: when,
            actor,
            by_engineer: actor != REQUESTER,
            target: None,
            goalkeeper: Some(GK),
            related: None,
        }
    }

    fn history(id: i64, state: State, filed: DateTime<Utc>, events: Vec<MetricEvent>) -> History {
        History {
            id: RequestId(id),
            category: CategoryId(1),
            tier: Some(Tier::Important),
            state,
            filed_at: filed,
            events,
        }
    }

    fn week48() -> (DateTime<Utc>, DateTime<Utc>) {
        IsoWeek { year: 2026, week: 48 }.bounds(Tz::UTC)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let minutes = |list: &[i64]| list.iter().map(|m| Duration::minutes(*m)).collect::<Vec<_>>();
        let ten = minutes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(percentile(&ten, 50), Some(Duration::minutes(5)));
        assert_eq!(percentile(&ten, 90), Some(Duration::minutes(9)));
        let three = minutes(&[10, 20, 30]);
        assert_eq!(percentile(&three, 50), Some(Duration::minutes(20)), "rank ceil(1.5) = 2");
        assert_eq!(percentile(&three, 90), Some(Duration::minutes(30)), "rank ceil(2.7) = 3");
        assert_eq!(percentile(&minutes(&[7]), 90), Some(Duration::minutes(7)));
        assert_eq!(percentile(&[], 50), None, "no data is not zero");
    }

    #[test]
    fn response_triage_and_lead_time() {
        let h = history(
            1,
            State::Resolved,
            at(24, 9, 0),
            vec![
                event(EventKind::Filed, at(24, 9, 0), REQUESTER),
                event(EventKind::Consulted, at(24, 9, 5), GK),
                event(EventKind::Commented, at(24, 9, 10), GK),
                event(EventKind::Taken, at(24, 9, 30), GK),
                event(EventKind::Resolved, at(24, 11, 0), GK),
            ],
        );
        assert_eq!(
            h.time_to_first_response().map(|(a, b)| b - a),
            Some(Duration::minutes(10)),
            "consulted is not a response"
        );
        assert_eq!(h.time_to_triage().map(|(a, b)| b - a), Some(Duration::minutes(30)));
        assert_eq!(h.lead_time().map(|(a, b)| b - a), Some(Duration::hours(2)));
        let requester_only = history(
            2,
            State::New,
            at(24, 9, 0),
            vec![
                event(EventKind::Filed, at(24, 9, 0), REQUESTER),
                event(EventKind::Commented, at(24, 9, 1), REQUESTER),
            ],
        );
        assert_eq!(requester_only.first_response(), None, "the requester's own comment is no response");
        assert_eq!(requester_only.lead_time(), None);
    }

    #[test]
    fn reopened_requests_count_once_at_their_final_close() {
        let closed_again = history(
            1,
            State::Resolved,
            at(23, 10, 0),
            vec![
                event(EventKind::Filed, at(23, 10, 0), REQUESTER),
                event(EventKind::Resolved, at(23, 11, 0), GK),
                event(EventKind::Reopened, at(24, 10, 0), REQUESTER),
                event(EventKind::Resolved, at(25, 10, 0), GK),
            ],
        );
        assert_eq!(closed_again.lead_time().map(|(a, b)| b - a), Some(Duration::hours(48)));
        let open_again = history(
            2,
            State::InProgress,
            at(23, 10, 0),
            vec![
                event(EventKind::Filed, at(23, 10, 0), REQUESTER),
                event(EventKind::Resolved, at(23, 11, 0), GK),
                event(EventKind::Reopened, at(24, 10, 0), REQUESTER),
            ],
        );
        assert_eq!(open_again.lead_time(), None, "open again: no lead time");
        let figures = week_figures(&[closed_again, open_again], week48(), &OfficeHours::default());
        assert_eq!(figures.lead_time.count, 1);
        assert_eq!(figures.reopen_rate, Rate::new(1, 1));
    }

    #[test]
    fn office_hours_skip_the_weekend() {
        // Filed Friday 16:00, resolved Monday 10:00: 66 calendar hours, 2 office hours.
        let h = history(
            1,
            State::Resolved,
            at(27, 16, 0),
            vec![event(EventKind::Filed, at(27, 16, 0), REQUESTER), event(EventKind::Resolved, at(30, 10, 0), GK)],
        );
        let week49 = IsoWeek { year: 2026, week: 49 }.bounds(Tz::UTC);
        let figures = week_figures(&[h], week49, &OfficeHours::default());
        assert_eq!(figures.lead_time.p50_seconds, Some(66 * 3600));
        assert_eq!(figures.lead_time.office_p50_seconds, Some(2 * 3600));
        assert_eq!(figures.intake, 0, "filed the week before");
    }

    #[test]
    fn an_empty_week_has_no_figures_rather_than_zeros() {
        let figures = week_figures(&[], week48(), &OfficeHours::default());
        assert_eq!(figures.lead_time, Percentiles::default());
        assert_eq!(figures.lead_time.p50_seconds, None);
        assert_eq!(figures.shield_rate.share, None);
        assert_eq!(figures.reopen_rate.share, None);
        assert_eq!(figures.intake, 0);
        assert_eq!(figures.deflection_rate.share, None);
    }

    #[test]
    fn deflections_count_in_their_week_beside_the_intake() {
        let (from, to) = week48();
        let filed = history(1, State::New, from + Duration::hours(3), vec![]);
        let deflected = [from + Duration::hours(1), to - Duration::seconds(1), to, from - Duration::seconds(1)];
        let figures =
            week_figures(&[filed], (from, to), &OfficeHours::default()).with_deflections(&deflected, (from, to));
        assert_eq!(figures.deflected, 2);
        assert_eq!(figures.deflection_rate, Rate::new(2, 3));
        assert_eq!(figures.deflection_rate.share, Some(2.0 / 3.0));
    }

    #[test]
    fn shield_rate_and_closed_breakdown() {
        let alone = history(
            1,
            State::Resolved,
            at(24, 9, 0),
            vec![
                event(EventKind::Filed, at(24, 9, 0), REQUESTER),
                event(EventKind::Taken, at(24, 9, 10), GK),
                event(EventKind::Resolved, at(24, 10, 0), GK),
            ],
        );
        let mut routed_event = event(EventKind::Routed, at(24, 9, 10), GK);
        routed_event.target = Some(MATE);
        let routed = history(
            2,
            State::Resolved,
            at(24, 9, 0),
            vec![
                event(EventKind::Filed, at(24, 9, 0), REQUESTER),
                routed_event,
                event(EventKind::Resolved, at(24, 12, 0), MATE),
            ],
        );
        let rejected = history(
            3,
            State::Rejected,
            at(24, 9, 0),
            vec![event(EventKind::Filed, at(24, 9, 0), REQUESTER), event(EventKind::Rejected, at(24, 9, 20), GK)],
        );
        let still_open = history(
            4,
            State::InProgress,
            at(24, 9, 0),
            vec![event(EventKind::Filed, at(24, 9, 0), REQUESTER), event(EventKind::Taken, at(24, 9, 30), GK)],
        );
        let figures = week_figures(&[alone, routed, rejected, still_open], week48(), &OfficeHours::default());
        assert_eq!(figures.closed, ClosedBreakdown { by_goalkeeper_alone: 1, after_routing: 1, rejected: 1, other: 0 });
        // Closed and first triaged this week: 3; not routed and closed by the goalkeeper: the
        // resolved-alone one and the rejected one.
        assert_eq!(figures.shield_rate, Rate::new(2, 3));
        assert_eq!(figures.routed_load, BTreeMap::from([(MATE.0, 1)]));
        assert_eq!(figures.intake, 4);
        assert_eq!(figures.intake_by_tier.get("important"), Some(&4));
        assert_eq!(figures.time_to_triage.count, 4);
        assert_eq!(figures.time_to_triage.p50_seconds, Some(600), "10, 10, 20, 30 minutes: rank 2");
    }

    #[test]
    fn a_comment_after_the_close_is_no_close() {
        let mut duplicate = event(EventKind::Rejected, at(24, 10, 0), GK);
        duplicate.related = Some(RequestId(7));
        let h = history(
            1,
            State::Rejected,
            at(24, 9, 0),
            vec![
                event(EventKind::Filed, at(24, 9, 0), REQUESTER),
                duplicate,
                event(EventKind::Commented, at(30, 12, 0), REQUESTER),
                event(EventKind::Commented, at(30, 13, 0), MATE),
            ],
        );
        let summary = h.summary();
        assert_eq!(summary.closed_at, Some(at(24, 10, 0)));
        assert_eq!(summary.closed_by, Some(GK));
        assert_eq!(summary.duplicate_of, Some(RequestId(7)));
        assert_eq!(summary.first_response_at, Some(at(24, 10, 0)));
    }

    #[test]
    fn the_closed_breakdown_follows_the_shield_rule_across_a_handover() {
        // Gina (GK) takes it in her week; after the handover MATE is goalkeeper and Gina closes
        // it: she is still the goalkeeper of its first triage decision, so it is hers alone.
        let mut taken = event(EventKind::Taken, at(24, 9, 10), GK);
        taken.goalkeeper = Some(GK);
        let mut resolved = event(EventKind::Resolved, at(25, 10, 0), GK);
        resolved.goalkeeper = Some(MATE);
        let kept = history(
            1,
            State::Resolved,
            at(24, 9, 0),
            vec![event(EventKind::Filed, at(24, 9, 0), REQUESTER), taken.clone(), resolved],
        );
        // And one the new goalkeeper closes: not the first triage's goalkeeper, so "otherwise".
        let mut by_new = event(EventKind::Resolved, at(25, 11, 0), MATE);
        by_new.goalkeeper = Some(MATE);
        let handed = history(
            2,
            State::Resolved,
            at(24, 9, 0),
            vec![event(EventKind::Filed, at(24, 9, 0), REQUESTER), taken, by_new],
        );
        let figures = week_figures(&[kept, handed], week48(), &OfficeHours::default());
        assert_eq!(figures.closed, ClosedBreakdown { by_goalkeeper_alone: 1, after_routing: 0, rejected: 0, other: 1 });
        assert_eq!(figures.shield_rate, Rate::new(1, 2), "the same rule, the same request");
    }

    #[test]
    fn a_lone_handler_has_a_spread_of_plus_zero() {
        let lone = Concentration::of(3, BTreeMap::from([(10, 4)]), 4);
        let entropy = lone.normalized_entropy.unwrap_or(f64::NAN);
        assert_eq!(entropy, 0.0);
        assert!(entropy.is_sign_positive(), "{entropy:.2}");
        assert_eq!(format!("{entropy:.2}"), "0.00");
    }

    #[test]
    fn a_window_of_weeks_starts_at_monday_midnight_local_whatever_dst_does() {
        let stockholm = chrono_tz::Europe::Stockholm;
        // Clocks go back on 25 October 2026: 2026-W48's 12 weeks start on Monday 7 September
        // 00:00 CEST (22:00 UTC the day before) and end on Monday 30 November 00:00 CET.
        let (start, end) = IsoWeek { year: 2026, week: 48 }.window(12, stockholm);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 9, 6, 22, 0, 0).single().unwrap_or_default());
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 11, 29, 23, 0, 0).single().unwrap_or_default());
        assert_ne!(end - start, Duration::weeks(12), "one hour longer than 12 × 168 h");
        // Across spring: 2026-W20's window starts on Monday 23 February 00:00 CET.
        let (start, _) = IsoWeek { year: 2026, week: 20 }.window(12, stockholm);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 2, 22, 23, 0, 0).single().unwrap_or_default());
        assert_eq!(
            IsoWeek { year: 2026, week: 48 }.window(1, stockholm),
            IsoWeek { year: 2026, week: 48 }.bounds(stockholm)
        );
    }

    #[test]
    fn weeks_far_outside_the_calendar_are_not_weeks() {
        assert_eq!(IsoWeek::parse("262143-W01"), None);
        assert_eq!(IsoWeek::parse("262142-W52"), None);
        assert_eq!(IsoWeek::parse("-5-W01"), None);
        assert!(IsoWeek::parse("9999-W52").is_some_and(|w| w.next().year == 10000));
    }

    #[test]
    fn concentration_top_share_bus_factor_entropy_and_silos() {
        let silo = Concentration::of(6, BTreeMap::from([(10, 5), (11, 1)]), 4);
        assert_eq!(silo.resolved, 6);
        assert_eq!(silo.top_handler, Some(10));
        assert!((silo.top_share.unwrap_or_default() - 5.0 / 6.0).abs() < 1e-9);
        assert_eq!(silo.bus_factor, Some(1));
        let expected = -(5.0f64 / 6.0 * (5.0f64 / 6.0).ln() + 1.0 / 6.0 * (1.0f64 / 6.0).ln()) / 4f64.ln();
        assert!((silo.normalized_entropy.unwrap_or_default() - expected).abs() < 1e-9);
        assert!(silo.silo);

        let spread = Concentration::of(1, BTreeMap::from([(10, 3), (11, 3), (12, 2)]), 4);
        assert_eq!(spread.bus_factor, Some(2), "3 is not more than half of 8; 3 + 3 is");
        assert!(!spread.silo);
        let small = Concentration::of(2, BTreeMap::from([(10, 4)]), 4);
        assert!(!small.silo, "fewer than five requests is no silo yet");
        let lone = Concentration::of(3, BTreeMap::from([(10, 4)]), 1);
        assert_eq!(lone.normalized_entropy, None, "no figure with fewer than two engineers");
        let empty = Concentration::of(4, BTreeMap::new(), 4);
        assert_eq!((empty.top_share, empty.bus_factor, empty.normalized_entropy), (None, None, None));
    }

    #[test]
    fn routing_advice_only_for_silos_and_towards_the_least_experienced() {
        let silo = Concentration::of(6, BTreeMap::from([(10, 8), (11, 1), (12, 2)]), 4);
        let advice = routing_advice(&silo, &[10, 11, 12, 13]).expect("advice for a silo");
        assert_eq!((advice.expert, advice.suggested, advice.resolved), (10, Some(13), 11));
        let spread = Concentration::of(1, BTreeMap::from([(10, 3), (11, 3)]), 4);
        assert_eq!(routing_advice(&spread, &[10, 11]), None);
        assert_eq!(routing_advice(&silo, &[10]).and_then(|a| a.suggested), None, "nobody else to suggest");
    }

    #[test]
    fn iso_weeks_in_a_time_zone() {
        let week = IsoWeek::parse("2026-W48").unwrap_or(IsoWeek { year: 0, week: 0 });
        assert_eq!(week.to_string(), "2026-W48");
        let (start, end) = week.bounds(chrono_tz::Europe::Stockholm);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).single().unwrap_or_default());
        assert_eq!(end - start, Duration::days(7));
        assert_eq!(IsoWeek::parse("2026-W54"), None);
        assert_eq!(IsoWeek::parse("nonsense"), None);
        assert_eq!(IsoWeek { year: 2027, week: 1 }.previous().to_string(), "2026-W53");
        assert_eq!(IsoWeek::containing(at(29, 23, 30), chrono_tz::Europe::Stockholm).to_string(), "2026-W49");
    }

    #[test]
    fn recurring_topics_count_each_title_once() {
        let titles = ["VPN drops again", "vpn slow", "VPN VPN VPN", "disk full", "Disk full on db-3"];
        let topics = recurring_topics(titles.iter().copied(), 2);
        assert_eq!(topics[0], ("vpn".to_owned(), 3));
        assert!(topics.contains(&("disk".to_owned(), 2)) && topics.contains(&("full".to_owned(), 2)));
    }
}
