//! Hand-picked cases: the oracle and the server both give the answers worked out by hand.

use super::*;

pub(super) fn hand_datum(leaf: &Leaf, text: &str) -> Datum {
    match leaf.kind {
        Kind::Text => Datum::Text(text.to_owned()),
        Kind::DateTime => {
            let value = OffsetDateTime::parse(text, &Rfc3339).expect("an RFC 3339 date-time");
            let datum = Datum::Instant {
                nanos: value.unix_timestamp_nanos(),
                offset_minutes: i32::from(value.offset().whole_minutes()),
                style: if text.ends_with('Z') { 0 } else { 3 },
            };
            assert_eq!(datum.render(), text, "hand-written date-times are written as the generator writes them");
            datum
        }
        Kind::Date => {
            let date = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).expect("a date");
            Datum::Day(date)
        }
    }
}

pub(super) fn hand_element(pairs: &[(&'static str, &str)]) -> Element {
    pairs.iter().map(|(path, text)| (*path, hand_datum(&LEAVES[leaf_index(path)], text))).collect()
}

pub(super) fn hand_order(id: &str, pairs: &[(&'static str, &str)], appointments: Option<&[&[(&'static str, &str)]]>) -> OrderSpec {
    let mut scalars = hand_element(pairs);
    scalars.entry("status").or_insert(Datum::Text("Current".to_owned()));
    scalars.entry("orderDate").or_insert_with(|| hand_datum(&LEAVES[leaf_index("orderDate")], "2026-03-01T10:00:00Z"));
    scalars.entry("request.id").or_insert(Datum::Text(format!("3-{id}")));
    let appointments = appointments.map(|elements| elements.iter().map(|pairs| hand_element(pairs)).collect());
    OrderSpec { id: id.to_owned(), scalars, appointments, milestones: None }
}

/// A query from hand-written `(path, op, value)` filters and sort keys.
pub(super) fn hand_query(filters: &[(&str, Op, &str)], sort: &[&str]) -> QuerySpec {
    let filters = filters
        .iter()
        .map(|(path, op, value)| {
            let leaf = leaf_index(path);
            let values = value
                .split(',')
                .map(|text| {
                    let key = match LEAVES[leaf].kind {
                        Kind::Text => Key::Text(text.to_owned()),
                        _ if text.len() == 10 => hand_datum(&LEAVES[leaf_index("expectedCompletionDate")], text).key(),
                        _ => Key::Instant(OffsetDateTime::parse(text, &Rfc3339).expect("a date-time").unix_timestamp_nanos()),
                    };
                    Probe { text: text.to_owned(), key }
                })
                .collect();
            FilterSpec { leaf, op: *op, explicit_op: *op != Op::Eq, repeat: false, values }
        })
        .collect();
    let sort = sort
        .iter()
        .map(|key| match key.strip_prefix('-') {
            Some(path) => SortSpec { leaf: leaf_index(path), style: 3 },
            None => SortSpec { leaf: leaf_index(key), style: 0 },
        })
        .collect();
    QuerySpec { filters, sort, offset: None, limit: None, fields: None }
}

#[tokio::test]
pub(super) async fn the_oracle_and_the_server_agree_with_hand_picked_answers() {
    let orders = vec![
        hand_order(
            "a",
            &[("site.name", "apple"), ("expectedCompletionDate", "2026-03-01")],
            Some(&[
                &[("appointments.status", "Done"), ("appointments.start", "2026-03-01T10:00:00Z")],
                &[("appointments.status", "Planned")],
            ]),
        ),
        hand_order("B", &[("site.name", "Banana"), ("lastUpdateDate", "2026-03-01T01:00:00+02:00")], Some(&[])),
        hand_order("É", &[("site.name", "Éric"), ("expectedCompletionDate", "2026-02-28")], None),
        hand_order("z", &[("lastUpdateDate", "2026-02-28T20:00:00-05:00")], None),
        hand_order("\u{1F600}", &[("site.name", "\u{FF3A}")], None),
    ];
    use Op::{Eq, Gt, Gte, Lt, Ne};
    let cases: Vec<(QuerySpec, Vec<&str>)> = vec![
        // By code point: upper case before lower case, accents and other scripts after `z`,
        // U+1F600 after U+FF3A (not before, as UTF-16 would have it).
        (hand_query(&[], &[]), vec!["B", "a", "z", "É", "\u{1F600}"]),
        (hand_query(&[], &["site.name"]), vec!["B", "a", "É", "\u{1F600}", "z"]),
        // Missing fields last in both directions.
        (hand_query(&[], &["-site.name"]), vec!["\u{1F600}", "É", "a", "B", "z"]),
        (hand_query(&[], &["-lastUpdateDate", "site.name"]), vec!["z", "B", "a", "É", "\u{1F600}"]),
        (hand_query(&[("site.name", Gt, "Z")], &[]), vec!["a", "É", "\u{1F600}"]),
        // A missing field never matches, `ne` included.
        (hand_query(&[("site.name", Ne, "apple,Banana")], &[]), vec!["É", "\u{1F600}"]),
        (hand_query(&[("site.name", Eq, "Eric,apple")], &[]), vec!["a"]),
        // Instants, not text: 01:00+02:00 on March 1 is February 28, 23:00 UTC.
        (hand_query(&[("lastUpdateDate", Lt, "2026-03-01")], &[]), vec!["B"]),
        (hand_query(&[("lastUpdateDate", Gte, "2026-03-01T00:00:00Z")], &[]), vec!["z"]),
        // A date is the start of its day, UTC.
        (hand_query(&[("expectedCompletionDate", Gte, "2026-03-01T00:00:00+00:00")], &[]), vec!["a"]),
        (hand_query(&[("expectedCompletionDate", Gt, "2026-02-28T23:59:59-01:00")], &[]), vec![]),
        (hand_query(&[("expectedCompletionDate", Lt, "2026-03-01T00:00:00.000000001Z")], &["-expectedCompletionDate"]), vec!["a", "É"]),
        // Arrays: any element; each filter on its own.
        (hand_query(&[("appointments.status", Ne, "Done")], &[]), vec!["a"]),
        (hand_query(&[("appointments.status", Eq, "Done"), ("appointments.status", Ne, "Done")], &[]), vec!["a"]),
        (hand_query(&[("appointments.start", Gte, "2026-03-01")], &[]), vec!["a"]),
        (hand_query(&[("appointments.start", Lt, "2026-03-01")], &[]), vec![]),
    ];
    for backend in Backend::available() {
        let app = TestApp::spawn(backend).await;
        let server = Server::load(&app, &orders).await;
        for (query, expected) in &cases {
            assert_eq!(&ids(&oracle(&orders, query)), expected, "the oracle, for {query}");
            let answer = server.get(&query.url()).await;
            assert_eq!(answer.status, 200, "{backend:?}, {query}: {}", answer.body);
            assert_eq!(&answer.ids(), expected, "{backend:?}, the server, for {query}");
        }
    }
}
