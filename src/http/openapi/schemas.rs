//! Small schema and parameter builders the document's parts share.

use utoipa::openapi::Components;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
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

/// The schemas an order is made of: its own and its parts'.
const ORDER_SCHEMAS: [&str; 8] = ["Order", "Product", "Site", "Address", "OrderRequest", "Contact", "Appointment", "Milestone"];

/// No text of an order holds NUL (`validation` refuses it: PostgreSQL's text cannot hold it):
/// every free-text member of the order schemas says so with a pattern.
pub(super) fn forbid_nul_in_order_text(components: &mut Components) {
    for name in ORDER_SCHEMAS {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
        for property in object.properties.values_mut() {
            if let RefOr::T(Schema::Object(text)) = property {
                let is_text = match &text.schema_type {
                    SchemaType::Type(kind) => *kind == Type::String,
                    SchemaType::Array(kinds) => kinds.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if is_text && text.format.is_none() && text.enum_values.is_none() && text.pattern.is_none() {
                    text.pattern = Some(r"^[^\x00]*$".to_owned());
                }
            }
        }
    }
}
