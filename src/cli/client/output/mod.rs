//! How orders are printed: an aligned table for people, JSON, NDJSON or CSV for programs.
//! Every writer takes pages as they come, so `--all` streams.

pub(crate) mod csv;
mod flat;
mod json;
mod sink;
mod table;

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;

pub use flat::{Change, changes, thousands};
pub use sink::Sink;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and "20 of 1,234" (the default on a terminal).
    Table,
    /// One JSON array, as the API answers (the default otherwise).
    Json,
    /// One order per line.
    Ndjson,
    /// A header row, then one order per row: the scalar fields by dotted path, arrays as JSON.
    Csv,
}

impl Format {
    /// The format asked for, else a table on a terminal and JSON for programs.
    pub fn or_default(format: Option<Format>) -> Format {
        format.unwrap_or_else(|| if io::stdout().is_terminal() { Format::Table } else { Format::Json })
    }
}

/// A writer of `format`; `fields` (from `--fields`) narrows the columns of table and CSV.
pub fn sink(format: Format, out: Box<dyn Write>, fields: &[String]) -> Box<dyn Sink> {
    match format {
        Format::Table => Box::new(table::Table::new(out, fields)),
        Format::Json => Box::new(json::JsonArray::new(out)),
        Format::Ndjson => Box::new(json::Ndjson::new(out)),
        Format::Csv => Box::new(csv::Csv::new(out, fields)),
    }
}
