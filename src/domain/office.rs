//! Office hours: the team's working days and hours in its time zone, minus holidays. The
//! metrics count waiting time inside them.

use super::rotation::local_instant;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    pub timezone: Tz,
    /// Working weekdays, Monday first.
    pub weekdays: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub holidays: BTreeSet<NaiveDate>,
}

impl Default for OfficeHours {
    fn default() -> Self {
        OfficeHours {
            timezone: Tz::UTC,
            weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            holidays: BTreeSet::new(),
        }
    }
}

impl OfficeHours {
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.weekdays.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    /// The office window of a local date, as instants (empty on days off).
    pub fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_working_day(date) || self.end <= self.start {
            return None;
        }
        Some((
            local_instant(self.timezone, date.and_time(self.start)),
            local_instant(self.timezone, date.and_time(self.end)),
        ))
    }

    /// Whether `at` falls inside office hours.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let date = at.with_timezone(&self.timezone).date_naive();
        self.window(date).is_some_and(|(start, end)| start <= at && at < end)
    }

    /// When office hours next begin after `at` (`at` itself while they are on); `None` when no
    /// working day comes within a year.
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        let today = at.with_timezone(&self.timezone).date_naive();
        today
            .iter_days()
            .take(367)
            .filter_map(|date| self.window(date))
            .map(|(start, _)| start)
            .find(|start| *start > at)
    }

    /// How much of `[from, to)` falls inside office hours.
    pub fn office_duration(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let first = from.with_timezone(&self.timezone).date_naive();
        let last = to.with_timezone(&self.timezone).date_naive();
        let mut total = Duration::zero();
        let mut day = first;
        while day <= last {
            if let Some((open, close)) = self.window(day) {
                let (start, end) = (open.max(from), close.min(to));
                if end > start {
                    total += end - start;
                }
            }
            day += Duration::days(1);
        }
        total
    }

    /// The office windows around `[from, to)`, for measuring many spans inside it at once.
    pub fn calendar(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> OfficeCalendar {
        let first = from.with_timezone(&self.timezone).date_naive() - Duration::days(1);
        let last = to.with_timezone(&self.timezone).date_naive() + Duration::days(1);
        let mut windows = Vec::new();
        let mut before = vec![Duration::zero()];
        let mut day = first;
        while day <= last {
            if let Some((open, close)) = self.window(day) {
                let total = before.last().copied().unwrap_or_else(Duration::zero);
                before.push(total + (close - open));
                windows.push((open, close));
            }
            day += Duration::days(1);
        }
        OfficeCalendar { windows, before, from, to }
    }

    /// Length of one office day, for targets given in office days.
    pub fn day_length(&self) -> Duration {
        if self.end > self.start { self.end - self.start } else { Duration::zero() }
    }
}

/// Office windows over a stretch of time, in order, with the office time before each: the office
/// time of a span inside the stretch is then two binary searches instead of a walk over its days.
pub struct OfficeCalendar {
    windows: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// `before[i]`: office time in the windows before window `i`.
    before: Vec<Duration>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl OfficeCalendar {
    /// Office time from the start of the stretch up to `at`.
    fn up_to(&self, at: DateTime<Utc>) -> Duration {
        let index = self.windows.partition_point(|(_, close)| *close <= at);
        let full = self.before[index];
        match self.windows.get(index) {
            Some((open, _)) if at > *open => full + (at - *open),
            _ => full,
        }
    }

    /// How much of `[from, to)` falls inside office hours; `None` outside the stretch.
    pub fn office_duration(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Duration> {
        if from < self.from || to > self.to {
            return None;
        }
        Some(if to <= from { Duration::zero() } else { self.up_to(to) - self.up_to(from) })
    }
}

/// How long a request may wait, in office time, before its first triage decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageTargets {
    pub critical_minutes: i64,
    pub important_minutes: i64,
    pub can_wait_minutes: i64,
}

impl Default for TriageTargets {
    /// Critical: one office hour; important: four; can wait: two office days of eight hours.
    fn default() -> Self {
        TriageTargets { critical_minutes: 60, important_minutes: 240, can_wait_minutes: 960 }
    }
}

impl TriageTargets {
    /// The target for a tier; a request without a service is held to the `important` one.
    pub fn for_tier(&self, tier: Option<super::Tier>) -> Duration {
        Duration::minutes(match tier {
            Some(super::Tier::Critical) => self.critical_minutes,
            Some(super::Tier::CanWait) => self.can_wait_minutes,
            Some(super::Tier::Important) | None => self.important_minutes,
        })
    }
}

/// The team's settings: office hours (with its time zone) and triage targets.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TeamSettings {
    pub office: OfficeHours,
    pub targets: TriageTargets,
    /// Who is alerted of critical requests out of office hours instead of the goalkeeper on
    /// duty (an on-call engineer), when the admin names someone.
    #[serde(default)]
    pub on_call: Option<super::UserId>,
}

impl TeamSettings {
    pub fn timezone(&self) -> Tz {
        self.office.timezone
    }

    /// Whether a request filed at `filed` has waited past its tier's target by `now`.
    pub fn overdue(&self, tier: Option<super::Tier>, filed: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.time_left(tier, filed, now) < Duration::zero()
    }

    /// Office time left until a request filed at `filed` misses its tier's triage target
    /// (negative once it did).
    pub fn time_left(&self, tier: Option<super::Tier>, filed: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
        self.targets.for_tier(tier) - self.office.office_duration(filed, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_hours_waits_for_the_next_working_morning() {
        let office = OfficeHours { timezone: chrono_tz::Europe::Stockholm, ..OfficeHours::default() };
        let at = |text: &str| DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        // Tuesday 02:00 in Stockholm (01:00 UTC) → 09:00 the same day.
        assert!(!office.is_open(at("2026-11-24T01:00:00Z")));
        assert_eq!(office.next_open(at("2026-11-24T01:00:00Z")), Some(at("2026-11-24T08:00:00Z")));
        // Friday 18:00 → Monday 09:00.
        assert_eq!(office.next_open(at("2026-11-27T17:00:00Z")), Some(at("2026-11-30T08:00:00Z")));
        // During office hours: now.
        assert!(office.is_open(at("2026-11-24T10:00:00Z")));
        assert_eq!(office.next_open(at("2026-11-24T10:00:00Z")), Some(at("2026-11-24T10:00:00Z")));
    }
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_calendar_measures_like_the_walk_over_days() {
        let mut office = OfficeHours { timezone: chrono_tz::Europe::Stockholm, ..OfficeHours::default() };
        office.holidays.insert(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default());
        let (from, to) = (utc(2026, 3, 20, 0, 0), utc(2026, 4, 10, 0, 0));
        let calendar = office.calendar(from, to);
        // Spans across nights, weekends, the holiday and the change to summer time (29 March).
        let mut seed = 7u64;
        for _ in 0..2_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let start = from + Duration::seconds((seed >> 33) as i64 % (20 * 86_400));
            let end = start + Duration::seconds((seed >> 13) as i64 % (9 * 86_400)) - Duration::seconds(3_600);
            let end = end.min(to);
            assert_eq!(calendar.office_duration(start, end), Some(office.office_duration(start, end)), "{start} {end}");
        }
        assert_eq!(calendar.office_duration(from - Duration::days(1), to), None, "outside the stretch");
    }

    #[test]
    fn inside_one_day() {
        let office = OfficeHours::default();
        // Tuesday 24 November 2026.
        assert_eq!(office.office_duration(utc(2026, 11, 24, 10, 0), utc(2026, 11, 24, 12, 30)), Duration::minutes(150));
        assert_eq!(office.office_duration(utc(2026, 11, 24, 7, 0), utc(2026, 11, 24, 10, 0)), Duration::hours(1));
        assert_eq!(office.office_duration(utc(2026, 11, 24, 16, 0), utc(2026, 11, 24, 23, 0)), Duration::hours(1));
        assert_eq!(office.office_duration(utc(2026, 11, 24, 12, 0), utc(2026, 11, 24, 11, 0)), Duration::zero());
    }

    #[test]
    fn nights_and_weekends_do_not_count() {
        let office = OfficeHours::default();
        // Tuesday 16:00 to Wednesday 10:00: one hour each day.
        assert_eq!(office.office_duration(utc(2026, 11, 24, 16, 0), utc(2026, 11, 25, 10, 0)), Duration::hours(2));
        // Friday 16:00 to Monday 10:00.
        assert_eq!(office.office_duration(utc(2026, 11, 27, 16, 0), utc(2026, 11, 30, 10, 0)), Duration::hours(2));
        // A whole weekend.
        assert_eq!(office.office_duration(utc(2026, 11, 28, 0, 0), utc(2026, 11, 30, 0, 0)), Duration::zero());
        // Two full weeks.
        assert_eq!(office.office_duration(utc(2026, 11, 23, 0, 0), utc(2026, 12, 7, 0, 0)), Duration::hours(80));
    }

    #[test]
    fn holidays_do_not_count() {
        let mut office = OfficeHours::default();
        office.holidays.insert(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default());
        assert_eq!(office.office_duration(utc(2026, 11, 24, 16, 0), utc(2026, 11, 26, 10, 0)), Duration::hours(2));
    }

    #[test]
    fn daylight_saving_keeps_local_hours() {
        let office = OfficeHours { timezone: chrono_tz::Europe::Stockholm, ..OfficeHours::default() };
        // Friday 27 March 2026 09:00 CET = 08:00 UTC; Monday 30 March 09:00 CEST = 07:00 UTC.
        assert_eq!(office.office_duration(utc(2026, 3, 27, 8, 0), utc(2026, 3, 30, 8, 0)), Duration::hours(9));
        // A whole local day after the change is still 8 hours.
        assert_eq!(office.office_duration(utc(2026, 3, 30, 0, 0), utc(2026, 3, 31, 0, 0)), Duration::hours(8));
    }

    #[test]
    fn targets_count_office_time_only() {
        let team = TeamSettings::default();
        let friday_late = utc(2026, 11, 27, 16, 30);
        // Critical: one office hour. Friday 16:30 to Monday 09:29 is 59 office minutes.
        assert!(!team.overdue(Some(crate::domain::Tier::Critical), friday_late, utc(2026, 11, 30, 9, 29)));
        assert!(team.overdue(Some(crate::domain::Tier::Critical), friday_late, utc(2026, 11, 30, 9, 31)));
        // No service: the important target, four office hours.
        assert!(!team.overdue(None, friday_late, utc(2026, 11, 30, 12, 29)));
        assert!(team.overdue(None, friday_late, utc(2026, 11, 30, 12, 31)));
    }

    #[test]
    fn other_working_weeks() {
        let office = OfficeHours {
            weekdays: vec![Weekday::Sun, Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default(),
            ..OfficeHours::default()
        };
        // Friday and Saturday off; Sunday counts.
        assert_eq!(office.office_duration(utc(2026, 11, 27, 0, 0), utc(2026, 11, 30, 0, 0)), Duration::minutes(510));
        assert_eq!(office.day_length(), Duration::minutes(510));
    }
}
