//! JSON Schemas of the business modules' records, derived from each
//! module's `ModuleSpec`: the same field list the resource core validates
//! against, so the document cannot drift from it.

use mewayz_resources::{Field, Kind, ModuleSpec};
use serde_json::{Map, Value, json};

/// The modules, with the schema-name stem each gets (`Contact`, …).
pub fn all() -> [(&'static ModuleSpec, &'static str); 5] {
    [
        (&mewayz_bio_sites::BIO_SITES, "BioSite"),
        (&mewayz_contacts::CONTACTS, "Contact"),
        (&mewayz_products::PRODUCTS, "Product"),
        (&mewayz_services::SERVICES, "Service"),
        (&mewayz_bookings::BOOKINGS, "Booking"),
    ]
}

/// The schema of a field's value: in a request, with the limits input is
/// checked against; in an answer, the stored value's type only.
fn kind_schema(kind: Kind, answer: bool) -> Value {
    if answer {
        return match kind {
            Kind::Int { .. } => json!({"type": "integer"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::OneOf(values) => json!({"type": "string", "enum": values}),
            Kind::Tags => json!({"type": "array", "items": {"type": "string"}}),
            Kind::Links => json!({"type": "array", "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "position": {"type": "integer"},
                    "clicks": {"type": "integer", "minimum": 0},
                },
                "required": ["id", "title", "url", "position"],
            }}),
            _ => json!({"type": "string"}),
        };
    }
    match kind {
        Kind::Text { max } => json!({"type": "string", "maxLength": max}),
        Kind::Email => json!({"type": "string", "format": "email", "maxLength": 254}),
        Kind::Url => json!({"type": "string", "format": "uri", "pattern": "^https?://"}),
        Kind::Phone => json!({"type": "string", "pattern": "^[0-9 +().-]{3,32}$"}),
        Kind::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::OneOf(values) => json!({"type": "string", "enum": values}),
        Kind::Currency => json!({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"}),
        Kind::DateTime => json!({"type": "string", "format": "date-time"}),
        Kind::Tags => json!({"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}}),
        Kind::Slug => json!({"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}),
        Kind::Links => {
            let link = json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string", "maxLength": 64},
                    "title": {"type": "string", "minLength": 1, "maxLength": 100},
                    "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
                    "position": {"type": "integer", "minimum": 0, "maximum": 1000},
                },
                "required": ["title", "url"],
                "additionalProperties": false,
            });
            json!({"type": "array", "maxItems": 50, "items": link})
        }
        Kind::Ref(module) => json!({"type": "string", "description": format!("the id of a record of {module}")}),
    }
}

fn properties(fields: &[Field], answer: bool, nullable_optional: bool) -> Map<String, Value> {
    fields
        .iter()
        .map(|field| {
            let mut schema = kind_schema(field.kind, answer);
            if nullable_optional && !field.required {
                schema = json!({"oneOf": [schema, {"type": "null"}]});
            }
            (field.name.to_string(), schema)
        })
        .collect()
}

/// `(name, schema)` for a module's record, its create body, its patch body,
/// its list and its stats.
pub fn schemas(spec: &ModuleSpec, stem: &str) -> Vec<(String, Value)> {
    let required: Vec<&str> = spec.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    let mut record = properties(spec.fields, true, false);
    for (name, schema) in [
        ("id", json!({"type": "string"})),
        ("workspace_id", json!({"type": "string"})),
        ("status", json!({"type": "string"})),
        ("created_at", json!({"type": "integer", "description": "Unix seconds"})),
        ("updated_at", json!({"type": "integer", "description": "Unix seconds"})),
    ] {
        record.insert(name.into(), schema);
    }
    let mut record_required: Vec<&str> = vec!["id", "workspace_id", "status", "created_at", "updated_at"];
    for field in spec.fields.iter().filter(|f| f.required || f.default.is_some()) {
        if !record_required.contains(&field.name) {
            record_required.push(field.name);
        }
    }
    vec![
        (
            stem.to_string(),
            // Modules may add counters (a bio site's visits and clicks).
            json!({"type": "object", "properties": record, "required": record_required}),
        ),
        (
            format!("New{stem}"),
            json!({
                "type": "object",
                "properties": properties(spec.fields, false, false),
                "required": required,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{stem}Patch"),
            json!({
                "type": "object",
                "description": "A merge patch: a field left out keeps its value; null clears an optional field",
                "properties": properties(spec.fields, false, true),
                "additionalProperties": false,
            }),
        ),
        (
            format!("{stem}List"),
            json!({
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": {"$ref": format!("#/components/schemas/{stem}")}},
                    "total": {"type": "integer", "minimum": 0},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                    "offset": {"type": "integer", "minimum": 0},
                },
                "required": ["data", "total", "limit", "offset"],
            }),
        ),
        (
            format!("{stem}Stats"),
            json!({
                "type": "object",
                "properties": {
                    "total": {"type": "integer", "minimum": 0},
                    "by_status": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                },
                "required": ["total", "by_status"],
            }),
        ),
    ]
}
