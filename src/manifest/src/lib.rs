//! `spin.toml` as the tools and tests see it, and `spin build` without Spin:
//! every component built with its own `[component.*.build] command`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use serde::Deserialize;

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
    /// Reads `<root>/spin.toml`.
    pub fn load(root: &Path) -> Result<Manifest, String> {
        let path = root.join("spin.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))
    }

    /// The component served on exactly `route`.
    pub fn component_for_route(&self, route: &str) -> Option<&str> {
        self.trigger.http.iter().find(|t| t.public_route() == Some(route)).map(|t| t.component.as_str())
    }

    /// A component's routes; private ones shown as `(private)`.
    pub fn routes_of(&self, component: &str) -> Vec<String> {
        self.trigger
            .http
            .iter()
            .filter(|t| t.component == component)
            .map(|t| t.public_route().map_or_else(|| "(private)".to_string(), String::from))
            .collect()
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

    /// Runs every distinct build command once, through the shell, from `root`
    /// — what `spin build` does.
    pub fn build_all(&self, root: &Path) -> Result<(), String> {
        let mut commands: Vec<&str> =
            self.component.values().filter_map(|c| c.get("build")?.get("command")?.as_str()).collect();
        commands.sort_unstable();
        commands.dedup();
        for command in commands {
            let status = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(root)
                .status()
                .map_err(|e| format!("running build command {command:?}: {e}"))?;
            if !status.success() {
                return Err(format!("build command failed ({status}): {command}"));
            }
        }
        Ok(())
    }

    /// Absolute path of a component's built wasm under `root`.
    pub fn wasm_path(&self, root: &Path, component: &str) -> PathBuf {
        root.join(self.source(component))
    }
}
