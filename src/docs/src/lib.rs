//! The docs component: the OpenAPI document at `/api/openapi.json` and a
//! Swagger UI page that renders it at `/api/docs`, every byte embedded at
//! build time (build.rs). Like the probes it imports nothing — no WASI, no
//! Spin capability — so the contract can be read even when nothing else
//! works. `routes` holds the logic and is tested natively; `component`
//! adapts it to `fermyon:spin/inbound-http`.
//!
//! Its entry is not the feature components' `mewayz_api::export_service!`:
//! that is a WASI P3 handler, which imports WASI. Like the probe, this one
//! exports Spin's import-free inbound-http interface (docs/architecture.md,
//! "Why the probe is built this way").

pub mod routes;

#[cfg(target_arch = "wasm32")]
mod component;
