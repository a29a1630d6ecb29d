//! The rota as iCalendar (RFC 5545): one event per shift in the team's time zone, with a
//! VTIMEZONE built from the tz database, and UIDs that stay the same while a shift does.

use crate::domain::UserId;
use crate::domain::rotation::Shift;
use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use ics::properties::{Description, DtEnd, DtStart, Status, Summary, TzName};
use ics::{Daylight, Event, ICalendar, Standard, TimeZone as IcsTimeZone};
use std::collections::HashMap;

const LOCAL: &str = "%Y%m%dT%H%M%S";

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// Offset (seconds east of UTC), whether it is daylight time, and its abbreviation, at `at`.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let abbreviation = offset.abbreviation().unwrap_or_default().to_owned();
    (offset.fix().local_minus_utc(), !offset.dst_offset().is_zero(), abbreviation)
}

/// The instants in `[from, to)` where the zone's offset changes, to the minute.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    // Offsets change on whole minutes: search on the minute grid.
    let mut day = from.duration_trunc(Duration::hours(1)).unwrap_or(from);
    while day < to {
        let next = day + Duration::days(1);
        if offset_at(tz, day).0 != offset_at(tz, next).0 {
            // Narrow down to the first whole minute with the new offset.
            let before = offset_at(tz, day).0;
            let (mut low, mut high) = (0i64, 24 * 60);
            while high - low > 1 {
                let middle = (low + high) / 2;
                if offset_at(tz, day + Duration::minutes(middle)).0 == before { low = middle } else { high = middle }
            }
            found.push(day + Duration::minutes(high));
        }
        day = next;
    }
    found
}

fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> IcsTimeZone<'static> {
    let changes = transitions(tz, from - Duration::days(366), to);
    let mut zone: Option<IcsTimeZone<'static>> = None;
    let add =
        |zone: &mut Option<IcsTimeZone<'static>>, dst: bool, start: String, before: i32, after: i32, name: String| {
            let (from_text, to_text) = (offset_text(before), offset_text(after));
            if dst {
                let mut part = Daylight::new(start, from_text, to_text);
                part.push(TzName::new(name));
                match zone {
                    Some(z) => z.add_daylight(part),
                    None => *zone = Some(IcsTimeZone::daylight(tz.name(), part)),
                }
            } else {
                let mut part = Standard::new(start, from_text, to_text);
                part.push(TzName::new(name));
                match zone {
                    Some(z) => z.add_standard(part),
                    None => *zone = Some(IcsTimeZone::standard(tz.name(), part)),
                }
            }
        };
    if changes.is_empty() {
        let (offset, dst, name) = offset_at(tz, from);
        add(&mut zone, dst, "19700101T000000".into(), offset, offset, name);
    }
    for change in changes {
        let (before, _, _) = offset_at(tz, change - Duration::minutes(1));
        let (after, dst, name) = offset_at(tz, change);
        // DTSTART is the wall-clock time of the change in the offset before it.
        let onset: NaiveDateTime = change.naive_utc() + Duration::seconds(i64::from(before));
        add(&mut zone, dst, onset.format(LOCAL).to_string(), before, after, name);
    }
    zone.unwrap_or_else(|| IcsTimeZone::standard("UTC", Standard::new("19700101T000000", "+0000", "+0000")))
}

/// Renders `shifts` (already with overrides applied) as an iCalendar feed.
pub fn rota(title: &str, shifts: &[Shift], names: &HashMap<UserId, String>, tz: Tz, now: DateTime<Utc>) -> String {
    let mut calendar = ICalendar::new("2.0", "-//Goalkeeper//Rota//EN");
    calendar.push(ics::properties::Name::new(ics::escape_text(title.to_owned())));
    calendar.push(ics::properties::Method::new("PUBLISH"));
    let (Some(first), Some(last)) = (shifts.first(), shifts.last()) else {
        return calendar.to_string();
    };
    calendar.add_timezone(vtimezone(tz, first.start, last.end));
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let local = |at: DateTime<Utc>| at.with_timezone(&tz).format(LOCAL).to_string();
    for shift in shifts {
        let name = names.get(&shift.engineer).cloned().unwrap_or_else(|| format!("engineer #{}", shift.engineer));
        // Stable while the shift is unchanged, so subscribed calendars update in place.
        let uid = format!("{}-{}-{}@goalkeeper", shift.start.timestamp(), shift.end.timestamp(), shift.engineer);
        let mut event = Event::new(uid, stamp.clone());
        let mut start = DtStart::new(local(shift.start));
        start.add(ics::parameters::TzIDParam::new(tz.name()));
        let mut end = DtEnd::new(local(shift.end));
        end.add(ics::parameters::TzIDParam::new(tz.name()));
        event.push(start);
        event.push(end);
        let summary = match (shift.override_id, shift.scheduled) {
            (Some(_), Some(scheduled)) if scheduled != shift.engineer => {
                let for_whom = names.get(&scheduled).cloned().unwrap_or_default();
                format!("Goalkeeper: {name} (covering {for_whom})")
            }
            _ => format!("Goalkeeper: {name}"),
        };
        event.push(Summary::new(ics::escape_text(summary)));
        event.push(Description::new(ics::escape_text(format!(
            "{name} receives every incoming request for the team during this shift."
        ))));
        event.push(Status::confirmed());
        calendar.add_event(event);
    }
    calendar.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stockholm_has_its_transitions_at_the_right_minutes() {
        let tz = chrono_tz::Europe::Stockholm;
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let found = transitions(tz, from, to);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0], Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).single().unwrap_or_default());
        assert_eq!(found[1], Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).single().unwrap_or_default());
        assert_eq!(offset_text(3600), "+0100");
        assert_eq!(offset_text(-16200), "-0430");
    }

    #[test]
    fn each_shift_is_one_event_in_local_time() {
        let tz = chrono_tz::Europe::Stockholm;
        let at = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).single().unwrap_or_default();
        let shifts = vec![
            Shift {
                engineer: UserId(1),
                start: at(23, 8),
                end: at(30, 7),
                override_id: None,
                scheduled: Some(UserId(1)),
            },
            Shift {
                engineer: UserId(2),
                start: at(30, 7),
                end: at(31, 7),
                override_id: Some(4),
                scheduled: Some(UserId(3)),
            },
        ];
        let names = HashMap::from([
            (UserId(1), "Ana".to_owned()),
            (UserId(2), "Ben".to_owned()),
            (UserId(3), "Cai".to_owned()),
        ]);
        let text = rota("Team rota", &shifts, &names, tz, at(1, 0));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        assert!(text.contains("DTSTART;TZID=Europe/Stockholm:20260323T090000"));
        assert!(text.contains("DTEND;TZID=Europe/Stockholm:20260330T090000"), "09:00 local after the change too");
        assert!(text.contains("BEGIN:VTIMEZONE") && text.contains("TZID:Europe/Stockholm"));
        assert!(text.contains("Goalkeeper: Ben (covering Cai)"));
    }

    #[test]
    fn the_calendar_name_is_escaped_like_any_text() {
        let text =
            rota("Goalkeeper duty: Smith, Jo; ops\nX-INJECTED:1", &[], &HashMap::new(), chrono_tz::Tz::UTC, Utc::now());
        assert!(text.contains("NAME:Goalkeeper duty: Smith\\, Jo\\; ops\\nX-INJECTED:1"), "{text}");
        assert!(!text.contains("\r\nX-INJECTED"), "a line break starts a property of its own");
    }
}
