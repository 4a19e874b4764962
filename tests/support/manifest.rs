//! The repository's spin.toml (see the `mewayz-manifest` crate), read once,
//! and its components, built once per test process.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::OnceLock,
};

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

/// The built wasm of a component.
pub fn component_wasm(component: &str) -> Vec<u8> {
    build_components();
    let path = manifest().wasm_path(repo_root(), component);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The crate a component's build command builds: the argument of
/// `build-component -- CRATE`.
pub fn built_from(entry: &toml::Table) -> Option<&str> {
    let command = entry.get("build")?.get("command")?.as_str()?;
    let (_, args) = command.split_once("build-component -- ")?;
    let mut words = args.split_whitespace();
    let crate_dir = words.next()?;
    words.next().is_none().then_some(crate_dir)
}

/// Workspace crates by folder (`src/api`) with the folders of the workspace
/// crates each depends on to build (normal and build dependencies), as
/// `cargo metadata` reports them.
pub fn workspace_crates() -> BTreeMap<String, Vec<String>> {
    let output = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(repo_root())
        .output()
        .expect("running cargo metadata");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let folder = |path: &str| {
        Path::new(path).strip_prefix(repo_root()).unwrap_or(Path::new(path)).to_string_lossy().into_owned()
    };
    let mut crates = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = package["manifest_path"].as_str().expect("manifest_path");
        let dir = folder(Path::new(manifest).parent().expect("a crate folder").to_str().expect("UTF-8 path"));
        let deps = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|dep| matches!(dep["kind"].as_str(), None | Some("build")))
            .filter_map(|dep| dep["path"].as_str().map(folder))
            .collect();
        crates.insert(dir, deps);
    }
    crates
}

/// What a component's `watch` list must hold so that `spin watch` rebuilds it
/// whenever code it is built from changes: `<folder>/**/*` for its crate and
/// every workspace crate it depends on, directly or not.
pub fn expected_watch(crate_dir: &str, crates: &BTreeMap<String, Vec<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![format!("src/{crate_dir}")];
    while let Some(dir) = todo.pop() {
        if seen.insert(dir.clone()) {
            todo.extend(crates.get(&dir).into_iter().flatten().cloned());
        }
    }
    seen.into_iter().map(|dir| format!("{dir}/**/*")).collect()
}

/// How a component's entry departs from the crate it is built from: its
/// source is not that crate's output, or its `watch` list misses a crate it
/// depends on or names one under `src/` it does not.
pub fn build_problems(id: &str, entry: &toml::Table, crates: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let Some(crate_dir) = built_from(entry) else {
        return vec![format!("{id}: build command is not `cargo run ... -p build-component -- CRATE`")];
    };
    let mut problems = Vec::new();
    if !crates.contains_key(&format!("src/{crate_dir}")) {
        problems.push(format!("{id}: src/{crate_dir} is not a workspace crate"));
    }
    let output = format!("target/components/{crate_dir}.wasm");
    if entry.get("source").and_then(|s| s.as_str()) != Some(output.as_str()) {
        problems.push(format!("{id}: source must be {output}, what build-component writes"));
    }
    let expected = expected_watch(crate_dir, crates);
    let watched: BTreeSet<String> = entry["build"]
        .get("watch")
        .and_then(|w| w.as_array())
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str().map(String::from))
        .collect();
    for missing in expected.difference(&watched) {
        problems.push(format!("{id}: watch misses {missing:?}, code the component is built from"));
    }
    for extra in watched.iter().filter(|w| w.starts_with("src/") && !expected.contains(*w)) {
        problems.push(format!("{id}: watch names {extra:?}, which the component is not built from"));
    }
    problems
}

/// The component Spin routes `path` to (exact beats wildcard, longest wins).
pub fn component_serving(path: &str) -> Option<String> {
    let parameter = regex::Regex::new(":[a-z_]+").unwrap();
    let mut best: Option<(usize, bool, String)> = None;
    for trigger in &manifest().trigger.http {
        let Some(route) = trigger.public_route() else { continue };
        let (prefix, wildcard) = match route.strip_suffix("/...") {
            Some(p) => (p, true),
            None => (route, false),
        };
        let pattern = format!(
            "^{}{}$",
            parameter.replace_all(&regex::escape(prefix), "[^/]+"),
            if wildcard { "(/.*)?" } else { "" }
        );
        if regex::Regex::new(&pattern).unwrap().is_match(path) {
            let rank = (prefix.len(), !wildcard, trigger.component.clone());
            if best.as_ref().is_none_or(|b| (rank.1, rank.0) > (b.1, b.0)) {
                best = Some(rank);
            }
        }
    }
    best.map(|(_, _, c)| c)
}
