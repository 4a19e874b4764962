//! `GET /api/status`: whether the app can do its job, for operators — not a
//! Kubernetes probe (a database outage must not restart every pod).
//!
//! `report` builds the answer from check results and is tested natively;
//! `component` runs the checks inside Spin, each within its own budget.

pub mod report;

#[cfg(target_arch = "wasm32")]
mod chain;
#[cfg(target_arch = "wasm32")]
mod component;
