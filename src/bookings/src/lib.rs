//! Bookings of services: a module of the resource core. A booking that would
//! put more than the service's `max_attendees` into an overlapping slot is
//! refused with 409 — also under concurrent requests, because the check and
//! the write share a transaction that holds the service row (PostgreSQL
//! `FOR UPDATE`) or the write lock (SQLite `BEGIN IMMEDIATE`).

use mewayz_api::http::{Request, Response};
use mewayz_resources::{
    Field, Kind, ModuleSpec, WriteError,
    spec::{Derived, HookResult, OnWrite, WriteContext, value},
    store,
};
use mewayz_store::{Db, StoreError};
use mewayz_time::Timestamp;
use serde_json::{Map, Value, json};

const CANCELLED: &str = "cancelled";

static FIELDS: [Field; 6] = [
    Field::required("service_id", Kind::Ref("services")),
    Field::required("client_name", Kind::Text { max: 200 }),
    Field::required("client_email", Kind::Email),
    Field::required("starts_at", Kind::DateTime),
    Field::with_default("status", Kind::OneOf(&["pending", "confirmed", CANCELLED, "completed"]), || json!("pending")),
    Field::optional("notes", Kind::Text { max: 2000 }),
];

fn check_slot<'a>(db: &'a Db, write: &'a WriteContext<'a>) -> HookResult<'a> {
    Box::pin(check_slot_async(db, write))
}

async fn check_slot_async(db: &Db, write: &WriteContext<'_>) -> Result<Derived, WriteError> {
    // Both are required fields, validated before the hook runs.
    let service_id =
        value(write.data, "service_id").as_str().ok_or_else(|| WriteError::invalid("service_id", "is required"))?;
    let service = store::get_for_update(db, "services", write.workspace_id, service_id)
        .await?
        .ok_or_else(|| WriteError::invalid("service_id", "no such service in this workspace"))?;
    let starts_at = value(write.data, "starts_at")
        .as_str()
        .and_then(Timestamp::parse_rfc3339)
        .ok_or_else(|| WriteError::invalid("starts_at", "must be an RFC 3339 date-time"))?
        .unix_seconds();
    // A stored service always has both (one is required, the other has a
    // default): one without is corrupt data, not a 60-minute, one-person slot.
    let minutes = service_number(&service, "duration_minutes")?;
    let ends_at = starts_at + minutes * 60;
    if value(write.data, "status").as_str() != Some(CANCELLED) {
        let capacity = service_number(&service, "max_attendees")?;
        let taken =
            store::count_overlapping(db, "bookings", service_id, starts_at, ends_at, write.record_id, CANCELLED)
                .await?;
        if taken >= capacity {
            return Err(WriteError::Conflict {
                code: "slot_full",
                message: format!("this slot already has {taken} of {capacity} attendees for the service"),
            });
        }
    }
    Ok(Derived { ref_id: Some(service_id.to_string()), starts_at: Some(starts_at), ends_at: Some(ends_at) })
}

/// An integer field of a stored service.
fn service_number(service: &store::Record, name: &str) -> Result<i64, WriteError> {
    value(&service.data, name)
        .as_i64()
        .ok_or_else(|| WriteError::Store(StoreError::Corrupt(format!("service {} has no integer {name}", service.id))))
}

pub static BOOKINGS: ModuleSpec = ModuleSpec {
    name: "bookings",
    singular: "booking",
    fields: &FIELDS,
    status_of: |data: &Map<String, Value>| value(data, "status").as_str().unwrap_or("pending").to_string(),
    search: &["client_name", "client_email"],
    unique: None,
    on_write: Some(OnWrite {
        check: check_slot,
        rules: "service_id must name a service of this workspace (422); a slot already holding the service's \
                max_attendees is refused (409)",
    }),
    present: None,
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &BOOKINGS).await
}
