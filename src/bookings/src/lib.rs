//! Bookings of services: a module of the resource core. A booking that would
//! put more than the service's `max_attendees` into an overlapping slot is
//! refused with 409 — also under concurrent requests, because the check and
//! the write share a transaction that holds the service row (PostgreSQL
//! `FOR UPDATE`) or the write lock (SQLite `BEGIN IMMEDIATE`).

use mewayz_resources::{
    Field, Kind, ModuleSpec, WriteError,
    spec::{Derived, WriteContext, value},
    store,
};
use mewayz_store::Db;
use mewayz_time::Timestamp;
use serde_json::{Map, Value, json};
use spin_sdk::http::{Request, Response};

const CANCELLED: &str = "cancelled";

static FIELDS: [Field; 6] = [
    Field::required("service_id", Kind::Ref("services")),
    Field::required("client_name", Kind::Text { max: 200 }),
    Field::required("client_email", Kind::Email),
    Field::required("starts_at", Kind::DateTime),
    Field::with_default("status", Kind::OneOf(&["pending", "confirmed", CANCELLED, "completed"]), || json!("pending")),
    Field::optional("notes", Kind::Text { max: 2000 }),
];

fn check_slot(db: &Db, write: &WriteContext<'_>) -> Result<Derived, WriteError> {
    let service_id = value(write.data, "service_id").as_str().unwrap_or_default();
    let service = store::get_for_update(db, "services", write.workspace_id, service_id)?
        .ok_or_else(|| WriteError::invalid("service_id", "no such service in this workspace"))?;
    let starts_at = Timestamp::parse_rfc3339(value(write.data, "starts_at").as_str().unwrap_or_default())
        .ok_or_else(|| WriteError::invalid("starts_at", "must be an RFC 3339 date-time"))?
        .unix_seconds();
    let minutes = value(&service.data, "duration_minutes").as_i64().unwrap_or(60);
    let ends_at = starts_at + minutes * 60;
    if value(write.data, "status").as_str() != Some(CANCELLED) {
        let capacity = value(&service.data, "max_attendees").as_i64().unwrap_or(1);
        let taken =
            store::count_overlapping(db, "bookings", service_id, starts_at, ends_at, write.record_id, CANCELLED)?;
        if taken >= capacity {
            return Err(WriteError::Conflict {
                code: "slot_full",
                message: format!("this slot already has {taken} of {capacity} attendees for the service"),
            });
        }
    }
    Ok(Derived { ref_id: Some(service_id.to_string()), starts_at: Some(starts_at), ends_at: Some(ends_at) })
}

pub static BOOKINGS: ModuleSpec = ModuleSpec {
    name: "bookings",
    singular: "booking",
    fields: &FIELDS,
    status_of: |data: &Map<String, Value>| value(data, "status").as_str().unwrap_or("pending").to_string(),
    search: &["client_name", "client_email"],
    unique: None,
    on_write: Some(check_slot),
    present: None,
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &BOOKINGS)
}
