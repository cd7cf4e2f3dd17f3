//! Instants on one time line, so that dates and date-times compare chronologically
//! (contract §6: a date means its start, UTC). Stored and compared as nanoseconds since
//! the Unix epoch in an `i64`.

use time::{Date, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

/// The earliest and latest years an order may carry: the range an `i64` of nanoseconds holds
/// with room to spare.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;

/// An instant as RFC 3339 text, as every answer and printout shows one.
pub fn rfc3339(value: OffsetDateTime) -> String {
    value.format(&Rfc3339).unwrap_or_default()
}

pub fn to_utc(value: OffsetDateTime) -> OffsetDateTime {
    value.to_offset(UtcOffset::UTC)
}

/// Nanoseconds since the epoch, saturating outside the `i64` range so that a filter on a far
/// date still compares correctly against every storable one.
pub fn nanos(value: OffsetDateTime) -> i64 {
    let n = value.unix_timestamp_nanos();
    n.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Nanoseconds in a day.
pub const DAY_NANOS: i64 = 86_400_000_000_000;

/// The UTC day an instant falls in, counted from 1970-01-01 (day 0), earlier days negative.
pub fn day_of(nanos: i64) -> i64 {
    nanos.div_euclid(DAY_NANOS)
}

/// The instant a calendar date starts, UTC.
pub fn date_nanos(date: Date) -> i64 {
    nanos(date.midnight().assume_utc())
}

/// Reads a filter value: an RFC 3339 date-time or a `YYYY-MM-DD` date.
pub fn parse_instant(text: &str) -> Option<i64> {
    if let Ok(value) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(nanos(value));
    }
    super::calendar_date::parse(text).map(date_nanos)
}

/// Whether a date lies in the range an order may carry.
pub fn year_in_range(year: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_its_start_in_utc() {
        assert_eq!(parse_instant("2026-03-01"), parse_instant("2026-03-01T00:00:00Z"));
        assert_eq!(parse_instant("2026-03-01T01:00:00+01:00"), parse_instant("2026-03-01"));
        assert!(parse_instant("2026-03-01T00:00:00.000000001Z") > parse_instant("2026-03-01"));
    }

    #[test]
    fn garbage_is_not_an_instant() {
        for text in ["", "yesterday", "2026-13-01", "2026-02-30", "2026-03-01T25:00:00Z"] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }
}
