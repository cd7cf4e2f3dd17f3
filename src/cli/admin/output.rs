//! How admin commands print: one JSON object with `--json`, else text.

use serde_json::Value;

/// `--json`, which every admin command takes.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Output {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints `json` with `--json`, else the text.
pub fn print(output: Output, json: Value, text: String) {
    if output.json { println!("{json}") } else { println!("{text}") }
}

pub use crate::domain::instant::rfc3339;
