//! How admin commands print: one JSON object with `--json`, else text.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::commands::Output;

/// Prints `json` with `--json`, else the text.
pub fn print(output: Output, json: Value, text: String) {
    if output.json { println!("{json}") } else { println!("{text}") }
}

pub fn rfc3339(value: OffsetDateTime) -> String {
    value.format(&Rfc3339).unwrap_or_default()
}
