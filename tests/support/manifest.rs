//! Reads `spin.toml` and builds the components it names, exactly as `spin build` would.

use std::{collections::BTreeMap, process::Command, sync::OnceLock};

use serde::Deserialize;

use crate::repo_path;

#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub application: Application,
    #[serde(default)]
    pub variables: toml::Table,
    pub trigger: Triggers,
    pub component: BTreeMap<String, toml::Table>,
}

#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
pub struct Triggers {
    pub http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
pub struct HttpTrigger {
    pub route: toml::Value,
    pub component: String,
}

impl HttpTrigger {
    /// The public route, or `None` for a private (service-chaining only) route.
    pub fn public_route(&self) -> Option<&str> {
        self.route.as_str()
    }
}

impl Manifest {
    /// The component ids served on `route`.
    pub fn component_for_route(&self, route: &str) -> Option<&str> {
        self.trigger
            .http
            .iter()
            .find(|t| t.public_route() == Some(route))
            .map(|t| t.component.as_str())
    }

    /// The wasm file a component runs, relative to the repository root.
    pub fn source(&self, component: &str) -> &str {
        self.component[component]["source"]
            .as_str()
            .unwrap_or_else(|| panic!("component {component} has no local `source` path"))
    }

    /// The component's manifest keys other than its source and build settings:
    /// everything that grants it a capability.
    pub fn capabilities(&self, component: &str) -> Vec<&str> {
        self.component[component]
            .keys()
            .map(String::as_str)
            .filter(|key| !matches!(*key, "source" | "build" | "description"))
            .collect()
    }
}

/// The parsed `spin.toml`.
pub fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let path = repo_path("spin.toml");
        let text = std::fs::read_to_string(&path).expect("reading spin.toml");
        toml::from_str(&text).expect("spin.toml parses")
    })
}

/// Runs every distinct `[component.*.build] command` once per test process, as
/// `spin build` does (through the shell, from the repository root). Cargo makes
/// repeated builds no-ops, and it means a test never sees a stale component.
pub fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut commands: Vec<&str> = manifest()
            .component
            .values()
            .filter_map(|c| c.get("build")?.get("command")?.as_str())
            .collect();
        commands.sort_unstable();
        commands.dedup();
        for command in commands {
            let status = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(crate::repo_root())
                .status()
                .unwrap_or_else(|e| panic!("running build command {command:?}: {e}"));
            assert!(status.success(), "build command failed ({status}): {command}");
        }
    });
}

/// The built wasm of a component.
pub fn component_wasm(component: &str) -> Vec<u8> {
    build_components();
    let path = repo_path(manifest().source(component));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
