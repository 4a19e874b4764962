//! How a component crate is built, from its Cargo.toml's
//! `[package.metadata.component]`: what build-component builds and what
//! update-plan records beside each digest.

use std::path::Path;

use serde::Deserialize;

/// A component crate under `src/` and its build settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentCrate {
    /// Its folder under `src/` (`contacts`).
    pub folder: String,
    /// Its package name (`mewayz-contacts`).
    pub package: String,
    /// The wasm target it is compiled for.
    pub target: String,
    /// The cargo profile it is compiled with.
    pub profile: String,
    /// Whether the core module is made a component (with wit-component).
    pub componentize: bool,
    /// WIT folders its bindings are generated from (watched; the bindings
    /// macro reads them).
    pub wit: Vec<String>,
}

#[derive(Deserialize)]
struct CargoToml {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    component: Settings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Settings {
    target: String,
    profile: String,
    componentize: bool,
    wit: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { target: "wasm32-wasip2".into(), profile: "wasm".into(), componentize: false, wit: Vec::new() }
    }
}

impl ComponentCrate {
    /// Reads `<root>/src/<folder>/Cargo.toml`.
    pub fn load(root: &Path, folder: &str) -> Result<ComponentCrate, String> {
        if folder.is_empty() || !folder.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("{folder:?} is not a crate folder name"));
        }
        let path = root.join("src").join(folder).join("Cargo.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let cargo: CargoToml = toml::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        let Settings { target, profile, componentize, wit } = cargo.package.metadata.component;
        Ok(ComponentCrate {
            folder: folder.to_string(),
            package: cargo.package.name,
            target,
            profile,
            componentize,
            wit,
        })
    }
}
