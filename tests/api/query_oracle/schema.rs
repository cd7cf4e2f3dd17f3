//! The schema as the oracle knows it (contract §5), and the values generated for each leaf.

use super::*;

/// The contract's default (and maximum) page size.
pub(super) const DEFAULT_LIMIT: usize = 1000;

// ---------------------------------------------------------------------------------------------
// The schema, as the oracle knows it (contract §5), with the values generated for each leaf.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    DateTime,
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Order,
    Appointments,
    Milestones,
}

/// One scalar leaf of an order and the pool its generated text values come from. Small pools
/// make many orders share values; the pools mix case, accents and characters outside the
/// Basic Multilingual Plane so that code-point order differs from alphabetical order.
pub(super) struct Leaf {
    pub(super) path: &'static str,
    pub(super) kind: Kind,
    pub(super) place: Place,
    pub(super) required: bool,
    pub(super) pool: &'static [&'static str],
}

pub(super) const fn text(path: &'static str, place: Place, required: bool, pool: &'static [&'static str]) -> Leaf {
    Leaf { path, kind: Kind::Text, place, required, pool }
}

pub(super) const fn date_time(path: &'static str, place: Place, required: bool) -> Leaf {
    Leaf { path, kind: Kind::DateTime, place, required, pool: &[] }
}

pub(super) const fn date(path: &'static str) -> Leaf {
    Leaf { path, kind: Kind::Date, place: Place::Order, required: false, pool: &[] }
}

pub(super) const O: Place = Place::Order;
pub(super) const A: Place = Place::Appointments;
pub(super) const M: Place = Place::Milestones;

pub(super) static LEAVES: &[Leaf] = &[
    text("id", O, true, &[]), // generated apart: unique, see ID_PREFIXES
    text("status", O, true, &["Current", "Closed"]),
    date_time("orderDate", O, true),
    date_time("lastUpdateDate", O, false),
    date("expectedCompletionDate"),
    date_time("completionDate", O, false),
    text("action", O, false, &["Add", "Modify", "Move", "Cease"]),
    text("product.code", O, false, &["A1", "a1", "B2", "10", "9"]),
    text("product.name", O, false, &["Business VPN", "business VPN", "Évolution", "Internet", "zèbre"]),
    text("site.id", O, false, &["S1", "s1", "S10", "S2"]),
    text("site.name", O, false, &["apple", "Banana", "banana", "Éric", "Eric", "zoé", "\u{FF3A}", "\u{1F600}"]),
    text("site.address.street", O, false, &["1 rue de la Paix", "10 Downing St", "9 Av. Foch", "Königstraße 5"]),
    text("site.address.postalCode", O, false, &["75001", "75002", "10115", "SW1A 2AA"]),
    text("site.address.city", O, false, &["Paris", "paris", "Ålesund", "Zürich", "Lyon", "Évry"]),
    text("site.address.country", O, false, &["FR", "DE", "GB", "CH", "NO"]),
    text("request.id", O, true, &["3-0000001", "3-0000002", "3-1", "3-10", "3-9"]),
    text("request.customerReference", O, false, &["PO-1", "po-1", "PO-10", "PO-2", "", "x&y=z+1%"]),
    text("request.status", O, false, &["Acknowledged", "In progress", "Pending customer", "Held", "Completed"]),
    text("request.orangeContact.name", O, false, &["Éric", "Eric", "zoé", "Zoé", "\u{FF3A}ed", "\u{1F600} Zed"]),
    text("request.orangeContact.email", O, false, &["a@orange.com", "B@orange.com", "b@orange.com"]),
    text("request.orangeContact.phone", O, false, &["+33 1 00 00 00 00", "+44 20 0000 0000", "0100000000"]),
    text("appointments.id", A, false, &["A1", "A2", "a1"]),
    text("appointments.type", A, false, &["Survey", "Installation", "Delivery", "Test"]),
    text("appointments.status", A, false, &["Planned", "Done", "Cancelled", "Rescheduled"]),
    date_time("appointments.start", A, false),
    date_time("appointments.end", A, false),
    text("appointments.comment", A, false, &["", "call first", "Call first", "\u{1F600} ok", "\u{FB01}x"]),
    text("milestones.name", M, false, &["Order received", "order received", "Delivery", "Étape 2"]),
    text("milestones.status", M, false, &["Pending", "Done"]),
    date_time("milestones.date", M, false),
];

pub(super) static TOP_LEVEL: &[&str] = &[
    "id",
    "status",
    "orderDate",
    "lastUpdateDate",
    "expectedCompletionDate",
    "completionDate",
    "action",
    "product",
    "site",
    "request",
    "appointments",
    "milestones",
];

/// Order ids are `{prefix}{index}`: unique, with prefixes whose code-point order is not the
/// alphabetical one, and numbers that sort as text ("10" before "9").
pub(super) static ID_PREFIXES: &[&str] = &["", "A-", "a-", "B-", "É-", "z-", "\u{FF3A}-", "\u{1F600}-"];

/// Text filter values beyond the pools: values no order holds, around the pools' values.
pub(super) static EXTRA_TEXTS: &[&str] = &["", "0", "A", "a", "Zz", "zzz", "É", "é", "\u{FF3A}", "\u{1F600}", "Paris ", "Current "];

/// Offsets (minutes) the generated date-times and date-time filter values are written in.
pub(super) static OFFSETS: &[i32] = &[0, 0, 120, -300, 330, 840, -720, 60];

pub(super) static OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Gt, Op::Gte, Op::Lt, Op::Lte];

pub(super) fn leaf_index(path: &str) -> usize {
    LEAVES.iter().position(|leaf| leaf.path == path).unwrap_or_else(|| panic!("no leaf {path}"))
}

pub(super) fn day(month: Month, day: u8) -> time::Date {
    time::Date::from_calendar_date(2026, month, day).expect("a valid date")
}

pub(super) fn midnight(date: time::Date) -> i128 {
    date.midnight().assume_utc().unix_timestamp_nanos()
}

pub(super) const SECOND: i128 = 1_000_000_000;
pub(super) const HOUR: i128 = 3600 * SECOND;

/// The instants generated date-times take: few, so that many orders tie, around midnights
/// (UTC) so that offsets and fractions decide on which day and in which order they fall.
pub(super) fn data_instants() -> Vec<i128> {
    let mut instants = Vec::new();
    for date in [day(Month::February, 28), day(Month::March, 1), day(Month::March, 2)] {
        let start = midnight(date);
        instants.extend([start, start + 123_456_789, start + 9 * HOUR + 30 * 60 * SECOND, start + 24 * HOUR - 1_000_000]);
    }
    instants
}

/// The instants date-time filter values take: the data's, and others no order holds.
pub(super) fn probe_instants() -> Vec<i128> {
    let mut instants = data_instants();
    for date in [day(Month::February, 27), day(Month::March, 1), day(Month::March, 3)] {
        instants.extend([midnight(date), midnight(date) - 1, midnight(date) + 6 * HOUR]);
    }
    instants
}

pub(super) fn data_days() -> Vec<time::Date> {
    vec![day(Month::February, 28), day(Month::March, 1), day(Month::March, 2), day(Month::March, 3)]
}

pub(super) fn probe_days() -> Vec<time::Date> {
    vec![day(Month::February, 27), day(Month::February, 28), day(Month::March, 1), day(Month::March, 2), day(Month::March, 4)]
}
