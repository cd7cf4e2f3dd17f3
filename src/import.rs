//! Reading orders to import: NDJSON (one order a line) or a JSON array. A file with any
//! invalid order yields every problem, each with its line (or index) and field path.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::domain::order::Order;
use crate::domain::validation::parse_order;

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

/// Parses a whole file: every order, or every problem.
pub fn parse_orders(text: &str) -> Result<Vec<Order>, Vec<ImportProblem>> {
    // Spreadsheet and Windows exports often start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (values, mut problems) = if text.trim_start().starts_with('[') {
        (array_values(text)?, Vec::new())
    } else if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(text) {
        // One order written over several lines (pretty-printed) is one order, not broken NDJSON.
        (vec![(Location::Line(1), value)], Vec::new())
    } else {
        ndjson_values(text)
    };
    let mut orders = Vec::with_capacity(values.len());
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    for (location, value) in values {
        match parse_order(value) {
            Ok(order) => {
                if let Some(earlier) = first_seen.insert(order.id.clone(), location) {
                    problems.push(ImportProblem {
                        location,
                        path: "id".into(),
                        message: format!("order {:?} appears already at {earlier}; give each order once", order.id),
                    });
                }
                orders.push(order);
            }
            Err(found) => problems.extend(found.into_iter().map(|p| ImportProblem { location, path: p.path, message: p.message })),
        }
    }
    problems.sort_by_key(|problem| problem.location);
    if problems.is_empty() { Ok(orders) } else { Err(problems) }
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

/// The lines that are JSON, and a problem for each that is not.
fn ndjson_values(text: &str) -> (Vec<(Location, Value)>, Vec<ImportProblem>) {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = Location::Line(number + 1);
        match serde_json::from_str::<Value>(line) {
            Ok(value) => values.push((location, value)),
            Err(error) => problems.push(ImportProblem { location, path: String::new(), message: format!("not valid JSON: {error}") }),
        }
    }
    (values, problems)
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
