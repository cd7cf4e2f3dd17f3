//! A set of text values as one key of the kept counts (`order_set_counts`): the distinct values,
//! sorted by code point, each with `\` and `,` escaped by a `\`, joined by `,`. Migration 0015
//! builds the same keys in SQL from the stored elements, so that the keys it wrote and those an
//! import moves are the same.

/// The key of `values`, in any order and with repeats.
pub fn encode<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut values: Vec<&str> = values.into_iter().collect();
    // `str` orders by bytes, which for UTF-8 is code-point order: SQLite's BINARY and
    // PostgreSQL's "C" collation, which migration 0015 sorts with.
    values.sort_unstable();
    values.dedup();
    let mut key = String::with_capacity(values.iter().map(|value| value.len() + 1).sum());
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            key.push(',');
        }
        for character in value.chars() {
            if matches!(character, '\\' | ',') {
                key.push('\\');
            }
            key.push(character);
        }
    }
    key
}

/// The values of a key [`encode`] made. Every key holds at least one value (an order without
/// values has no key), so the empty key is the set of the empty string.
pub fn decode(key: &str) -> Vec<String> {
    let mut values = vec![String::new()];
    let mut characters = key.chars();
    while let Some(character) = characters.next() {
        match character {
            '\\' => values.last_mut().expect("one value at least").extend(characters.next()),
            ',' => values.push(String::new()),
            other => values.last_mut().expect("one value at least").push(other),
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_are_sorted_by_code_point_deduplicated_and_escaped() {
        assert_eq!(encode(["Planned", "Done", "Planned"]), "Done,Planned");
        assert_eq!(encode(["é", "z", "É"]), "z,É,é");
        assert_eq!(encode([r"a\b", "c,d", ""]), r",a\\b,c\,d");
        assert_eq!(encode([""]), "");
        assert_eq!(decode(r",a\\b,c\,d"), ["", r"a\b", "c,d"]);
        assert_eq!(decode(""), [""]);
    }

    proptest! {
        #[test]
        fn a_key_decodes_to_the_sorted_distinct_values(values in proptest::collection::vec("[a-c,\\\\é ]{0,4}", 1..6)) {
            let mut expected = values.clone();
            expected.sort();
            expected.dedup();
            prop_assert_eq!(decode(&encode(values.iter().map(String::as_str))), expected);
        }

        #[test]
        fn different_sets_have_different_keys(a in proptest::collection::btree_set("[a,\\\\]{0,3}", 1..4),
                                              b in proptest::collection::btree_set("[a,\\\\]{0,3}", 1..4)) {
            let key = |set: &std::collections::BTreeSet<String>| encode(set.iter().map(String::as_str));
            prop_assert_eq!(key(&a) == key(&b), a == b);
        }
    }
}
