//! `build-component [--clippy] CRATE...`
//!
//! What every `[component.*.build] command` in spin.toml runs, so that an
//! entry there names only the crate it is built from (its folder under
//! `src/`). Everything else is derived:
//! - the package name, from `src/CRATE/Cargo.toml`;
//! - the wasm target, cargo profile and whether to componentize, from that
//!   file's `[package.metadata.component]` (default: `wasm32-wasip2`,
//!   `release`, cargo's component as is);
//! - the output, `target/components/CRATE.wasm`.
//!
//! For each crate it
//! 1. adds the wasm target with rustup (a no-op when present);
//! 2. builds the crate with cargo, remapping the checkout, cargo home and
//!    target paths out of the output, so the same source gives the same bytes
//!    in any directory: a component's sha256 changes only when it does;
//! 3. for a core module (`componentize = true`, the zero-import probe) wraps it
//!    into a component with wit-component — what `wasm-tools component new`
//!    does — else copies the component cargo made;
//! 4. writes the file atomically, so `spin up` never reads half a component.
//!
//! With `--clippy` it runs clippy (`-D warnings`) on the crates for their
//! wasm targets instead: the lint step of the test command.

use std::{
    collections::BTreeMap,
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};
use serde::Deserialize;
use wit_component::ComponentEncoder;

const USAGE: &str = "usage: build-component [--clippy] CRATE... (a folder under src/, e.g. accounts)";

/// How one component crate is built, read from its Cargo.toml.
#[derive(Debug)]
struct Component {
    crate_dir: String,
    package: String,
    target: String,
    profile: String,
    componentize: bool,
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings { target: "wasm32-wasip2".into(), profile: "release".into(), componentize: false }
    }
}

impl Component {
    fn load(root: &Path, crate_dir: &str) -> anyhow::Result<Component> {
        ensure!(
            !crate_dir.is_empty() && crate_dir.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{crate_dir:?} is not a crate folder name; {USAGE}"
        );
        let path = root.join("src").join(crate_dir).join("Cargo.toml");
        let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let cargo: CargoToml = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let Settings { target, profile, componentize } = cargo.package.metadata.component;
        Ok(Component { crate_dir: crate_dir.to_string(), package: cargo.package.name, target, profile, componentize })
    }

    fn out(&self) -> PathBuf {
        Path::new("target/components").join(format!("{}.wasm", self.crate_dir))
    }
}

fn main() -> anyhow::Result<()> {
    let mut clippy = false;
    let mut crates = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--clippy" => clippy = true,
            flag if flag.starts_with('-') => bail!("unknown flag {flag:?}; {USAGE}"),
            _ => crates.push(arg),
        }
    }
    ensure!(!crates.is_empty(), "{USAGE}");
    let root = std::env::current_dir()?;
    let components = crates.iter().map(|c| Component::load(&root, c)).collect::<anyhow::Result<Vec<_>>>()?;
    if clippy {
        return lint(&components);
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    for component in &components {
        build(component, &root, &target_dir)?;
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn add_target(target: &str) {
    // rustup may be absent (a toolchain from elsewhere); cargo then says what is missing.
    let _ = Command::new("rustup").args(["-q", "target", "add", target]).status();
}

/// One clippy run per wasm target, over all of that target's crates.
fn lint(components: &[Component]) -> anyhow::Result<()> {
    let mut by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for component in components {
        by_target.entry(&component.target).or_default().push(&component.package);
    }
    for (target, packages) in by_target {
        add_target(target);
        let mut command = cargo();
        command.args(["clippy", "--quiet", "--locked", "--target", target]);
        for package in &packages {
            command.args(["--package", package]);
        }
        let status = command.args(["--", "-D", "warnings"]).status().context("running cargo clippy")?;
        ensure!(status.success(), "clippy found problems in {} for {target}", packages.join(", "));
    }
    Ok(())
}

fn build(component: &Component, root: &Path, target_dir: &Path) -> anyhow::Result<()> {
    let Component { package, target, profile, .. } = component;
    add_target(target);
    let status = cargo()
        // The crate's library as a cdylib, whatever else its Cargo.toml
        // lists: feature crates are plain libraries natively (the OpenAPI
        // document links them; a cdylib there would clash with itself).
        .args(["rustc", "--quiet", "--locked", "--package", package, "--lib", "--crate-type", "cdylib"])
        .args(["--target", target, "--profile", profile])
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags(target, root, target_dir))
        .status()
        .context("running cargo")?;
    ensure!(status.success(), "cargo rustc of {package} failed");

    let profile_dir = if profile == "dev" { "debug" } else { profile };
    let artifact = target_dir.join(target).join(profile_dir).join(format!("{}.wasm", package.replace('-', "_")));
    let wasm = fs::read(&artifact).with_context(|| format!("reading {}", artifact.display()))?;
    let bytes = if component.componentize {
        ComponentEncoder::default()
            .module(&wasm)
            .with_context(|| format!("{} has no component type information", artifact.display()))?
            .validate(true)
            .encode()
            .with_context(|| format!("encoding {} as a component", artifact.display()))?
    } else {
        wasm
    };
    write_atomically(&root.join(component.out()), &bytes)
}
/// Flags for the wasm build, as cargo's `\x1f`-separated list.
fn rustflags(target: &str, root: &Path, target_dir: &Path) -> OsString {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut flags: Vec<OsString> = Vec::new();
    let mut remap = |from: &Path, to: &str| {
        let mut flag = OsString::from("--remap-path-prefix=");
        flag.push(from);
        flag.push("=");
        flag.push(to);
        flags.push(flag);
    };
    // rustc applies the last matching remap: the most specific comes last.
    if let Some(cargo_home) = &cargo_home {
        remap(cargo_home, "/cargo");
    }
    remap(root, "/mewayz");
    remap(target_dir, "/target");
    if target == "wasm32-unknown-unknown" {
        // Spin instantiates the probe for every request: a 64 KiB stack
        // instead of 1 MiB keeps its linear memory, and instantiation, small.
        flags.push("-Clink-arg=-zstack-size=65536".into());
    }
    let mut encoded = OsString::new();
    for (i, flag) in flags.iter().enumerate() {
        if i > 0 {
            encoded.push("\u{1f}");
        }
        encoded.push(flag);
    }
    encoded
}

/// Writes next to the target and renames; concurrent builds never share a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = path.with_extension(format!("wasm.{}.partial", std::process::id()));
    fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}
