//! `GET /api/status`: whether the app can do its job, for operators — not a
//! Kubernetes probe (a database outage must not restart every pod).
//!
//! `report` builds the answer from check results, `answer` runs the checks
//! through a [`answer::Host`], each within its own budget; `component` is
//! that host inside Spin.

pub mod answer;
pub mod report;

#[cfg(target_arch = "wasm32")]
mod chain;
#[cfg(target_arch = "wasm32")]
mod component;
