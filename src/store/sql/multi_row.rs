//! Multi-row `INSERT`s: many rows of one table written by few statements.

use super::bind::Bind;
use super::columns::Row as ColumnRow;

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

/// Rows for one table, all with the same columns: key columns, then the row's own. Their values
/// are kept one after the other, as the statements bind them: an import moves each value twice
/// (into the row, into the statement's arguments), and allocates nothing per row.
#[derive(Default)]
pub(super) struct Rows {
    columns: Vec<&'static str>,
    values: Vec<Bind>,
}

impl Rows {
    pub(super) fn push<const N: usize>(&mut self, key_columns: [&'static str; N], key: [Bind; N], row: ColumnRow) {
        if self.columns.is_empty() {
            self.columns = key_columns.iter().copied().chain(row.iter().map(|(name, _)| *name)).collect();
        }
        debug_assert_eq!(self.columns.len(), N + row.len());
        self.values.extend(key);
        self.values.extend(row.into_iter().map(|(_, value)| value));
    }

    /// Multi-row `INSERT`s that together write every row, each within the bind limit. Their
    /// numbers of rows come from a few sizes (the most that fits, then powers of two), so that
    /// a connection prepares each shape once: an import's child rows vary in number from batch
    /// to batch, and preparing a new statement of thousands of placeholders for each batch was
    /// 4% of an import of 1,000,000 orders.
    pub(super) fn statements(self, table: &str, style: Placeholder) -> Vec<(String, Vec<Bind>)> {
        if self.values.is_empty() {
            return Vec::new();
        }
        let width = self.columns.len();
        let columns = self.columns.join(", ");
        let most = (BINDS_PER_STATEMENT / width).max(1);
        let mut values = self.values.into_iter();
        let mut statements = Vec::new();
        while values.len() > 0 {
            let left = values.len() / width;
            let size = if left >= most { most } else { 1 << left.ilog2() };
            let tuples = match style {
                // Every row's placeholders are the same: written once, repeated.
                Placeholder::Anonymous => vec![format!("({})", placeholders(style, 1, width)); size],
                Placeholder::Numbered => (0..size).map(|row| format!("({})", placeholders(style, 1 + row * width, width))).collect(),
            };
            let binds = values.by_ref().take(size * width).collect();
            statements.push((format!("INSERT INTO {table} ({columns}) VALUES {}", tuples.join(", ")), binds));
        }
        statements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_counts(rows: usize, width: usize) -> Vec<usize> {
        let mut table = Rows::default();
        for n in 0..rows {
            let row = (1..width).map(|_| ("v", Bind::int(n as i64))).collect();
            table.push(["k"], [Bind::int(n as i64)], row);
        }
        table
            .statements("t", Placeholder::Anonymous)
            .iter()
            .map(|(sql, binds)| {
                assert_eq!(sql.matches('?').count(), binds.len());
                binds.len() / width
            })
            .collect()
    }

    #[test]
    fn statements_write_every_row_in_a_few_sizes() {
        assert_eq!(row_counts(0, 3), Vec::<usize>::new());
        assert_eq!(row_counts(1, 3), [1]);
        assert_eq!(row_counts(13, 3), [8, 4, 1]);
        // 30,000 binds hold 3,333 rows of 9 values.
        assert_eq!(row_counts(7_000, 9), [3_333, 3_333, 256, 64, 8, 4, 2]);
        for (rows, width) in [(4_321, 9), (1_000, 25), (5, 40_000)] {
            let counts = row_counts(rows, width);
            assert_eq!(counts.iter().sum::<usize>(), rows);
            let most = (BINDS_PER_STATEMENT / width).max(1);
            assert!(counts.iter().all(|&n| n == most || n.is_power_of_two()), "{counts:?}");
        }
    }

    #[test]
    fn numbered_placeholders_count_every_value_once_in_order() {
        let mut table = Rows::default();
        for n in 0..5 {
            table.push(["k"], [Bind::int(n)], vec![("v", Bind::int(n)), ("w", Bind::int(n))]);
        }
        let statements = table.statements("t", Placeholder::Numbered);
        assert_eq!(statements.len(), 2, "5 rows: 4 and 1");
        for (sql, binds) in statements {
            let numbers: Vec<usize> =
                sql.split('$').skip(1).map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()).collect();
            assert_eq!(numbers, (1..=binds.len()).collect::<Vec<_>>(), "{sql}");
        }
    }
}
