//! Who is goalkeeper when: a weekly rotation with versions (edits apply from a moment on and
//! never rewrite the past), overrides (someone covers an interval; later ones win), and people
//! who left the rotation skipped from now on.

use super::ids::UserId;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::HashSet;

pub const SHIFT_DAYS: i64 = 7;

/// How the rotation runs from one moment on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationPlan {
    /// The local date of one handover (any; the weekday of it is the handover weekday).
    pub anchor: NaiveDate,
    /// The local time of day of every handover, kept across daylight-saving changes.
    pub handover_time: NaiveTime,
    pub timezone: Tz,
    /// Engineers in order; each holds one week, then the next takes over.
    pub engineers: Vec<UserId>,
}

impl RotationPlan {
    pub fn handover_weekday(&self) -> Weekday {
        self.anchor.weekday()
    }

    /// The instant of handover number `k` (0 at the anchor; negative before it).
    pub fn handover(&self, k: i64) -> DateTime<Utc> {
        let date = self.anchor + Duration::days(k * SHIFT_DAYS);
        local_instant(self.timezone, date.and_time(self.handover_time))
    }

    /// The number of the shift that contains `at`.
    pub fn shift_index(&self, at: DateTime<Utc>) -> i64 {
        let week = Duration::days(SHIFT_DAYS).num_seconds();
        let mut k = (at - self.handover(0)).num_seconds().div_euclid(week);
        while self.handover(k) > at {
            k -= 1;
        }
        while self.handover(k + 1) <= at {
            k += 1;
        }
        k
    }
}

/// A local wall-clock time as an instant: the earlier one when the clock goes back, and the
/// first valid time after a gap when it jumps forward.
pub fn local_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..4 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => return earlier.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&local)
}

/// A plan and the moment from which it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationVersion {
    pub effective_from: DateTime<Utc>,
    pub plan: RotationPlan,
}

/// Someone covers `[from, to)` instead of whoever is scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub id: i64,
    pub engineer: UserId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Override {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// One continuous stretch of duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub engineer: UserId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The override that put this engineer on duty, if any.
    pub override_id: Option<i64>,
    /// Whom the rotation itself had scheduled for this stretch.
    pub scheduled: Option<UserId>,
}

/// Everything that decides who is goalkeeper.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Sorted by `effective_from`.
    versions: Vec<RotationVersion>,
    /// In the order they were made: a later one wins where two overlap.
    overrides: Vec<Override>,
    /// Left the team or disabled: skipped in shifts that are not over yet.
    inactive: HashSet<UserId>,
    /// What "not over yet" is measured against.
    now: DateTime<Utc>,
}

impl Roster {
    pub fn new(
        mut versions: Vec<RotationVersion>,
        overrides: Vec<Override>,
        inactive: HashSet<UserId>,
        now: DateTime<Utc>,
    ) -> Self {
        versions.sort_by_key(|v| v.effective_from);
        Roster { versions, overrides, inactive, now }
    }

    /// A new rotation version. Its first week is the one that contains `first` (it starts on the
    /// handover weekday on or before that date); while a rotation runs, not before the current
    /// week ends, so the week on duty is never cut short. The first engineer takes the first week.
    pub fn next_version(
        &self,
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
        if let Some(current) = self.scheduled_shift(now) {
            while plan.handover(0) < current.end {
                plan.anchor += Duration::days(7);
            }
        }
        RotationVersion { effective_from: plan.handover(0), plan }
    }

    pub fn versions(&self) -> &[RotationVersion] {
        &self.versions
    }

    /// The version in force at `at`, and when the next one takes over.
    fn version_at(&self, at: DateTime<Utc>) -> Option<(&RotationVersion, Option<DateTime<Utc>>)> {
        let position = self.versions.partition_point(|v| v.effective_from <= at);
        let current = self.versions.get(position.checked_sub(1)?)?;
        Some((current, self.versions.get(position).map(|v| v.effective_from)))
    }

    /// The version in force at `at`.
    pub fn version_in_force(&self, at: DateTime<Utc>) -> Option<&RotationVersion> {
        self.version_at(at).map(|(version, _)| version)
    }

    /// What the rota pages describe: the version in force now, or the latest one when none has
    /// started yet.
    pub fn current_or_upcoming(&self, now: DateTime<Utc>) -> Option<&RotationVersion> {
        self.version_in_force(now).or(self.versions.last())
    }

    /// How many engineers the rotation had just before `end` (the scale of the
    /// knowledge-concentration entropy); zero before any rotation.
    pub fn size_before(&self, end: DateTime<Utc>) -> usize {
        self.version_in_force(end - Duration::microseconds(1)).map(|v| v.plan.engineers.len()).unwrap_or(0)
    }

    /// The rotation's own shift around `at`, ignoring overrides.
    pub fn scheduled_shift(&self, at: DateTime<Utc>) -> Option<Shift> {
        let (version, next_version) = self.version_at(at)?;
        let plan = &version.plan;
        let k = plan.shift_index(at);
        let start = plan.handover(k).max(version.effective_from);
        let end = match next_version {
            Some(next) => plan.handover(k + 1).min(next),
            None => plan.handover(k + 1),
        };
        // Shifts that are over keep whoever held them; the rest skip people who left.
        let engineers: Vec<UserId> = if end <= self.now {
            plan.engineers.clone()
        } else {
            plan.engineers.iter().copied().filter(|e| !self.inactive.contains(e)).collect()
        };
        let count = i64::try_from(engineers.len()).ok().filter(|n| *n > 0)?;
        let engineer = engineers[usize::try_from(k.rem_euclid(count)).ok()?];
        Some(Shift { engineer, start, end, override_id: None, scheduled: Some(engineer) })
    }

    fn override_at(&self, at: DateTime<Utc>) -> Option<&Override> {
        self.overrides.iter().rev().find(|o| o.covers(at))
    }

    /// Who is goalkeeper at `at`: the latest override covering it, else the rotation.
    pub fn goalkeeper_at(&self, at: DateTime<Utc>) -> Option<UserId> {
        match self.override_at(at) {
            Some(cover) => Some(cover.engineer),
            None => self.scheduled_shift(at).map(|s| s.engineer),
        }
    }

    /// The stretch of duty containing `at`, with overrides applied.
    pub fn shift_at(&self, at: DateTime<Utc>) -> Option<Shift> {
        let (from, to) = match self.scheduled_shift(at) {
            Some(base) => (base.start, base.end),
            None => {
                let cover = self.override_at(at)?;
                (cover.from, cover.to)
            }
        };
        self.schedule(from, to).into_iter().find(|s| s.start <= at && at < s.end)
    }

    /// The shifts between `from` and `to` with overrides applied, in order, clipped to the
    /// interval; neighbouring stretches of the same engineer and kind are merged.
    pub fn schedule(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
        let mut shifts: Vec<Shift> = Vec::new();
        let mut cursor = from;
        while cursor < to {
            let base = self.scheduled_shift(cursor);
            // The stretch ends where the scheduled shift or any override boundary does.
            let mut end = base.as_ref().map(|s| s.end).unwrap_or_else(|| self.next_version_start(cursor).unwrap_or(to));
            for cover in &self.overrides {
                for edge in [cover.from, cover.to] {
                    if edge > cursor && edge < end {
                        end = edge;
                    }
                }
            }
            let end = end.min(to);
            let piece = match (self.override_at(cursor), &base) {
                (Some(cover), _) => Some(Shift {
                    engineer: cover.engineer,
                    start: cursor,
                    end,
                    override_id: Some(cover.id),
                    scheduled: base.as_ref().map(|b| b.engineer),
                }),
                (None, Some(base)) => Some(Shift { start: cursor, end, ..base.clone() }),
                (None, None) => None,
            };
            if let Some(piece) = piece {
                match shifts.last_mut() {
                    Some(last)
                        if last.end == piece.start
                            && last.engineer == piece.engineer
                            && last.override_id == piece.override_id
                            && last.scheduled == piece.scheduled
                            && piece.override_id.is_some() =>
                    {
                        last.end = piece.end;
                    }
                    _ => shifts.push(piece),
                }
            }
            if end <= cursor {
                break;
            }
            cursor = end;
        }
        shifts
    }

    /// The engineer on duty for the longest time within `[from, to)`, overrides (swaps,
    /// covers) applied; on a tie, the one who was on duty first.
    pub fn longest_on_duty(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<UserId> {
        let mut time: Vec<(UserId, Duration)> = Vec::new();
        for shift in self.schedule(from, to) {
            let length = shift.end - shift.start;
            match time.iter_mut().find(|(engineer, _)| *engineer == shift.engineer) {
                Some((_, total)) => *total += length,
                None => time.push((shift.engineer, length)),
            }
        }
        // `max_by_key` keeps the last of equals; reversed, that is the first on duty.
        time.into_iter().rev().max_by_key(|(_, total)| *total).map(|(engineer, _)| engineer)
    }

    fn next_version_start(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.versions.iter().map(|v| v.effective_from).find(|start| *start > after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ANA: UserId = UserId(1);
    const BEN: UserId = UserId(2);
    const CAI: UserId = UserId(3);

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn nine() -> NaiveTime {
        NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()
    }

    fn plan(tz: Tz, engineers: Vec<UserId>) -> RotationPlan {
        // Monday 2 March 2026.
        RotationPlan { anchor: date(2026, 3, 2), handover_time: nine(), timezone: tz, engineers }
    }

    fn roster(plan: RotationPlan, overrides: Vec<Override>, now: DateTime<Utc>) -> Roster {
        let effective_from = plan.handover(0);
        Roster::new(vec![RotationVersion { effective_from, plan }], overrides, HashSet::new(), now)
    }

    #[test]
    fn each_engineer_holds_one_week_in_order() {
        let r = roster(plan(Tz::UTC, vec![ANA, BEN, CAI]), vec![], utc(2026, 1, 1, 0, 0));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 2, 9, 0)), Some(ANA));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 9, 8, 59)), Some(ANA));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 9, 9, 0)), Some(BEN));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 16, 10, 0)), Some(CAI));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 23, 10, 0)), Some(ANA));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 1, 0, 0)), None, "before the rotation began");
    }

    #[test]
    fn the_goalkeeper_of_a_week_is_who_was_on_duty_longest_covers_included() {
        // ISO week 11 of 2026: Monday 9 March 00:00 to Monday 16 March 00:00 (UTC).
        let week = (utc(2026, 3, 9, 0, 0), utc(2026, 3, 16, 0, 0));
        let plain = roster(plan(Tz::UTC, vec![ANA, BEN, CAI]), vec![], utc(2026, 1, 1, 0, 0));
        assert_eq!(plain.longest_on_duty(week.0, week.1), Some(BEN), "Ana has only Monday morning");
        // Cai covers Tuesday to Saturday for Ben: four days against Ben's two days and 15 hours.
        let cover = Override { id: 1, engineer: CAI, from: utc(2026, 3, 10, 0, 0), to: utc(2026, 3, 14, 0, 0) };
        let covered = roster(plan(Tz::UTC, vec![ANA, BEN, CAI]), vec![cover], utc(2026, 1, 1, 0, 0));
        assert_eq!(covered.longest_on_duty(week.0, week.1), Some(CAI));
        // Before the rotation's first handover nobody is on duty.
        assert_eq!(plain.longest_on_duty(utc(2026, 2, 23, 0, 0), utc(2026, 3, 2, 0, 0)), None);
        // Equal time: the one on duty first.
        assert_eq!(plain.longest_on_duty(utc(2026, 3, 9, 8, 0), utc(2026, 3, 9, 10, 0)), Some(ANA));
    }

    #[test]
    fn handover_stays_at_nine_local_across_daylight_saving() {
        let p = plan(chrono_tz::Europe::Stockholm, vec![ANA, BEN]);
        // Clocks go forward on Sunday 29 March 2026 in Stockholm: 09:00 is 08:00 UTC before,
        // 07:00 UTC after.
        assert_eq!(p.handover(3), utc(2026, 3, 23, 8, 0));
        assert_eq!(p.handover(4), utc(2026, 3, 30, 7, 0));
        // And back on Sunday 25 October 2026.
        assert_eq!(p.handover(33), utc(2026, 10, 19, 7, 0));
        assert_eq!(p.handover(34), utc(2026, 10, 26, 8, 0));
        let r = roster(p, vec![], utc(2026, 1, 1, 0, 0));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 30, 6, 59)), Some(BEN));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 30, 7, 0)), Some(ANA));
    }

    #[test]
    fn a_handover_inside_a_clock_gap_moves_to_the_first_valid_time() {
        // 02:30 does not exist in Stockholm on 29 March 2026.
        let local = date(2026, 3, 29).and_hms_opt(2, 30, 0).unwrap_or_default();
        assert_eq!(local_instant(chrono_tz::Europe::Stockholm, local), utc(2026, 3, 29, 1, 0));
        // 02:30 happens twice on 25 October 2026: the earlier one counts.
        let twice = date(2026, 10, 25).and_hms_opt(2, 30, 0).unwrap_or_default();
        assert_eq!(local_instant(chrono_tz::Europe::Stockholm, twice), utc(2026, 10, 25, 0, 30));
    }

    #[test]
    fn overrides_cover_their_interval_and_later_ones_win() {
        let holiday = Override { id: 1, engineer: CAI, from: utc(2026, 3, 3, 0, 0), to: utc(2026, 3, 5, 0, 0) };
        let swap = Override { id: 2, engineer: BEN, from: utc(2026, 3, 4, 0, 0), to: utc(2026, 3, 4, 12, 0) };
        let r = roster(plan(Tz::UTC, vec![ANA, BEN]), vec![holiday, swap], utc(2026, 1, 1, 0, 0));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 2, 23, 0)), Some(ANA));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 3, 1, 0)), Some(CAI));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 4, 6, 0)), Some(BEN), "the later override wins");
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 4, 13, 0)), Some(CAI));
        assert_eq!(r.goalkeeper_at(utc(2026, 3, 5, 0, 0)), Some(ANA));
        let week = r.schedule(utc(2026, 3, 2, 9, 0), utc(2026, 3, 9, 9, 0));
        let who: Vec<(UserId, Option<i64>)> = week.iter().map(|s| (s.engineer, s.override_id)).collect();
        assert_eq!(who, vec![(ANA, None), (CAI, Some(1)), (BEN, Some(2)), (CAI, Some(1)), (ANA, None)]);
        assert!(week.iter().all(|s| s.scheduled == Some(ANA)));
    }

    #[test]
    fn the_stretch_on_duty_runs_to_the_next_change() {
        let cover = Override { id: 1, engineer: CAI, from: utc(2026, 3, 4, 0, 0), to: utc(2026, 3, 5, 0, 0) };
        let r = roster(plan(Tz::UTC, vec![ANA, BEN]), vec![cover], utc(2026, 1, 1, 0, 0));
        let now = r.shift_at(utc(2026, 3, 3, 12, 0)).map(|s| (s.engineer, s.start, s.end));
        assert_eq!(now, Some((ANA, utc(2026, 3, 2, 9, 0), utc(2026, 3, 4, 0, 0))));
        let covered = r.shift_at(utc(2026, 3, 4, 12, 0)).map(|s| (s.engineer, s.end, s.scheduled));
        assert_eq!(covered, Some((CAI, utc(2026, 3, 5, 0, 0), Some(ANA))));
    }

    #[test]
    fn editing_the_order_changes_only_the_future() {
        let old = plan(Tz::UTC, vec![ANA, BEN, CAI]);
        let edit_at = old.handover(4);
        let new = RotationPlan { engineers: vec![CAI, BEN], ..old.clone() };
        let before = roster(old.clone(), vec![], utc(2026, 1, 1, 0, 0));
        let after = Roster::new(
            vec![
                RotationVersion { effective_from: old.handover(0), plan: old.clone() },
                RotationVersion { effective_from: edit_at, plan: new },
            ],
            vec![],
            HashSet::new(),
            utc(2026, 1, 1, 0, 0),
        );
        for k in 0..4 {
            let at = old.handover(k) + Duration::hours(1);
            assert_eq!(before.goalkeeper_at(at), after.goalkeeper_at(at), "week {k} is unchanged");
        }
        // Week 4 in the new order [CAI, BEN]: 4 mod 2 = 0.
        assert_eq!(after.goalkeeper_at(edit_at), Some(CAI));
    }

    #[test]
    fn people_who_left_are_skipped_without_rewriting_the_past() {
        let p = plan(Tz::UTC, vec![ANA, BEN, CAI]);
        let now = p.handover(4) + Duration::days(2);
        let mut inactive = HashSet::new();
        inactive.insert(BEN);
        let r = Roster::new(
            vec![RotationVersion { effective_from: p.handover(0), plan: p.clone() }],
            vec![],
            inactive,
            now,
        );
        assert_eq!(r.goalkeeper_at(p.handover(1)), Some(BEN), "a past week keeps its goalkeeper");
        for k in 4..10 {
            assert_ne!(r.goalkeeper_at(p.handover(k)), Some(BEN), "week {k}");
            assert!(r.goalkeeper_at(p.handover(k)).is_some());
        }
    }

    fn arb_plan() -> impl Strategy<Value = RotationPlan> {
        let zones = prop_oneof![
            Just(Tz::UTC),
            Just(chrono_tz::Europe::Stockholm),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Australia::Sydney),
            Just(chrono_tz::Asia::Kolkata),
        ];
        (0i64..700, 0u32..24, prop_oneof![Just(0u32), Just(30u32)], zones, proptest::collection::vec(1i64..6, 1..5))
            .prop_map(|(day, hour, minute, timezone, ids)| RotationPlan {
                anchor: date(2025, 1, 1) + Duration::days(day),
                handover_time: NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default(),
                timezone,
                engineers: ids.into_iter().map(UserId).collect(),
            })
    }

    fn arb_override() -> impl Strategy<Value = (i64, i64, i64)> {
        // (engineer, start hours after the first handover, length in hours)
        (1i64..6, 0i64..2000, 1i64..400)
    }

    proptest! {
        #[test]
        fn shifts_tile_time_without_gaps_or_overlaps(
            p in arb_plan(),
            covers in proptest::collection::vec(arb_override(), 0..4),
            offset in 0i64..1500,
            span in 1i64..2000,
        ) {
            let origin = p.handover(0);
            let overrides: Vec<Override> = covers.iter().enumerate().map(|(i, (e, start, len))| Override {
                id: i as i64 + 1,
                engineer: UserId(*e),
                from: origin + Duration::hours(*start),
                to: origin + Duration::hours(start + len),
            }).collect();
            let r = roster(p, overrides, origin);
            let from = origin + Duration::hours(offset);
            let to = from + Duration::hours(span);
            let shifts = r.schedule(from, to);
            prop_assert!(!shifts.is_empty());
            prop_assert_eq!(shifts[0].start, from);
            prop_assert_eq!(shifts[shifts.len() - 1].end, to);
            for pair in shifts.windows(2) {
                prop_assert_eq!(pair[0].end, pair[1].start);
            }
            for shift in &shifts {
                prop_assert!(shift.start < shift.end);
                // Every instant has exactly one goalkeeper, and it is the one the schedule says.
                prop_assert_eq!(r.goalkeeper_at(shift.start), Some(shift.engineer));
                prop_assert_eq!(r.goalkeeper_at(shift.end - Duration::seconds(1)), Some(shift.engineer));
            }
        }

        #[test]
        fn an_override_changes_only_its_own_interval(
            p in arb_plan(),
            (engineer, start, len) in arb_override(),
            probe in 0i64..3000,
        ) {
            let origin = p.handover(0);
            let cover = Override { id: 1, engineer: UserId(engineer), from: origin + Duration::hours(start), to: origin + Duration::hours(start + len) };
            let plain = roster(p.clone(), vec![], origin);
            let covered = roster(p, vec![cover.clone()], origin);
            let at = origin + Duration::hours(probe) + Duration::minutes(17);
            if cover.covers(at) {
                prop_assert_eq!(covered.goalkeeper_at(at), Some(cover.engineer));
            } else {
                prop_assert_eq!(covered.goalkeeper_at(at), plain.goalkeeper_at(at));
            }
        }

        #[test]
        fn the_past_stays_when_the_order_is_edited(
            p in arb_plan(),
            new_order in proptest::collection::vec(1i64..6, 1..5),
            edit_week in 1i64..60,
            probe in 0i64..10_000,
        ) {
            let origin = p.handover(0);
            let edit_at = p.handover(edit_week);
            let before = roster(p.clone(), vec![], origin);
            let edited = RotationPlan { engineers: new_order.into_iter().map(UserId).collect(), ..p.clone() };
            let after = Roster::new(
                vec![
                    RotationVersion { effective_from: origin, plan: p },
                    RotationVersion { effective_from: edit_at, plan: edited },
                ],
                vec![],
                HashSet::new(),
                origin,
            );
            let at = origin + Duration::hours(probe);
            if at < edit_at {
                prop_assert_eq!(before.goalkeeper_at(at), after.goalkeeper_at(at));
            }
            prop_assert!(after.goalkeeper_at(at).is_some());
        }
    }
}
