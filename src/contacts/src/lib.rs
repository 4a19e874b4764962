//! CRM contacts: a module of the resource core.

use mewayz_api::http::{Request, Response};
use mewayz_resources::{Field, Kind, ModuleSpec, spec::value};
use serde_json::{Map, Value, json};

static FIELDS: [Field; 9] = [
    Field::required("first_name", Kind::Text { max: 100 }),
    Field::optional("last_name", Kind::Text { max: 100 }),
    Field::optional("email", Kind::Email),
    Field::optional("phone", Kind::Phone),
    Field::optional("company", Kind::Text { max: 200 }),
    Field::optional("job_title", Kind::Text { max: 200 }),
    Field::with_default("status", Kind::OneOf(&["lead", "prospect", "customer", "lost"]), || json!("lead")),
    Field::with_default("lead_score", Kind::Int { min: 0, max: 100 }, || json!(0)),
    Field::with_default("tags", Kind::Tags, || json!([])),
];

pub static CONTACTS: ModuleSpec = ModuleSpec {
    name: "contacts",
    singular: "contact",
    fields: &FIELDS,
    status_of: |data: &Map<String, Value>| value(data, "status").as_str().unwrap_or("lead").to_string(),
    search: &["first_name", "last_name", "email", "company"],
    unique: None,
    on_write: None,
    present: None,
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &CONTACTS).await
}
