//! Queries: a model, and the query string it is sent as.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
        }
    }

    pub(super) fn takes_list(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

/// A filter value: the text sent, and what it means to the oracle.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    pub(super) text: String,
    pub(super) key: Key,
}

#[derive(Debug, Clone)]
pub(super) struct FilterSpec {
    pub(super) leaf: usize,
    pub(super) op: Op,
    /// `path.eq=v` rather than `path=v` (always, for other operators).
    pub(super) explicit_op: bool,
    /// `path=v1&path=v2` rather than `path=v1,v2`.
    pub(super) repeat: bool,
    pub(super) values: Vec<Probe>,
}

#[derive(Debug, Clone)]
pub(super) struct SortSpec {
    pub(super) leaf: usize,
    /// 0: `path`, 1: `%2Bpath`, 2: `+path` (a literal plus, decoded as a space), 3 to 5: `-path`.
    pub(super) style: u8,
}

impl SortSpec {
    pub(super) fn descending(&self) -> bool {
        self.style >= 3
    }
}

#[derive(Clone)]
pub(super) struct QuerySpec {
    pub(super) filters: Vec<FilterSpec>,
    pub(super) sort: Vec<SortSpec>,
    pub(super) offset: Option<u64>,
    pub(super) limit: Option<u64>,
    pub(super) fields: Option<Vec<&'static str>>,
}

/// Percent-encodes everything but unreserved characters (so `+`, `&`, `=`, `%`, `,`, spaces
/// and non-ASCII characters reach the server as data).
pub(super) fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl fmt::Display for QuerySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parameters = Vec::new();
        for filter in &self.filters {
            let path = LEAVES[filter.leaf].path;
            let name = if filter.explicit_op { format!("{path}.{}", filter.op.name()) } else { path.to_owned() };
            let values: Vec<String> = filter.values.iter().map(|probe| encode(&probe.text)).collect();
            if filter.repeat {
                parameters.extend(values.iter().map(|value| format!("{name}={value}")));
            } else {
                parameters.push(format!("{name}={}", values.join(",")));
            }
        }
        if !self.sort.is_empty() {
            let keys: Vec<String> = self
                .sort
                .iter()
                .map(|key| {
                    let prefix = match key.style {
                        0 => "",
                        1 => "%2B",
                        2 => "+",
                        _ => "-",
                    };
                    format!("{prefix}{}", LEAVES[key.leaf].path)
                })
                .collect();
            parameters.push(format!("sort={}", keys.join(",")));
        }
        if let Some(offset) = self.offset {
            parameters.push(format!("offset={offset}"));
        }
        if let Some(limit) = self.limit {
            parameters.push(format!("limit={limit}"));
        }
        if let Some(fields) = &self.fields {
            parameters.push(format!("fields={}", fields.join(",")));
        }
        write!(f, "?{}", parameters.join("&"))
    }
}

impl fmt::Debug for QuerySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl QuerySpec {
    pub(super) fn url(&self) -> String {
        format!("{ORDERS}{self}")
    }

    /// The leaves the query filters or sorts on.
    pub(super) fn leaves(&self) -> BTreeSet<usize> {
        self.filters.iter().map(|filter| filter.leaf).chain(self.sort.iter().map(|key| key.leaf)).collect()
    }
}
