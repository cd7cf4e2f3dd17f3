//! Times as stored: credential times in Unix microseconds.

use time::OffsetDateTime;

pub fn to_micros(value: OffsetDateTime) -> i64 {
    (value.unix_timestamp_nanos() / 1000) as i64
}

pub fn from_micros(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The time a row is written with.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
