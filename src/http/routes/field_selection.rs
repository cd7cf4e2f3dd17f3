//! `fields=`: the selected top-level members of a stored document, their JSON text copied as it
//! is, in schema order. Every order of a list with `fields` goes through here: parsing the whole
//! document with serde_json to find three members was a fifth of such a list's time
//! (docs/performance.md, step 36), so the members are found by a scan that only skips over
//! strings and brackets. Documents are JSON this server wrote (validated when imported); whatever
//! the scan does not expect goes to serde_json instead, which answers the same or fails.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use crate::domain::catalogue::TOP_LEVEL_FIELDS;

/// Appends to `out` the object of `document`'s members named in `fields`, in schema order.
pub fn select_fields(document: &str, fields: &[&str], out: &mut String) -> serde_json::Result<()> {
    let mut chosen: Vec<Option<&str>> = vec![None; TOP_LEVEL_FIELDS.len()];
    if scan_members(document, &mut |name, value| choose(&mut chosen, fields, name, value)).is_none() {
        chosen.fill(None);
        let members: BTreeMap<&str, &RawValue> = serde_json::from_str(document)?;
        members.iter().for_each(|(name, value)| choose(&mut chosen, fields, name, value.get()));
    }
    out.push('{');
    let mut first = true;
    for (name, value) in TOP_LEVEL_FIELDS.iter().zip(&chosen) {
        if let Some(value) = value {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
            out.push_str(value);
        }
    }
    out.push('}');
    Ok(())
}

/// Keeps `value` in the place of `name` among the schema's members, if `fields` selects it (a
/// name given twice keeps its last value, as a full parse does).
fn choose<'a>(chosen: &mut [Option<&'a str>], fields: &[&str], name: &str, value: &'a str) {
    // `fields` is short (a few names): asked first, it passes over most members at once.
    if fields.contains(&name)
        && let Some(place) = TOP_LEVEL_FIELDS.iter().position(|field| *field == name)
    {
        chosen[place] = Some(value);
    }
}

/// Calls `member` with the name and the value's text of each top-level member of the object
/// `json`, in order; `None` (perhaps after some calls) where `json` is not such an object or a
/// name holds an escape, which only a full parse reads right.
fn scan_members<'a>(json: &'a str, member: &mut impl FnMut(&'a str, &'a str)) -> Option<()> {
    let bytes = json.as_bytes();
    let mut at = skip_space(bytes, 0);
    (bytes.get(at) == Some(&b'{')).then_some(())?;
    at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return (skip_space(bytes, at + 1) == bytes.len()).then_some(());
    }
    loop {
        (bytes.get(at) == Some(&b'"')).then_some(())?;
        let name_end = string_end(bytes, at)?;
        let name = &json[at + 1..name_end - 1];
        if name.contains('\\') {
            return None;
        }
        at = skip_space(bytes, name_end);
        (bytes.get(at) == Some(&b':')).then_some(())?;
        let value_start = skip_space(bytes, at + 1);
        let value_end = value_end(bytes, value_start)?;
        member(name, &json[value_start..value_end]);
        at = skip_space(bytes, value_end);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return (skip_space(bytes, at + 1) == bytes.len()).then_some(()),
            _ => return None,
        }
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Just past the closing quote of the string that opens at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        // An escape: the byte after the backslash is never the string's end.
        at += 2;
        if at > bytes.len() {
            return None;
        }
    }
}

/// Just past the value that starts at `start`: a string, an object or array (to its matching
/// bracket), or a number, `true`, `false` or `null` (to the next delimiter).
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = start;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let length = bytes[start..].iter().position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            (length > 0).then_some(start + length)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;

    /// What `fields` gives, by a full parse: the oracle.
    fn parsed(document: &str, fields: &[&str]) -> Option<String> {
        let members: BTreeMap<&str, &RawValue> = serde_json::from_str(document).ok()?;
        let kept: Vec<String> = TOP_LEVEL_FIELDS
            .iter()
            .filter(|name| fields.contains(name))
            .filter_map(|name| members.get(name).map(|value| format!("\"{name}\":{}", value.get())))
            .collect();
        Some(format!("{{{}}}", kept.join(",")))
    }

    fn selected(document: &str, fields: &[&str]) -> Option<String> {
        let mut out = String::new();
        select_fields(document, fields, &mut out).ok().map(|()| out)
    }

    #[test]
    fn generated_orders_select_as_a_full_parse_does() {
        for (index, order) in crate::demo::generate::generate_orders(300, 11).into_iter().enumerate() {
            let document = order.to_document().0.into_string();
            let fields: Vec<&str> = TOP_LEVEL_FIELDS.iter().copied().filter(|name| (name.len() + index) % 3 != 0).collect();
            assert!(scan_members(&document, &mut |_, _| {}).is_some(), "the scan reads the server's own documents");
            assert_eq!(selected(&document, &fields), parsed(&document, &fields), "{document}");
            assert_eq!(selected(&document, &["lastUpdateDate", "id", "status"]), parsed(&document, &["id", "status", "lastUpdateDate"]));
        }
    }

    #[test]
    fn odd_but_valid_objects_select_as_a_full_parse_does() {
        for document in [
            r#"{}"#,
            r#" { "status" : "Current" , "id" : "1" } "#,
            r#"{"id":"a\"b\\","status":null,"orderDate":[1,{"x":"]}"}],"lastUpdateDate":-1.5e3}"#,
            r#"{"i\u0064":"escaped name","status":true}"#,
            r#"{"id":"1","id":"2"}"#,
            r#"{"site":{"id":"{"},"id":"é\u00e9"}"#,
        ] {
            let fields = ["id", "status", "orderDate", "lastUpdateDate", "site"];
            assert_eq!(selected(document, &fields), parsed(document, &fields), "{document}");
        }
    }

    #[test]
    fn what_is_not_an_object_fails_as_a_full_parse_does() {
        for document in ["", "[]", "\"id\"", "{\"id\":1", "{\"id\" 1}", "{\"id\":1}}"] {
            assert_eq!(selected(document, &["id"]), None, "{document}");
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
            "[\"\\\\{}\\[\\],: a-z]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z\"\\\\]{0,6}", inner, 0..5).prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any object, compact or pretty, with names of the schema or not, quotes and
        /// backslashes anywhere: the same text as a full parse selects.
        #[test]
        fn any_object_selects_as_a_full_parse_does(
            members in prop::collection::vec((prop::sample::select(TOP_LEVEL_FIELDS.to_vec()).prop_map(str::to_owned).boxed().prop_union("[a-z\"\\\\]{0,6}".boxed()), json_value()), 0..8),
            chosen in prop::sample::subsequence(TOP_LEVEL_FIELDS.to_vec(), 0..=TOP_LEVEL_FIELDS.len()),
            pretty in any::<bool>(),
        ) {
            let object = Value::Object(members.into_iter().collect::<Map<String, Value>>());
            let document = if pretty { serde_json::to_string_pretty(&object).unwrap() } else { object.to_string() };
            prop_assert_eq!(selected(&document, &chosen), parsed(&document, &chosen));
        }
    }

    #[test]
    fn the_selection_keeps_the_schema_order() {
        let document = json!({"lastUpdateDate": "2026-01-02T00:00:00Z", "status": "Current", "id": "7"}).to_string();
        assert_eq!(
            selected(&document, &["lastUpdateDate", "id", "status"]).unwrap(),
            r#"{"id":"7","status":"Current","lastUpdateDate":"2026-01-02T00:00:00Z"}"#
        );
    }
}
