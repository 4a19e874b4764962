//! Bookable services: a module of the resource core. Bookings refer to them.

use mewayz_api::http::{Request, Response};
use mewayz_resources::{
    Field, Kind, ModuleSpec,
    spec::{LONGEST_SPAN_MINUTES, active_or_inactive},
};
use serde_json::json;

static FIELDS: [Field; 7] = [
    Field::required("name", Kind::Text { max: 200 }),
    Field::optional("description", Kind::Text { max: 2000 }),
    // A booking spans its service's duration.
    Field::required("duration_minutes", Kind::Int { min: 5, max: LONGEST_SPAN_MINUTES }),
    Field::required("price", Kind::Int { min: 0, max: 1_000_000_000_000 }),
    Field::with_default("currency", Kind::Currency, || json!("USD")),
    Field::with_default("max_attendees", Kind::Int { min: 1, max: 10_000 }, || json!(1)),
    Field::with_default("is_active", Kind::Bool, || json!(true)),
];

pub static SERVICES: ModuleSpec = ModuleSpec {
    name: "services",
    singular: "service",
    fields: &FIELDS,
    status_of: active_or_inactive,
    search: &["name", "description"],
    unique: None,
    on_write: None,
    present: None,
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &SERVICES).await
}
