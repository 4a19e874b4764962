//! The resource core of the business modules (bio sites, contacts, products,
//! services, bookings). A module is a [`ModuleSpec`]: its fields and their
//! rules, how a record's status is derived, what `q=` searches, and optional
//! hooks. The core validates input against the spec, stores records, and
//! serves the same routes for every module:
//!
//! `POST /` · `GET /` (limit, offset, q, status, tag) · `GET /stats` ·
//! `GET|PATCH|DELETE /{id}` under `/api/workspaces/{workspace_id}/<module>`,
//! with `stats` matched before `{id}` (the old template shadowed it).

mod handler;
pub mod spec;
pub mod store;
pub mod validate;

pub use handler::{open_db, serve};
pub use spec::{Field, Kind, ModuleSpec, WriteError};
