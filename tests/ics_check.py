"""Parses a Goalkeeper rota feed with the `icalendar` package and checks it.

Usage: python3 tests/ics_check.py FEED.ics TIMEZONE HH:MM
Every event must start and end at HH:MM local time in TIMEZONE (handovers keep their wall-clock
time across daylight-saving changes), events must not overlap, and UIDs must be unique.
Prints one line per event and exits non-zero on the first problem.
"""
import sys
from zoneinfo import ZoneInfo

import icalendar


def main() -> int:
    path, zone, handover = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, "rb") as feed:
        calendar = icalendar.Calendar.from_ical(feed.read())
    timezones = [c for c in calendar.walk("VTIMEZONE")]
    assert any(str(t["TZID"]) == zone for t in timezones), f"no VTIMEZONE for {zone}"
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert events, "no events"
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)), "UIDs repeat"
    local = ZoneInfo(zone)
    offsets = set()
    previous_end = None
    for event in events:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None and end.tzinfo is not None, "times without a zone"
        start_local, end_local = start.astimezone(local), end.astimezone(local)
        offsets.add(start_local.utcoffset())
        print(f"{event['SUMMARY']}: {start_local.isoformat()} -> {end_local.isoformat()}")
        if event["SUMMARY"].startswith("Goalkeeper") and "covering" not in str(event["SUMMARY"]):
            assert start_local.strftime("%H:%M") == handover, f"starts at {start_local}"
            assert end_local.strftime("%H:%M") == handover, f"ends at {end_local}"
        if previous_end is not None:
            assert start >= previous_end, "events overlap"
        previous_end = end
    assert len(offsets) > 1, "the feed does not cross a daylight-saving change"
    return 0


if __name__ == "__main__":
    sys.exit(main())
