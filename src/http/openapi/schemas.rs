//! Small schema and parameter builders the document's parts share.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Required};

use crate::domain::catalogue::FieldKind;

pub(super) fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub(super) fn query_parameter(name: &str, description: String, schema: impl Into<RefOr<Schema>>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A parameter that takes several values as repeated keys (`name=a&name=b`), the way generated
/// clients send arrays; the server also splits each value at commas.
pub(super) fn repeated_parameter(name: &str, description: String, item: impl Into<RefOr<Schema>>) -> Parameter {
    let mut parameter = query_parameter(name, description, ArrayBuilder::new().items(item.into()).min_items(Some(1)));
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(true);
    parameter
}

/// What a filter on a field of this kind compares with: text without NUL (no order holds one),
/// without a comma in a list (the comma separates values); a date-time or a date otherwise.
pub(super) fn filter_value_schema(kind: FieldKind, in_list: bool) -> Schema {
    match kind {
        FieldKind::Text => string_schema().pattern(Some(if in_list { r"^[^,\x00]*$" } else { r"^[^\x00]*$" })).into(),
        FieldKind::DateTime | FieldKind::Date => AnyOfBuilder::new()
            .item(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))))
            .item(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))))
            .into(),
    }
}
