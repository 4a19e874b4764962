//! `build-component [--clippy] [--spin3] CRATE...` and
//! `build-component [--clippy] --spin3 --all`
//!
//! What every `[component.*.build] command` in spin.toml runs, so that an
//! entry there names only the crate it is built from (its folder under
//! `src/`). Everything else is derived:
//! - the package name, from `src/CRATE/Cargo.toml`;
//! - the wasm target, cargo profile and whether to componentize, from that
//!   file's `[package.metadata.component]` (default: `wasm32-wasip2`,
//!   `wasm`, cargo's component as is);
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
//!
//! `--spin3` builds for Spin 3.6 (containerd-shim-spin <= 0.24) instead of
//! Spin 4: the crates are compiled with `--cfg mewayz_spin3` (the store and
//! the HTTP entry choose spin-sdk 5.2 by it), in `target/spin3`, and written
//! to `target/spin3/components/CRATE.wasm`. With `--all` it builds every
//! component spin.toml builds and writes `target/spin3/spin.toml`: spin.toml
//! with those sources, and `executor = { type = "wasip3-unstable" }` on the
//! routes of every component that exports Spin 3.6's WASI P3 handler (Spin 4
//! refuses that executor, Spin 3.6 needs it). `spin up -f
//! target/spin3/spin.toml` then runs the app on Spin 3.6.

use std::{
    collections::BTreeMap,
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};
use mewayz_manifest::ComponentCrate;
use wit_component::ComponentEncoder;

const USAGE: &str =
    "usage: build-component [--clippy] [--spin3] CRATE... (a folder under src/, e.g. accounts) | --spin3 --all";

/// Spin 3.6's WASI P3 handler (spin-sdk 5.2 `wasip3-unstable`).
const SPIN3_P3_HANDLER: &str = "wasi:http/handler@0.3.0-rc-2026-01-06";

/// Where build-component writes a component crate's wasm.
fn output(component: &ComponentCrate, generation: Generation) -> PathBuf {
    generation.out_dir().join("components").join(format!("{}.wasm", component.folder))
}

/// Which Spin the components are built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    /// Spin 4 (containerd-shim-spin 0.25): the default.
    Spin4,
    /// Spin 3.6 (containerd-shim-spin <= 0.24): `--spin3`.
    Spin3,
}

impl Generation {
    /// Where its components (and, for Spin 3.6, its manifest) go.
    fn out_dir(self) -> &'static Path {
        match self {
            Generation::Spin4 => Path::new("target"),
            Generation::Spin3 => Path::new("target/spin3"),
        }
    }

    /// Cargo's target directory for it: the Spin 3.6 build has its own, so
    /// that switching never rebuilds the other's.
    fn target_dir(self, target_dir: &Path) -> PathBuf {
        match self {
            Generation::Spin4 => target_dir.to_path_buf(),
            Generation::Spin3 => target_dir.join("spin3"),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let mut clippy = false;
    let mut all = false;
    let mut generation = Generation::Spin4;
    let mut crates = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--clippy" => clippy = true,
            "--spin3" => generation = Generation::Spin3,
            "--all" => all = true,
            flag if flag.starts_with('-') => bail!("unknown flag {flag:?}; {USAGE}"),
            _ => crates.push(arg),
        }
    }
    let root = std::env::current_dir()?;
    let manifest = if all {
        ensure!(crates.is_empty() && generation == Generation::Spin3, "{USAGE}");
        let manifest = Manifest::read(&root)?;
        crates = manifest.crates();
        Some(manifest)
    } else {
        None
    };
    ensure!(!crates.is_empty(), "{USAGE}");
    let components = crates
        .iter()
        .map(|c| ComponentCrate::load(&root, c).map_err(|e| anyhow::anyhow!("{e}; {USAGE}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target_dir = generation.target_dir(&target_dir);
    if clippy {
        return lint(&components, generation, &target_dir);
    }
    for component in &components {
        build(component, &root, &target_dir, generation)?;
    }
    if let Some(manifest) = manifest {
        manifest.write_spin3(&root)?;
    }
    Ok(())
}

/// spin.toml, as the source of the Spin 3.6 build's manifest.
struct Manifest(toml::Table);

impl Manifest {
    fn read(root: &Path) -> anyhow::Result<Manifest> {
        let text = fs::read_to_string(root.join("spin.toml")).context("reading spin.toml")?;
        Ok(Manifest(toml::from_str(&text).context("parsing spin.toml")?))
    }

    fn components(&self) -> impl Iterator<Item = (&String, &toml::Value)> {
        self.0.get("component").and_then(toml::Value::as_table).into_iter().flatten()
    }

    /// The crate each component is built from, once each.
    fn crates(&self) -> Vec<String> {
        let mut crates: Vec<String> = self.components().filter_map(|(_, entry)| built_from(entry)).collect();
        crates.sort();
        crates.dedup();
        crates
    }

    /// Writes `target/spin3/spin.toml`: sources from the Spin 3.6 build,
    /// build commands that rebuild it, and the `wasip3-unstable` executor
    /// for the components that need it.
    fn write_spin3(mut self, root: &Path) -> anyhow::Result<()> {
        let out = Generation::Spin3.out_dir();
        let mut p3 = Vec::new();
        let components = self.0.get_mut("component").and_then(toml::Value::as_table_mut).context("no components")?;
        for (id, entry) in components.iter_mut() {
            let Some(crate_dir) = built_from(entry) else { bail!("component {id} is not built by build-component") };
            let entry = entry.as_table_mut().context("a component is a table")?;
            entry.insert("source".into(), format!("components/{crate_dir}.wasm").into());
            let wasm = fs::read(root.join(out).join("components").join(format!("{crate_dir}.wasm")))?;
            if exports(&wasm, SPIN3_P3_HANDLER)? {
                p3.push(id.clone());
            }
            if let Some(build) = entry.get_mut("build").and_then(toml::Value::as_table_mut) {
                let command = format!("cargo run --quiet --release -p build-component -- --spin3 {crate_dir}");
                build.insert("command".into(), command.into());
                build.insert("workdir".into(), "../..".into());
            }
        }
        for trigger in self
            .0
            .get_mut("trigger")
            .and_then(|t| t.get_mut("http"))
            .and_then(toml::Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let trigger = trigger.as_table_mut().context("a trigger is a table")?;
            if trigger.get("component").and_then(toml::Value::as_str).is_some_and(|id| p3.iter().any(|p| p == id)) {
                let mut executor = toml::Table::new();
                executor.insert("type".into(), "wasip3-unstable".into());
                trigger.insert("executor".into(), executor.into());
            }
        }
        let text = format!(
            "# Generated by `cargo run -p build-component -- --spin3 --all` from spin.toml:\n\
             # the app for Spin 3.6 (containerd-shim-spin <= 0.24). Do not edit.\n\n{}",
            toml::to_string(&self.0)?
        );
        let path = root.join(out).join("spin.toml");
        let partial = path.with_extension(format!("toml.{}.partial", std::process::id()));
        fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
        fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))
    }
}

/// The crate a component's build command builds: the argument of
/// `build-component -- CRATE`.
fn built_from(entry: &toml::Value) -> Option<String> {
    let command = entry.get("build")?.get("command")?.as_str()?;
    mewayz_manifest::built_from(command).map(String::from)
}

/// Whether the component `wasm` exports an instance named `name`.
fn exports(wasm: &[u8], name: &str) -> anyhow::Result<bool> {
    // parse_all walks nested modules and components too: only the outer
    // component's exports count.
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    if export?.name.name == name {
                        return Ok(true);
                    }
                }
            }
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(false)
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn add_target(target: &str) {
    // rustup may be absent (a toolchain from elsewhere); cargo then says what is missing.
    let _ = Command::new("rustup").args(["-q", "target", "add", target]).status();
}

/// One clippy run per wasm target, over all of that target's crates.
fn lint(components: &[ComponentCrate], generation: Generation, target_dir: &Path) -> anyhow::Result<()> {
    let mut by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for component in components {
        by_target.entry(&component.target).or_default().push(&component.package);
    }
    for (target, packages) in by_target {
        add_target(target);
        let mut command = cargo();
        command.args(["clippy", "--quiet", "--locked", "--target", target]).env("CARGO_TARGET_DIR", target_dir);
        if generation == Generation::Spin3 {
            command.env("CARGO_ENCODED_RUSTFLAGS", "--cfg=mewayz_spin3");
        }
        for package in &packages {
            command.args(["--package", package]);
        }
        let status = command.args(["--", "-D", "warnings"]).status().context("running cargo clippy")?;
        ensure!(status.success(), "clippy found problems in {} for {target}", packages.join(", "));
    }
    Ok(())
}

fn build(component: &ComponentCrate, root: &Path, target_dir: &Path, generation: Generation) -> anyhow::Result<()> {
    let ComponentCrate { package, target, profile, .. } = component;
    add_target(target);
    let status = cargo()
        // The crate's library as a cdylib, whatever else its Cargo.toml
        // lists: feature crates are plain libraries natively (the OpenAPI
        // document links them; a cdylib there would clash with itself).
        .args(["rustc", "--quiet", "--locked", "--package", package, "--lib", "--crate-type", "cdylib"])
        .args(["--target", target, "--profile", profile])
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags(target, root, target_dir, generation)?)
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
    write_atomically(&root.join(output(component, generation)), &bytes)
}
/// Flags for the wasm build, as cargo's `\x1f`-separated list.
fn rustflags(target: &str, root: &Path, target_dir: &Path, generation: Generation) -> anyhow::Result<OsString> {
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
    // The toolchain's own sources (the standard library's, where rust-src
    // is installed) are named by where rustup put them: remapped too.
    remap(&sysroot(root)?, "/rustc-sysroot");
    if let Some(cargo_home) = &cargo_home {
        remap(cargo_home, "/cargo");
    }
    remap(root, "/mewayz");
    remap(target_dir, "/target");
    if generation == Generation::Spin3 {
        flags.push("--cfg=mewayz_spin3".into());
    }
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
    Ok(encoded)
}

/// The sysroot of the toolchain cargo builds with (rust-toolchain.toml's).
fn sysroot(root: &Path) -> anyhow::Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output =
        Command::new(rustc).args(["--print", "sysroot"]).current_dir(root).output().context("running rustc")?;
    ensure!(output.status.success(), "rustc --print sysroot: {}", String::from_utf8_lossy(&output.stderr));
    Ok(PathBuf::from(String::from_utf8(output.stdout).context("rustc's sysroot is not UTF-8")?.trim()))
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
