//! JSON Schemas of the business modules' records, derived from each
//! module's `ModuleSpec`: the same field list the resource core validates
//! against. The limits per field kind below restate `validate.rs`'s; keep
//! the two in step (schemathesis checks answers against them, not inputs).

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
        Kind::Url => {
            json!({"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/]", "maxLength": 2048})
        }
        Kind::Phone => {
            json!({"type": "string", "pattern": "^[0-9 +().-]{3,32}$", "description": "with at least one digit"})
        }
        Kind::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::OneOf(values) => json!({"type": "string", "enum": values}),
        Kind::Currency => json!({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"}),
        Kind::DateTime => json!({"type": "string", "format": "date-time"}),
        Kind::Tags => {
            json!({"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 32}})
        }
        Kind::Slug => json!({"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "minLength": 3, "maxLength": 64}),
        Kind::Links => {
            let link = json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    "title": {"type": "string", "minLength": 1, "maxLength": 100},
                    "url": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/]", "maxLength": 2048},
                    "position": {"type": "integer", "minimum": 0, "maximum": 1000},
                },
                "required": ["title", "url"],
                "additionalProperties": false,
            });
            json!({"type": "array", "maxItems": 50, "items": link})
        }
        Kind::Ref(module) => json!({"type": "string", "minLength": 1, "maxLength": 64,
            "description": format!("the id of a record of {module}")}),
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
    if spec.present.is_some() {
        // The module's counters (a bio site's visits and link clicks).
        record.insert("visit_count".into(), json!({"type": "integer", "minimum": 0}));
        record.insert("click_count".into(), json!({"type": "integer", "minimum": 0}));
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
                // An optional field sent as null is left out.
                "properties": properties(spec.fields, false, true),
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
