//! Multi-row `INSERT`s: many rows of one table written by few statements.

use crate::store::order_columns::Row as ColumnRow;
use crate::store::sql_query::Bind;

/// Values bound by one statement at most: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const BINDS_PER_STATEMENT: usize = 30_000;

/// How a backend's statements name the values bound to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `$1, $2, ...` (PostgreSQL).
    Numbered,
    /// `?, ?, ...`, bound in order (SQLite). SQLite keeps the names of `$N` and `?N` in a list
    /// that it searches once per placeholder when it parses, and again per value when sqlx binds:
    /// quadratic, 85% of an import's time with 30,000 of them.
    Anonymous,
}

/// `count` placeholders, the first for bound value number `first` (counting from 1).
pub(super) fn placeholders(style: Placeholder, first: usize, count: usize) -> String {
    match style {
        Placeholder::Numbered => (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", "),
        Placeholder::Anonymous => vec!["?"; count].join(", "),
    }
}

/// Rows for one table, all with the same columns: key columns, then the row's own.
#[derive(Default)]
pub(super) struct Rows {
    columns: Vec<&'static str>,
    values: Vec<Vec<Bind>>,
}

impl Rows {
    pub(super) fn push<const N: usize>(&mut self, key_columns: [&'static str; N], key: [Bind; N], row: ColumnRow) {
        if self.columns.is_empty() {
            self.columns = key_columns.iter().copied().chain(row.iter().map(|(name, _)| *name)).collect();
        }
        debug_assert_eq!(self.columns.len(), N + row.len());
        self.values.push(key.into_iter().chain(row.into_iter().map(|(_, value)| value)).collect());
    }

    /// Multi-row `INSERT`s that together write every row, each within the bind limit.
    pub(super) fn statements(self, table: &str, style: Placeholder) -> Vec<(String, Vec<Bind>)> {
        let width = self.columns.len();
        let columns = self.columns.join(", ");
        let mut values = self.values.into_iter().peekable();
        let mut statements = Vec::new();
        while values.peek().is_some() {
            let rows: Vec<Vec<Bind>> = values.by_ref().take(BINDS_PER_STATEMENT / width).collect();
            let tuples: Vec<String> = (0..rows.len()).map(|row| format!("({})", placeholders(style, 1 + row * width, width))).collect();
            statements
                .push((format!("INSERT INTO {table} ({columns}) VALUES {}", tuples.join(", ")), rows.into_iter().flatten().collect()));
        }
        statements
    }
}
