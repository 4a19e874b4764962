//! The docs component: the OpenAPI document at `/api/openapi.json` and a
//! Swagger UI page that renders it at `/api/docs`, every byte embedded at
//! build time (build.rs). Like the probes it imports nothing — no WASI, no
//! Spin capability — so the contract can be read even when nothing else
//! works. `routes` holds the logic and is tested natively; `component`
//! adapts it to `fermyon:spin/inbound-http`.

pub mod routes;

#[cfg(target_arch = "wasm32")]
mod component;
