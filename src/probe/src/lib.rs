//! The probe component: a pure function from request to response.
//!
//! It imports nothing — no WASI, no clock, no Spin capability — so nothing the
//! app depends on can make a probe fail or hang. `routes` holds the logic and
//! is tested natively; `component` adapts it to `fermyon:spin/inbound-http`.
//!
//! Its entry is not the feature components' `mewayz_api::export_service!`:
//! that is a WASI P3 handler, which imports WASI (docs/architecture.md,
//! "Why the probe is built this way").

pub mod routes;

#[cfg(target_arch = "wasm32")]
mod component;
