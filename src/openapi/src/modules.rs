//! JSON Schemas of the business modules' records, derived from each
//! module's `ModuleSpec`: the same field list the resource core validates
//! against. A request's field schemas come from the resource core
//! (`input_schema`, beside the checks); an answer's state only the stored
//! value's type.

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
fn kind_schema(kind: Kind, answer: bool) -> Result<Value, serde_json::Error> {
    if answer {
        return Ok(match kind {
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
        });
    }
    mewayz_resources::validate::input_schema(kind)
}

fn properties(
    fields: &[Field],
    answer: bool,
    nullable_optional: bool,
) -> Result<Map<String, Value>, serde_json::Error> {
    fields
        .iter()
        .map(|field| {
            let mut schema = kind_schema(field.kind, answer)?;
            if nullable_optional && !field.required {
                schema = json!({"oneOf": [schema, {"type": "null"}]});
            }
            Ok((field.name.to_string(), schema))
        })
        .collect()
}

/// `(name, schema)` for a module's record, its create body, its patch body,
/// its list and its stats.
pub fn schemas(spec: &ModuleSpec, stem: &str) -> Result<Vec<(String, Value)>, serde_json::Error> {
    let required: Vec<&str> = spec.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    let mut record = properties(spec.fields, true, false)?;
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
    Ok(vec![
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
                "properties": properties(spec.fields, false, true)?,
                "required": required,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{stem}Patch"),
            json!({
                "type": "object",
                "description": "A merge patch: a field left out keeps its value; null clears an optional field",
                "properties": properties(spec.fields, false, true)?,
                "additionalProperties": false,
            }),
        ),
        (format!("{stem}List"), crate::list_schema(stem)),
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
    ])
}
