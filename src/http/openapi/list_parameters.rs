//! The list operation's query parameters: paging, sorting, field selection, the common filters
//! by name, and every other filter in two free-form parameters, all from the field catalogue.
//!
//! One parameter per path and operator made 215 of them, and the clients generated from the
//! document took 215 arguments. The filters most lists use keep a parameter of their own; the
//! rest go through `filters` (text paths) and `dateFilters` (date and date-time paths), exploded
//! objects whose members are sent as `path.op=value`, which is what the server reads. Two objects,
//! not one, because an object's values share one schema: dates get theirs, and generated clients
//! a typed dictionary.

use utoipa::openapi::path::{Parameter, ParameterStyle};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use super::schemas::{filter_value_schema, query_parameter, repeated_parameter, string_schema};
use crate::domain::catalogue::{self, FIELDS, FieldKind, TOP_LEVEL_FIELDS};
use crate::domain::events::EventType;
use crate::query::{Limits, Op};

/// The filters a customer's staff and programs use most, each a parameter of its own.
pub const NAMED_FILTERS: [&str; 11] = [
    "status",
    "request.status",
    "product.code",
    "site.id",
    "site.address.city",
    "request.customerReference",
    "appointments.status",
    "orderDate.gte",
    "orderDate.lt",
    "lastUpdateDate.gte",
    "expectedCompletionDate.lte",
];

/// The name of the parameter that holds every other filter on a text path.
pub const FREE_FORM_FILTERS: &str = "filters";

/// The name of the parameter that holds every other filter on a date or date-time path.
pub const FREE_FORM_DATE_FILTERS: &str = "dateFilters";

/// Paging, sorting, field selection, the named filters and the free-form ones.
pub fn list_parameters(limits: Limits) -> Vec<Parameter> {
    let mut parameters = vec![
        query_parameter(
            "offset",
            "Index of the first order to return, from 0".into(),
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(u64::MAX)).default(Some(0.into())),
        ),
        query_parameter(
            "limit",
            format!("Maximum number of orders to return, from 1 to {}", limits.max_limit),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(limits.max_limit))
                .default(Some(limits.default_limit.into())),
        ),
        sort_parameter(),
        repeated_parameter(
            "fields",
            format!(
                "Top-level fields to return (id is always returned), as repeated keys or comma-separated: {}",
                TOP_LEVEL_FIELDS.join(", ")
            ),
            string_schema().enum_values(Some(TOP_LEVEL_FIELDS.iter().copied())),
        ),
    ];
    parameters.extend(NAMED_FILTERS.iter().map(|name| named_filter(name)));
    parameters.push(free_form_filters(FREE_FORM_FILTERS, false, &NAMED_FILTERS));
    parameters.push(free_form_filters(FREE_FORM_DATE_FILTERS, true, &NAMED_FILTERS));
    parameters
}

/// The event feed's: where to start, how many, which types, and the list's filters on the order
/// after the change, all in the two free-form objects (the feed names no filter of its own).
pub fn event_parameters(limits: Limits) -> Vec<Parameter> {
    let types: Vec<&str> = EventType::ALL.iter().map(|kind| kind.name()).collect();
    vec![
        query_parameter(
            "after",
            "The sequence of the last event read: the answer starts after it (0, the default: from the oldest kept)".into(),
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(i64::MAX)).default(Some(0.into())),
        ),
        query_parameter(
            "limit",
            format!("Maximum number of events to return, from 1 to {}", limits.max_limit.min(u64::from(u32::MAX))),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(limits.max_limit.min(u64::from(u32::MAX))))
                .default(Some(limits.default_limit.into())),
        ),
        repeated_parameter(
            "eventType",
            format!("Only events of these types, as repeated keys or comma-separated: {}", types.join(", ")),
            string_schema().enum_values(Some(types.iter().copied())),
        ),
        free_form_filters(FREE_FORM_FILTERS, false, &[]),
        free_form_filters(FREE_FORM_DATE_FILTERS, true, &[]),
    ]
}

/// `sort`: one comma list of sortable paths, each at most once whatever its sign, optionally
/// prefixed with `-` (descending) or `+` (a literal `+` arrives as a space once the query string
/// is decoded, and reads the same). A string, not an array: only a pattern (with a backreference)
/// can say "each path once" across signs, which an array's `uniqueItems` cannot, so schemathesis
/// would otherwise send `sort=x&sort=-x` as valid. Repeated keys are still accepted and joined.
fn sort_parameter() -> Parameter {
    let paths = sortable_paths().map(|path| path.replace('.', r"\.")).collect::<Vec<_>>().join("|");
    let repeated = r"(?:.*,)?[-+ ]?([^,]+),(?:.*,)?[-+ ]?\1(?:,|$)";
    query_parameter(
        "sort",
        "Comma-separated field paths outside arrays, each path at most once, '-' before a path for descending; \
         ties are broken by id. The key may also be repeated: `sort=-orderDate&sort=id` means `sort=-orderDate,id`"
            .into(),
        string_schema()
            .pattern(Some(format!("^(?!{repeated})[-+ ]?(?:{paths})(?:,[-+ ]?(?:{paths}))*$")))
            .examples(["-orderDate", "status,-lastUpdateDate"]),
    )
}

fn sortable_paths() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter(|field| field.sortable()).map(|field| field.path)
}

/// A named filter: `path` (equal to any of the values) or `path.op`.
fn named_filter(name: &str) -> Parameter {
    let (path, op) = match name.rsplit_once('.').and_then(|(path, op)| Some((path, Op::ALL.into_iter().find(|o| o.name() == op)?))) {
        Some((path, op)) => (path, op),
        None => (name, Op::Eq),
    };
    let field = catalogue::find(path).expect("a named filter is a catalogue path");
    let description = format!("Keeps orders whose {path} is {} ({}).{}", op_words(op), value_words(field.kind), array_words(field));
    match op.takes_list() {
        true => repeated_parameter(name, description, filter_value_schema(field.kind, true)),
        false => query_parameter(name, description, filter_value_schema(field.kind, false)),
    }
}

/// Every filter that has no parameter of its own (`excluded`), on text paths or on date paths, as
/// the members of one exploded object. A named filter is left out so that no key can be sent twice.
fn free_form_filters(name: &str, dates: bool, excluded: &[&str]) -> Parameter {
    let fields = || FIELDS.iter().filter(move |field| (field.kind != FieldKind::Text) == dates);
    let escape = |path: &str| path.replace('.', r"\.");
    let paths = fields().map(|field| escape(field.path)).collect::<Vec<_>>().join("|");
    let ops = Op::ALL.map(Op::name).join("|");
    let names = match excluded.iter().map(|name| escape(name)).collect::<Vec<_>>().join("|") {
        none if none.is_empty() => format!(r"^(?:{paths})(?:\.(?:{ops}))?$"),
        named => format!(r"^(?!(?:{named})(?:\.eq)?$)(?:{paths})(?:\.(?:{ops}))?$"),
    };
    let names = string_schema().pattern(Some(names));
    let kind = if dates { FieldKind::DateTime } else { FieldKind::Text };
    let object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(names))
        .additional_properties(Some(filter_value_schema(kind, false)));
    let description = format!(
        "Any other filters on {}, each member sent as its own query parameter `path=value` or `path.op=value`. \
         Paths: {}. Operators: eq (the default: equal to any of the comma-separated values), ne (present and none of them), \
         gt, gte, lt, lte (one value). {} On a path inside appointments or milestones, an order matches when any element does.",
        if dates { "dates and date-times" } else { "text" },
        fields().map(|field| field.path).collect::<Vec<_>>().join(", "),
        if dates { "Values are RFC 3339 date-times or dates (a date means its start, UTC)." } else { "Text is compared by code point." },
    );
    let mut parameter = query_parameter(name, description, object);
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(true);
    parameter
}

fn value_words(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text, compared by code point",
        FieldKind::DateTime => "a date-time (RFC 3339) or a date (YYYY-MM-DD, meaning its start, UTC)",
        FieldKind::Date => "a date (YYYY-MM-DD) or a date-time; dates mean their start, UTC",
    }
}

fn array_words(field: &catalogue::Field) -> &'static str {
    if field.sortable() { "" } else { " Matches when any element of the array matches." }
}

fn op_words(op: Op) -> &'static str {
    match op {
        Op::Eq => "equal to one of these values (repeated keys or comma-separated)",
        Op::Ne => "present and different from all of these values (repeated keys or comma-separated)",
        Op::Gt => "greater than this value",
        Op::Gte => "greater than or equal to this value",
        Op::Lt => "less than this value",
        Op::Lte => "less than or equal to this value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_filter_is_a_path_or_a_path_and_operator() {
        for name in NAMED_FILTERS {
            let parameter = named_filter(name);
            assert_eq!(parameter.name, name);
        }
    }
}
