//! Aligned columns for people, then "20 of 1,234". Column widths come from the first page, so
//! that pages print as they arrive.

use std::io::{self, Write};

use order_tracking_client::Order;
use serde_json::Value;

use super::flat::{at, cell, thousands};
use super::sink::{Sink, selected, to_json};

/// (header, path, shown when no `--fields` is given).
const COLUMNS: &[(&str, &str, bool)] = &[
    ("ID", "id", true),
    ("STATUS", "status", true),
    ("ORDERED", "orderDate", true),
    ("UPDATED", "lastUpdateDate", false),
    ("EXPECTED", "expectedCompletionDate", true),
    ("COMPLETED", "completionDate", false),
    ("ACTION", "action", true),
    ("PRODUCT", "product.name", true),
    ("SITE", "site.name", false),
    ("CITY", "site.address.city", true),
    ("REQUEST", "request.id", false),
    ("PROGRESS", "request.status", true),
    ("REFERENCE", "request.customerReference", true),
    ("APPOINTMENTS", "appointments", false),
    ("MILESTONES", "milestones", false),
];

/// Longer cells are cut, so that one long name does not push every row off the screen.
const MAX_WIDTH: usize = 32;

pub struct Table {
    out: Box<dyn Write>,
    columns: Vec<(&'static str, &'static str)>,
    widths: Vec<usize>,
}

impl Table {
    pub fn new(out: Box<dyn Write>, fields: &[String]) -> Self {
        let columns = COLUMNS
            .iter()
            .filter(|(_, path, default)| if fields.is_empty() { *default } else { selected(path, fields) })
            .map(|(header, path, _)| (*header, *path))
            .collect();
        Table { out, columns, widths: Vec::new() }
    }

    fn row(&mut self, cells: &[String]) -> io::Result<()> {
        let last = cells.len().saturating_sub(1);
        let mut line = String::new();
        for (index, (text, width)) in cells.iter().zip(&self.widths).enumerate() {
            line.push_str(text);
            if index < last {
                line.extend(std::iter::repeat_n(' ', width.saturating_sub(text.chars().count()) + 2));
            }
        }
        writeln!(self.out, "{}", line.trim_end())
    }
}

impl Sink for Table {
    fn page(&mut self, orders: &[Order]) -> io::Result<()> {
        let rows: Vec<Vec<String>> = orders
            .iter()
            .map(|order| {
                let order = to_json(order);
                self.columns.iter().map(|(_, path)| shown(&order, path)).collect()
            })
            .collect();
        if self.widths.is_empty() {
            let headers: Vec<String> = self.columns.iter().map(|(header, _)| (*header).to_owned()).collect();
            self.widths = headers.iter().map(|header| header.len()).collect();
            for row in &rows {
                for (width, text) in self.widths.iter_mut().zip(row) {
                    *width = (*width).max(text.chars().count());
                }
            }
            self.row(&headers)?;
        }
        for row in &rows {
            self.row(row)?;
        }
        self.out.flush()
    }

    fn finish(&mut self, shown: u64, total: Option<u64>) -> io::Result<()> {
        match total {
            Some(total) => writeln!(self.out, "{} of {}", thousands(shown), thousands(total))?,
            None => writeln!(self.out, "{} orders", thousands(shown))?,
        }
        self.out.flush()
    }
}

/// A cell as people read it: date-times to the minute, arrays summed up, absent as "-".
fn shown(order: &Value, path: &str) -> String {
    let Some(value) = at(order, path) else { return "-".to_owned() };
    let text = match (path, value) {
        ("appointments", Value::Array(items)) => items.len().to_string(),
        ("milestones", Value::Array(items)) => {
            let done = items.iter().filter(|item| item.get("status").and_then(Value::as_str) == Some("Done")).count();
            format!("{done}/{} done", items.len())
        }
        (_, value) => short_date_time(&cell(value)),
    };
    if text.chars().count() > MAX_WIDTH { text.chars().take(MAX_WIDTH - 1).chain(['…']).collect() } else { text }
}

/// An RFC 3339 date-time as `2026-03-01 10:00` (UTC); anything else unchanged.
pub fn short_date_time(text: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    match time::OffsetDateTime::parse(text, &Rfc3339) {
        Ok(instant) => instant.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_shown_to_the_minute_in_utc() {
        assert_eq!(short_date_time("2026-03-01T10:00:59Z"), "2026-03-01 10:00");
        assert_eq!(short_date_time("2026-03-01T10:00:00+02:00"), "2026-03-01 08:00");
        assert_eq!(short_date_time("2026-03-01"), "2026-03-01");
        assert_eq!(short_date_time("Pending customer"), "Pending customer");
    }
}
