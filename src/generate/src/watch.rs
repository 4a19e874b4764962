//! spin.toml's `watch` lists, so that `spin watch` (and `spin up --build`
//! after an edit) rebuilds a component whenever code it is built from
//! changes.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::Output;

/// spin.toml with every component's `build.watch` written from the crates.
pub fn spin_toml(root: &Path) -> anyhow::Result<Output> {
    let path = root.join("spin.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut document: toml_edit::DocumentMut = text.parse().with_context(|| format!("parsing {}", path.display()))?;
    let crates = workspace_crates(root)?;
    let components = document
        .get_mut("component")
        .and_then(toml_edit::Item::as_table_like_mut)
        .context("spin.toml has no [component.*]")?;
    for (id, component) in components.iter_mut() {
        let command = component.get("build").and_then(|b| b.get("command")).and_then(toml_edit::Item::as_str);
        let Some(crate_dir) = command.and_then(mewayz_manifest::built_from).map(String::from) else {
            bail!("component {id}: its build command is not `cargo run ... -p build-component -- CRATE`")
        };
        let source = format!("target/components/{crate_dir}.wasm");
        if component.get("source").and_then(toml_edit::Item::as_str) != Some(source.as_str()) {
            bail!("component {id}: its source must be {source}, what build-component writes");
        }
        let build = component.get_mut("build").and_then(toml_edit::Item::as_table_like_mut);
        let Some(build) = build else { bail!("component {id} has no build table") };
        let mut list = toml_edit::Array::new();
        for entry in watch_list(&crates, &crate_dir).with_context(|| format!("component {id}"))? {
            list.push(entry);
        }
        build.insert("watch", toml_edit::value(list));
    }
    Ok(Output { path: "spin.toml".into(), content: document.to_string() })
}

/// A workspace crate as `cargo metadata` and its Cargo.toml tell.
struct Crate {
    /// Folders (`src/api`) of the workspace crates it needs to build.
    depends_on: Vec<String>,
    /// Folders of WIT files its bindings are generated from.
    wit: Vec<String>,
}

/// `<crate>/**/*` for the crate and every workspace crate it is built from,
/// directly or not (the crate itself first), then its WIT files.
fn watch_list(crates: &BTreeMap<String, Crate>, crate_dir: &str) -> anyhow::Result<Vec<String>> {
    let own = format!("src/{crate_dir}");
    let Some(component) = crates.get(&own) else { bail!("{own} is not a workspace crate") };
    let mut seen = BTreeSet::new();
    let mut todo = component.depends_on.clone();
    while let Some(dir) = todo.pop() {
        if dir != own && seen.insert(dir.clone()) {
            todo.extend(crates.get(&dir).into_iter().flat_map(|c| c.depends_on.iter().cloned()));
        }
    }
    let mut wit: BTreeSet<&String> = component.wit.iter().collect();
    for dir in &seen {
        wit.extend(crates.get(dir).into_iter().flat_map(|c| &c.wit));
    }
    Ok(std::iter::once(own.clone())
        .chain(seen)
        .map(|dir| format!("{dir}/**/*"))
        .chain(wit.into_iter().map(|dir| format!("{dir}/*.wit")))
        .collect())
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    manifest_path: PathBuf,
    dependencies: Vec<Dependency>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Dependency {
    kind: Option<String>,
    path: Option<PathBuf>,
    /// The platform it is for, e.g. `cfg(not(target_arch = "wasm32"))`.
    target: Option<String>,
}

/// Dependencies for native builds only (the native host the in-process
/// tests use) are never in a component.
fn reaches_the_wasm(dependency: &Dependency) -> bool {
    dependency.kind.as_deref() != Some("dev")
        && dependency.target.as_deref() != Some(r#"cfg(not(target_arch = "wasm32"))"#)
}

/// Workspace crates by folder, relative to the root.
fn workspace_crates(root: &Path) -> anyhow::Result<BTreeMap<String, Crate>> {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout).context("reading cargo metadata's answer")?;
    let root = root.canonicalize().with_context(|| format!("resolving {}", root.display()))?;
    let folder = |path: &Path| -> anyhow::Result<String> {
        let relative = path.strip_prefix(&root).with_context(|| format!("{} is outside the root", path.display()))?;
        relative.to_str().map(String::from).with_context(|| format!("{} is not UTF-8", relative.display()))
    };
    let mut crates = BTreeMap::new();
    for package in metadata.packages {
        let dir = folder(package.manifest_path.parent().context("a Cargo.toml has a folder")?)?;
        let mut depends_on = Vec::new();
        // Normal and build dependencies that reach the wasm.
        for dependency in package.dependencies.iter().filter(|d| reaches_the_wasm(d)) {
            if let Some(path) = &dependency.path {
                depends_on.push(folder(path)?);
            }
        }
        let wit = match package.metadata.as_ref().and_then(|m| m.get("component")).and_then(|c| c.get("wit")) {
            None => Vec::new(),
            Some(list) => serde_json::from_value::<Vec<String>>(list.clone())
                .with_context(|| format!("{dir}/Cargo.toml: [package.metadata.component] wit is a list of folders"))?,
        };
        crates.insert(dir, Crate { depends_on, wit });
    }
    Ok(crates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(depends_on: &[&str], wit: &[&str]) -> Crate {
        Crate {
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
            wit: wit.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_watch_list_names_the_crate_then_everything_it_is_built_from_then_its_wit() {
        let crates = BTreeMap::from([
            ("src/contacts".to_string(), krate(&["src/resources"], &[])),
            ("src/resources".to_string(), krate(&["src/api", "src/store"], &[])),
            ("src/api".to_string(), krate(&["src/store"], &["wit/api"])),
            ("src/store".to_string(), krate(&[], &[])),
            ("src/stranger".to_string(), krate(&[], &[])),
        ]);
        assert_eq!(
            watch_list(&crates, "contacts").unwrap(),
            ["src/contacts/**/*", "src/api/**/*", "src/resources/**/*", "src/store/**/*", "wit/api/*.wit"]
        );
        assert!(watch_list(&crates, "nothing").is_err());
    }
}
