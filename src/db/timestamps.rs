//! Timestamps read from SQLite without chrono's format parser.
//!
//! SQLite keeps a timestamp as text (`2026-12-01 05:43:15.123456`). diesel reads each one by
//! trying chrono's `parse_from_str` with its formats in turn, and chrono reads the format string
//! anew for every value: on the queue (fifty requests of six timestamps each) that was an eighth
//! of the page's CPU. The row types read their timestamps through [`Stamp`] and [`MaybeStamp`]
//! (`#[diesel(deserialize_as = …)]`), which take the layout diesel writes directly and hand any
//! other layout to diesel's own reader. PostgreSQL's binary timestamps go to diesel as before.

use super::DbConnection;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};

type Backend = <DbConnection as diesel::Connection>::Backend;
type RawValue<'a> = <Backend as diesel::backend::Backend>::RawValue<'a>;

/// A stored timestamp (see the module).
#[derive(diesel::deserialize::FromSqlRow)]
pub struct Stamp(NaiveDateTime);

/// A stored timestamp that may be absent (see the module).
#[derive(diesel::deserialize::FromSqlRow)]
pub struct MaybeStamp(Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to nine digits (a `T` may stand for
/// the space): what diesel writes. None for anything else.
fn parse(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |value, &c| c.is_ascii_digit().then(|| value * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(&b[0..4])?).ok()?, number(&b[5..7])?, number(&b[8..10])?)?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - u32::try_from(fraction.len()).ok()?)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(number(&b[11..13])?, number(&b[14..16])?, number(&b[17..19])?, nanos)?;
    Some(date.and_time(time))
}

fn from_sqlite(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<NaiveDateTime> {
    if value.value_type() == Some(SqliteType::Text)
        && let Some(at) = parse(value.read_text())
    {
        return Ok(at);
    }
    <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value)
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        from_sqlite(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Backend> for Stamp {
    fn from_sql(value: RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Nullable<Timestamp>, Sqlite> for MaybeStamp {
    fn from_sql(value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        from_sqlite(value).map(|at| MaybeStamp(Some(at)))
    }

    fn from_nullable_sql(
        value: Option<<Sqlite as diesel::backend::Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeStamp(None)), <Self as FromSql<Nullable<Timestamp>, Sqlite>>::from_sql)
    }
}

impl FromSql<Nullable<Timestamp>, Pg> for MaybeStamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(|at| MaybeStamp(Some(at)))
    }

    fn from_nullable_sql(value: Option<<Pg as diesel::backend::Backend>::RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeStamp(None)), <Self as FromSql<Nullable<Timestamp>, Pg>>::from_sql)
    }
}

impl FromSql<Nullable<Timestamp>, Backend> for MaybeStamp {
    fn from_sql(value: RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Nullable<Timestamp>>()
    }

    fn from_nullable_sql(value: Option<RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeStamp(None)), <Self as FromSql<Nullable<Timestamp>, Backend>>::from_sql)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use chrono::NaiveDateTime;

    #[test]
    fn reads_what_diesel_writes_and_nothing_else() {
        let chrono = |text: &str, format: &str| NaiveDateTime::parse_from_str(text, format).ok();
        for text in [
            "2026-12-01 05:43:15",
            "2026-12-01 05:43:15.5",
            "2026-12-01 05:43:15.123456",
            "1999-02-28 23:59:59.987654321",
        ] {
            assert_eq!(parse(text), chrono(text, "%F %T%.f"), "{text}");
            assert!(parse(text).is_some());
        }
        assert_eq!(parse("2026-12-01T05:43:15.25"), chrono("2026-12-01T05:43:15.25", "%FT%T%.f"));
        for other in [
            "2026-12-01 05:43",
            "2026-12-01 05:43:15Z",
            "2026-12-01 05:43:15+01:00",
            "2026-12-01 05:43:15.",
            "2026-02-30 05:43:15",
            "2026-12-01 24:00:00",
            "2461010.5",
            "2026-12-01 05:43:1x",
        ] {
            assert_eq!(parse(other), None, "{other} goes to diesel's reader");
        }
    }
}
