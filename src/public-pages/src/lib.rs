//! Public link-in-bio pages. `page` renders HTML from a site's data (tested
//! natively); `component` serves `/p/{slug}` and `/p/{slug}/l/{link_id}`.

pub mod page;

#[cfg(target_arch = "wasm32")]
mod component;
