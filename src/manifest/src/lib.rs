//! `spin.toml` as the tools and tests see it, and `spin build` without Spin:
//! every component built with its own `[component.*.build] command`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use serde::Deserialize;

pub mod crates;
pub mod route;
mod subset;

pub use crates::ComponentCrate;
pub use route::Route;
pub use subset::subset;

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

/// The crate folder a build command builds: the one argument of
/// `cargo run ... -p build-component -- CRATE`.
pub fn built_from(command: &str) -> Option<&str> {
    let (_, args) = command.split_once("build-component -- ")?;
    let mut words = args.split_whitespace();
    let crate_dir = words.next()?;
    words.next().is_none().then_some(crate_dir)
}

/// Where the Spin 3.6 build writes its manifest, relative to the root.
pub const SPIN3_MANIFEST: &str = "target/spin3/spin.toml";

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

    /// Every public route with the component it serves.
    pub fn public_routes(&self) -> Result<Vec<(Route, &str)>, String> {
        self.trigger
            .http
            .iter()
            .filter_map(|t| t.public_route().map(|r| (r, t.component.as_str())))
            .map(|(r, c)| Route::parse(r).map(|r| (r, c)).ok_or_else(|| format!("{r:?} is not a route")))
            .collect()
    }

    /// The component Spin routes `path` to, if any.
    pub fn component_serving(&self, path: &str) -> Option<&str> {
        let routes = self.public_routes().ok()?;
        route::serving(routes.iter().map(|(r, c)| (r, *c)), path).map(|(_, c)| c)
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
    pub fn source(&self, component: &str) -> Result<&str, String> {
        let entry = self.component.get(component).ok_or_else(|| format!("spin.toml has no component {component}"))?;
        entry
            .get("source")
            .and_then(toml::Value::as_str)
            .ok_or_else(|| format!("component {component} has no local `source` path"))
    }

    /// The crate a component is built from (its build command's argument).
    pub fn crate_of(&self, component: &str) -> Result<&str, String> {
        let entry = self.component.get(component).ok_or_else(|| format!("spin.toml has no component {component}"))?;
        entry
            .get("build")
            .and_then(|b| b.get("command"))
            .and_then(toml::Value::as_str)
            .and_then(built_from)
            .ok_or_else(|| format!("component {component}: its build command is not `... -p build-component -- CRATE`"))
    }

    /// The components whose build `watch` list matches `file` (a path
    /// relative to the root): those a change to it may change. The lists are
    /// derived from each crate's dependencies (`generate`), so a component
    /// that does not watch a file cannot be changed by it.
    pub fn watching(&self, file: &str) -> Result<Vec<&str>, String> {
        let mut watching = Vec::new();
        for (id, entry) in &self.component {
            let patterns = entry.get("build").and_then(|b| b.get("watch")).and_then(toml::Value::as_array);
            for pattern in patterns.into_iter().flatten().filter_map(toml::Value::as_str) {
                let pattern =
                    glob::Pattern::new(pattern).map_err(|e| format!("component {id}: watch {pattern:?}: {e}"))?;
                if pattern.matches(file) {
                    watching.push(id.as_str());
                    break;
                }
            }
        }
        Ok(watching)
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

    /// Builds every component for Spin 3.6 under `root` and writes that
    /// build's manifest, `target/spin3/spin.toml` (see build-component).
    pub fn build_spin3(root: &Path) -> Result<PathBuf, String> {
        let command = "cargo run --quiet --release -p build-component -- --spin3 --all";
        let status = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(root)
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .map_err(|e| format!("running {command:?}: {e}"))?;
        if !status.success() {
            return Err(format!("the Spin 3.6 build failed ({status}): {command}"));
        }
        Ok(root.join(SPIN3_MANIFEST))
    }

    /// Absolute path of a component's built wasm under `root`.
    pub fn wasm_path(&self, root: &Path, component: &str) -> Result<PathBuf, String> {
        Ok(root.join(self.source(component)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changes_the_components_that_watch_it() {
        let manifest: Manifest = toml::from_str(
            r#"
            application = { name = "app", version = "1.0.0" }
            trigger = { http = [] }
            [component.members.build]
            command = "cargo run -p build-component -- members"
            watch = ["src/members/**/*", "src/api/**/*"]
            [component.probe.build]
            command = "cargo run -p build-component -- probe"
            watch = ["src/probe/**/*", "wit/probe/*.wit"]
            "#,
        )
        .unwrap();
        assert_eq!(manifest.watching("src/members/src/lib.rs"), Ok(vec!["members"]));
        assert_eq!(manifest.watching("src/api/Cargo.toml"), Ok(vec!["members"]));
        assert_eq!(manifest.watching("wit/probe/world.wit"), Ok(vec!["probe"]));
        assert_eq!(
            manifest.watching("wit/probe/deps/x.wit"),
            Ok(vec!["probe"]),
            "* spans folders: more rebuilt, never fewer"
        );
        assert_eq!(manifest.watching("src/membership/src/lib.rs"), Ok(vec![]));
        assert_eq!(manifest.watching("README.md"), Ok(vec![]));
    }
}
