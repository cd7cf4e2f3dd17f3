//! Reading orders to import: NDJSON (one order a line) or a JSON array. A file with any
//! invalid order yields every problem, each with its line (or index) and field path.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::Serialize;
use serde_json::Value;

use crate::domain::order::Order;
use crate::domain::validation::{Problem, parse_order};

/// Where a problem is: a line of NDJSON, or an index of a JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    Line(usize),
    Index(usize),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Index(index) => write!(f, "index {index}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    #[serde(flatten)]
    pub location: Location,
    /// Field path within the order; empty for the order (or line) as a whole.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.as_str() {
            "" => write!(f, "{}: {}", self.location, self.message),
            path => write!(f, "{}: {path}: {}", self.location, self.message),
        }
    }
}

/// An order read from one place of the file, or what is wrong with it.
type Read = (Location, Result<Order, Vec<Problem>>);

/// Parses a whole file: every order, or every problem.
pub fn parse_orders(text: &str) -> Result<Vec<Order>, Vec<ImportProblem>> {
    // Spreadsheet and Windows exports often start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Read in parts (one per thread for NDJSON), each taken apart as it comes: an order is
    // moved once, from where it was parsed into the result (docs/performance.md, step 28).
    let parts: Vec<Vec<Read>> = if text.trim_start().starts_with('[') {
        vec![array_values(text)?.into_iter().map(|(location, value)| (location, parse_order(value))).collect()]
    } else if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(text) {
        // One order written over several lines (pretty-printed) is one order, not broken NDJSON.
        vec![vec![(Location::Line(1), parse_order(value))]]
    } else {
        ndjson_orders(text)
    };
    let mut orders = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    let mut locations = Vec::with_capacity(orders.capacity());
    let mut problems = Vec::new();
    for (location, parsed) in parts.into_iter().flatten() {
        match parsed {
            Ok(order) => {
                orders.push(order);
                locations.push(location);
            }
            Err(found) => problems.extend(found.into_iter().map(|p| ImportProblem { location, path: p.path, message: p.message })),
        }
    }
    problems.extend(repeated_ids(&orders, &locations));
    problems.sort_by_key(|problem| problem.location);
    if problems.is_empty() { Ok(orders) } else { Err(problems) }
}

/// A problem for each order whose id an earlier one has, naming where that id came first. The
/// ids are borrowed, not copied.
fn repeated_ids(orders: &[Order], locations: &[Location]) -> Vec<ImportProblem> {
    let mut first_seen: HashMap<&str, Location> = HashMap::with_capacity(orders.len());
    let mut problems = Vec::new();
    for (order, &location) in orders.iter().zip(locations) {
        match first_seen.entry(&order.id) {
            Entry::Occupied(earlier) => problems.push(ImportProblem {
                location,
                path: "id".into(),
                message: format!("order {:?} appears already at {}; give each order once", order.id, earlier.get()),
            }),
            Entry::Vacant(first) => {
                first.insert(location);
            }
        }
    }
    problems
}

fn array_values(text: &str) -> Result<Vec<(Location, Value)>, Vec<ImportProblem>> {
    let values: Vec<Value> = serde_json::from_str(text).map_err(|error| {
        vec![ImportProblem {
            location: Location::Line(error.line()),
            path: String::new(),
            message: format!("not a valid JSON array: {error}"),
        }]
    })?;
    Ok(values.into_iter().enumerate().map(|(index, value)| (Location::Index(index), value)).collect())
}

/// Every non-blank line read as an order, on every core: each line is parsed and checked on its
/// own, and its JSON tree dropped at once, so a large file never holds more than its orders.
/// Returns what each thread read, the threads in the order of their parts of the file.
fn ndjson_orders(text: &str) -> Vec<Vec<Read>> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parsers: Vec<_> = lines
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|&(index, line)| read_line(index + 1, line)).collect::<Vec<_>>()))
            .collect();
        parsers.into_iter().map(|parser| parser.join().expect("a line parser does not panic")).collect()
    })
}

fn read_line(number: usize, line: &str) -> Read {
    let parsed = serde_json::from_str::<Value>(line)
        .map_err(|error| vec![Problem { path: String::new(), message: format!("not valid JSON: {error}") }])
        .and_then(parse_order);
    (Location::Line(number), parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"1","status":"Current","orderDate":"2026-01-01T00:00:00Z","request":{"id":"3-1"}}"#;

    #[test]
    fn ndjson_and_arrays_read_the_same_orders() {
        let ndjson = format!("{GOOD}\n\n{}\n", GOOD.replace("\"1\"", "\"2\""));
        let array = format!("[{GOOD},{}]", GOOD.replace("\"1\"", "\"2\""));
        assert_eq!(parse_orders(&ndjson).unwrap(), parse_orders(&array).unwrap());
    }

    #[test]
    fn every_problem_names_its_line_and_field() {
        let text = format!("{GOOD}\nnot json\n{}\n", GOOD.replace("Current", "Open"));
        let problems: Vec<String> = parse_orders(&text).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2: not valid JSON"));
        assert!(problems[1].starts_with("line 3: status:"));

        let text = format!("{GOOD}\n{}\n{GOOD}\n", GOOD.replace("Current", "Open"));
        let problems: Vec<String> = parse_orders(&text).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2: status: \"Open\" is not one of"));
        assert!(problems[1].starts_with("line 3: id: order \"1\" appears already at line 1"));
    }

    #[test]
    fn each_repeat_of_an_id_names_where_it_came_first() {
        let other = GOOD.replace("\"1\"", "\"2\"");
        let text = format!("{GOOD}\n{other}\n{GOOD}\nnot json\n{GOOD}\n");
        let problems: Vec<String> = parse_orders(&text).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[0], "line 3: id: order \"1\" appears already at line 1; give each order once");
        assert_eq!(problems[2], "line 5: id: order \"1\" appears already at line 1; give each order once");
        assert!(problems[1].starts_with("line 4: not valid JSON"), "{problems:?}");
    }

    #[test]
    fn one_pretty_printed_order_is_one_order() {
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(GOOD).unwrap()).unwrap();
        assert_eq!(parse_orders(&pretty).unwrap().len(), 1);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(parse_orders(&format!("\u{feff}{GOOD}\n")).unwrap().len(), 1);
        assert_eq!(parse_orders(&format!("\u{feff}[{GOOD}]")).unwrap().len(), 1);
    }

    #[test]
    fn array_problems_name_the_index() {
        let text = format!("[{GOOD}, {{\"id\": 5}}]");
        let problems = parse_orders(&text).unwrap_err();
        assert!(problems.iter().all(|p| p.location == Location::Index(1)));
        assert!(problems.iter().any(|p| p.path == "id"));
    }
}
