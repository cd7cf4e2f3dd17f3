//! The generated model of an order, how it is written as JSON, and the values the oracle reads.

use super::*;

/// A generated leaf value, with how it is written.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Datum {
    Text(String),
    /// An instant (nanoseconds since the epoch), written in some offset, in some style.
    Instant {
        nanos: i128,
        offset_minutes: i32,
        style: u8,
    },
    Day(time::Date),
}

/// What the oracle compares: text by code point, instants chronologically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Text(String),
    Instant(i128),
}

impl Datum {
    pub(super) fn key(&self) -> Key {
        match self {
            Datum::Text(text) => Key::Text(text.clone()),
            Datum::Instant { nanos, .. } => Key::Instant(*nanos),
            Datum::Day(date) => Key::Instant(midnight(*date)),
        }
    }

    pub(super) fn render(&self) -> String {
        match self {
            Datum::Text(text) => text.clone(),
            Datum::Instant { nanos, offset_minutes, style } => render_instant(*nanos, *offset_minutes, *style),
            Datum::Day(date) => render_date(*date),
        }
    }
}

pub(super) fn render_date(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// RFC 3339 in the given offset; `style` picks between equivalent spellings: `Z` or `+00:00`,
/// no fraction, `.000` or `.0` on whole seconds, nine digits or trimmed digits otherwise.
pub(super) fn render_instant(nanos: i128, offset_minutes: i32, style: u8) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).expect("a valid offset");
    let local = OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("an instant in range").to_offset(offset);
    let mut text = format!("{}T{:02}:{:02}:{:02}", render_date(local.date()), local.hour(), local.minute(), local.second());
    let fraction = local.nanosecond();
    match (fraction, style % 3) {
        (0, 0) => {}
        (0, 1) => text.push_str(".000"),
        (0, _) => text.push_str(".0"),
        (_, 0) => text.push_str(&format!(".{fraction:09}")),
        (_, _) => text.push_str(&format!(".{}", format!("{fraction:09}").trim_end_matches('0'))),
    }
    if offset_minutes == 0 && style.is_multiple_of(2) {
        text.push('Z');
    } else {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let minutes = offset_minutes.abs();
        text.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
    }
    text
}

impl fmt::Debug for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.render())
    }
}

/// One element of an array, its leaves keyed by full path (`appointments.status`).
pub(super) type Element = BTreeMap<&'static str, Datum>;

/// A generated order.
#[derive(Clone)]
pub(super) struct OrderSpec {
    pub(super) id: String,
    /// Order-level leaves present, by path (`id` apart).
    pub(super) scalars: BTreeMap<&'static str, Datum>,
    pub(super) appointments: Option<Vec<Element>>,
    pub(super) milestones: Option<Vec<Element>>,
}

impl OrderSpec {
    /// The order as imported.
    pub(super) fn to_json(&self) -> Value {
        let mut order = Map::new();
        order.insert("id".to_owned(), Value::String(self.id.clone()));
        for (path, datum) in &self.scalars {
            insert_path(&mut order, path, Value::String(datum.render()));
        }
        for (name, elements) in [("appointments", &self.appointments), ("milestones", &self.milestones)] {
            if let Some(elements) = elements {
                let elements = elements
                    .iter()
                    .map(|element| {
                        let mut object = Map::new();
                        for (path, datum) in element {
                            insert_path(&mut object, &path[name.len() + 1..], Value::String(datum.render()));
                        }
                        Value::Object(object)
                    })
                    .collect();
                order.insert(name.to_owned(), Value::Array(elements));
            }
        }
        Value::Object(order)
    }

    /// Every value the order holds at a leaf: none or one outside arrays, one per element
    /// holding it inside.
    pub(super) fn values(&self, leaf: &Leaf) -> Vec<Key> {
        let from_elements = |elements: &Option<Vec<Element>>| {
            elements.iter().flatten().filter_map(|element| element.get(leaf.path)).map(Datum::key).collect()
        };
        match leaf.place {
            Place::Order if leaf.path == "id" => vec![Key::Text(self.id.clone())],
            Place::Order => self.scalars.get(leaf.path).map(Datum::key).into_iter().collect(),
            Place::Appointments => from_elements(&self.appointments),
            Place::Milestones => from_elements(&self.milestones),
        }
    }

    /// The top-level members the order has.
    pub(super) fn members(&self) -> BTreeSet<&'static str> {
        let mut members: BTreeSet<&'static str> = ["id", "request"].into();
        members.extend(self.scalars.keys().map(|path| path.split('.').next().expect("a head")));
        if self.appointments.is_some() {
            members.insert("appointments");
        }
        if self.milestones.is_some() {
            members.insert("milestones");
        }
        members
    }

    /// The order's values at the given leaves, written as sent, for failure messages.
    pub(super) fn describe(&self, leaves: &BTreeSet<usize>) -> String {
        let mut parts = vec![format!("id={:?}", self.id)];
        for &index in leaves {
            let leaf = &LEAVES[index];
            if leaf.path == "id" {
                continue;
            }
            let rendered: Vec<String> = match leaf.place {
                Place::Order => self.scalars.get(leaf.path).map(Datum::render).into_iter().collect(),
                Place::Appointments | Place::Milestones => {
                    let elements = if leaf.place == Place::Appointments { &self.appointments } else { &self.milestones };
                    match elements {
                        None => Vec::new(),
                        Some(elements) => {
                            elements.iter().map(|element| element.get(leaf.path).map_or("(absent)".to_owned(), Datum::render)).collect()
                        }
                    }
                }
            };
            let shown = match rendered.as_slice() {
                [] => "(absent)".to_owned(),
                [one] if leaf.place == Place::Order => format!("{one:?}"),
                many => format!("{many:?}"),
            };
            parts.push(format!("{}={shown}", leaf.path));
        }
        parts.join(" ")
    }
}

impl fmt::Debug for OrderSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

pub(super) fn insert_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = object.entry(head).or_insert_with(|| Value::Object(Map::new()));
            insert_path(child.as_object_mut().expect("an object"), rest, value);
        }
    }
}
