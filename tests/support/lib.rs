//! Shared test support: the app's components in process on real databases,
//! the manifest, the built components, an embedded wasmtime for artifact
//! tests, and a real Spin process for end-to-end tests.

pub mod app;
pub mod browser;
pub mod capabilities;
pub mod checkout;
pub mod deploy;
pub mod embedded;
pub mod fake;
pub mod http;
pub mod in_process;
pub mod load;
pub mod manifest;
pub mod node;
pub mod postgres;
pub mod spin;
pub mod wasm;

use std::path::{Path, PathBuf};

/// The repository root (where `spin.toml` lives).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository root")
}

/// The version every component and the Spin application report.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Absolute path of a file given relative to the repository root.
pub fn repo_path(relative: impl AsRef<Path>) -> PathBuf {
    repo_root().join(relative)
}
