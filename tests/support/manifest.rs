//! The repository's spin.toml (see the `mewayz-manifest` crate), read once,
//! and its components, built once per test process.

use std::sync::OnceLock;

pub use mewayz_manifest::{HttpTrigger, Manifest};

use crate::repo_root;

/// The parsed `spin.toml`.
pub fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| Manifest::load(repo_root()).unwrap_or_else(|e| panic!("{e}")))
}

/// Builds every component as `spin build` would, once per test process, so
/// a test never sees a stale component. tests/run.sh builds them once before
/// the tests and sets `MEWAYZ_COMPONENTS_BUILT=1` to skip this (each build
/// command costs a cargo start-up, and nextest runs each test in a process).
pub fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var("MEWAYZ_COMPONENTS_BUILT").as_deref() != Ok("1") {
            manifest().build_all(repo_root()).unwrap_or_else(|e| panic!("{e}"));
        }
    });
}

/// The Spin 3.6 build of every component and its manifest
/// (`target/spin3/spin.toml`), built once per test process like
/// [`build_components`]. Returns the manifest.
pub fn build_components_spin3() -> std::path::PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var("MEWAYZ_COMPONENTS_BUILT").as_deref() != Ok("1") {
            Manifest::build_spin3(repo_root()).unwrap_or_else(|e| panic!("{e}"));
        }
    });
    repo_root().join(mewayz_manifest::SPIN3_MANIFEST)
}

/// The built wasm of a component.
pub fn component_wasm(component: &str) -> Vec<u8> {
    build_components();
    let path = manifest().wasm_path(repo_root(), component).unwrap();
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The crate a component's build command builds: the argument of
/// `build-component -- CRATE`.
pub fn built_from(entry: &toml::Table) -> Option<&str> {
    mewayz_manifest::built_from(entry.get("build")?.get("command")?.as_str()?)
}

/// The component Spin routes `path` to (exact beats wildcard, longest wins).
pub fn component_serving(path: &str) -> Option<String> {
    manifest().component_serving(path).map(String::from)
}
