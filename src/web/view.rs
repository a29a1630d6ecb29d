//! What every page shares: the layout context, flash messages, times, pagination, rendering.

use super::error::AppError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use super::layout::{Flash, Layout, NavUser};

/// A moment shown as "3 h ago" with the exact local time on hover.
#[derive(Debug, Clone)]
pub struct When {
    pub relative: String,
    pub exact: String,
    pub iso: String,
}

/// Day and month names as chrono's `%a` and `%b` write them.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl When {
    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> Self {
        When { relative: relative(at, now), exact: exact_time(at, tz), iso: iso_time(at) }
    }
}

// Times are written digit by digit: chrono's formatter walks its format items for every value
// and `core::fmt` pads each number through its machinery, and a queue page shows a hundred times
// (a sixth of its CPU went there).

/// Appends `n` in decimal with at least `width` digits.
fn push_number(out: &mut String, n: u32, width: usize) {
    // Days, months, hours, minutes, seconds: one or two digits, written straight.
    if n < 100 && width <= 2 {
        if n >= 10 || width == 2 {
            out.push(char::from(b'0' + (n / 10) as u8));
        }
        out.push(char::from(b'0' + (n % 10) as u8));
        return;
    }
    let mut digits = [b'0'; 10];
    let mut first = digits.len();
    let mut rest = n;
    loop {
        first -= 1;
        digits[first] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    first = first.min(digits.len().saturating_sub(width));
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&digits[first..]).unwrap_or_default());
}

/// Appends the year as chrono's `%Y` writes it.
fn push_year(out: &mut String, year: i32) {
    match u32::try_from(year) {
        Ok(year) if year <= 9999 => push_number(out, year, 4),
        _ => {
            use std::fmt::Write;
            let _ = write!(out, "{year:+}");
        }
    }
}

/// "Tue 1 Dec 2026, 09:30 CET": chrono's "%a %-d %b %Y, %H:%M %Z" in `tz`.
fn exact_time(at: DateTime<Utc>, tz: Tz) -> String {
    use chrono::{Datelike, Timelike};
    use chrono_tz::OffsetName;
    let local = at.with_timezone(&tz);
    // A zoned time adds its offset again for every field asked of it: once is enough.
    let fields = local.naive_local();
    let mut out = String::with_capacity(32);
    out.push_str(WEEKDAYS[fields.weekday().num_days_from_monday() as usize]);
    out.push(' ');
    push_number(&mut out, fields.day(), 1);
    out.push(' ');
    out.push_str(MONTHS[fields.month0() as usize]);
    out.push(' ');
    push_year(&mut out, fields.year());
    out.push_str(", ");
    push_number(&mut out, fields.hour(), 2);
    out.push(':');
    push_number(&mut out, fields.minute(), 2);
    out.push(' ');
    match local.offset().abbreviation() {
        Some(name) => out.push_str(name),
        None => {
            use std::fmt::Write;
            let _ = write!(out, "{}", local.offset());
        }
    }
    out
}

/// "2026-12-01T08:30:00Z": RFC 3339 in UTC, whole seconds.
fn iso_time(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let at = at.naive_utc();
    let mut out = String::with_capacity(20);
    push_year(&mut out, at.year());
    out.push('-');
    push_number(&mut out, at.month(), 2);
    out.push('-');
    push_number(&mut out, at.day(), 2);
    out.push('T');
    push_number(&mut out, at.hour(), 2);
    out.push(':');
    push_number(&mut out, at.minute(), 2);
    out.push(':');
    push_number(&mut out, at.second(), 2);
    out.push('Z');
    out
}

/// "just now", "5 min ago", "3 h ago", "2 d ago", "in 4 h".
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    span_text(at, now, " ago")
}

/// Age as a short duration ("3 h"), for queue columns.
pub fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    span_text(at, now, "")
}

/// "just now", or the span from `at` to `now` with `past` after it ("in …" when `at` is ahead).
fn span_text(at: DateTime<Utc>, now: DateTime<Utc>, past: &str) -> String {
    let seconds = (now - at).num_seconds();
    if seconds.abs() < 45 {
        return "just now".into();
    }
    let mut out = String::with_capacity(16);
    if seconds < 0 {
        out.push_str("in ");
    }
    push_amount(&mut out, seconds.unsigned_abs());
    if seconds > 0 {
        out.push_str(past);
    }
    out
}

/// Appends a span of at least 45 seconds in its coarsest unit: "5 min", "3 h", "2 d", "4 mo", "2 y".
fn push_amount(out: &mut String, seconds: u64) {
    let (amount, unit) = match seconds {
        s if s < 3_600 => ((s + 30) / 60, "min"),
        s if s < 86_400 => (s / 3_600, "h"),
        s if s < 86_400 * 60 => (s / 86_400, "d"),
        s if s < 86_400 * 730 => (s / (86_400 * 30), "mo"),
        s => (s / (86_400 * 365), "y"),
    };
    // Spans a server shows fit in u32 (136 years); larger ones are written by `core::fmt`.
    match u32::try_from(amount) {
        Ok(amount) => push_number(out, amount, 1),
        Err(_) => {
            use std::fmt::Write;
            let _ = write!(out, "{amount}");
        }
    }
    out.push(' ');
    out.push_str(unit);
}

/// Page links for a list.
/// A file size in the unit that reads best: "812 B", "14 KiB", "3.2 MiB".
pub fn byte_size(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.0} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}

#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `link` turns a page number into a URL keeping the other query parameters.
    pub fn new(page: i64, per_page: i64, total: i64, link: impl Fn(i64) -> String) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// Renders a template as an HTML response with the given status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page.render()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

pub fn ok(page: &impl Template) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, page)
}

/// Post/Redirect/Get.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(relative(now - Duration::seconds(10), now), "just now");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(relative(now - Duration::days(2), now), "2 d ago");
        assert_eq!(relative(now + Duration::hours(4), now), "in 4 h");
        assert_eq!(age(now - Duration::hours(3), now), "3 h");
        assert_eq!(relative(now - Duration::seconds(44), now), "just now");
        assert_eq!(relative(now - Duration::seconds(45), now), "1 min ago");
        assert_eq!(relative(now - Duration::days(90), now), "3 mo ago");
        assert_eq!(relative(now - Duration::days(800), now), "2 y ago");
        assert_eq!(age(now + Duration::minutes(30), now), "in 30 min");
        assert_eq!(age(now - Duration::seconds(3), now), "just now");
    }

    #[test]
    fn pager_links_only_where_there_is_a_page() {
        let pager = Pager::new(1, 50, 120, |p| format!("?page={p}"));
        assert_eq!((pager.pages, pager.prev.clone(), pager.next.clone()), (3, None, Some("?page=2".into())));
        let empty = Pager::new(1, 50, 0, |p| format!("?page={p}"));
        assert_eq!((empty.pages, empty.next), (1, None));
    }

    #[test]
    fn exact_times_read_in_the_zone_given() -> Result<(), chrono::ParseError> {
        let at: DateTime<Utc> = "2026-12-01T08:30:00Z".parse()?;
        let when = When::new(at, at + chrono::Duration::hours(3), chrono_tz::Europe::Stockholm);
        assert_eq!(when.exact, "Tue 1 Dec 2026, 09:30 CET");
        assert_eq!(when.relative, "3 h ago");
        assert_eq!(when.iso, "2026-12-01T08:30:00Z");
        // The same text chrono's formatter writes, in zones with and without summer time.
        let zones =
            [chrono_tz::Europe::Stockholm, chrono_tz::America::New_York, chrono_tz::Asia::Kolkata, chrono_tz::UTC];
        for seconds in (0..40).map(|i| 1_700_000_000 + i * 7_654_321) {
            let at = DateTime::from_timestamp(seconds, 0).unwrap_or_default();
            for tz in zones {
                let when = When::new(at, at, tz);
                assert_eq!(when.exact, at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M %Z").to_string());
                assert_eq!(when.iso, at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
        }
        Ok(())
    }
}
