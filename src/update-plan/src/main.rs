//! `cargo run -p update-plan -- [--write] [--check] [--no-build] [--root DIR] [--base DIR]`
//!
//! Builds every component (with spin.toml's build commands), prints each
//! component's routes and the sha256 of its wasm, and compares them with the
//! committed `deploy/components.lock`: the components whose digest changed are
//! the only ones an update has to roll out (`spin registry push` stores one
//! content-addressed layer per component). `--write` records the new digests;
//! `--check` exits 1 when anything differs from the lock.
//!
//! The lock records the toolchain (`rustc -vV`) and each component's target:
//! a digest is only comparable with one built by the same toolchain for the
//! same target. A toolchain change changes every component; it is a commit
//! of its own that rewrites the lock and says so.
//!
//! `--base DIR` compares with the components built in another checkout
//! instead of the lock (both built here, by this toolchain): what an update
//! from DIR's source to ROOT's changes, whatever the lock says.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::{Context, bail};
use mewayz_manifest::{ComponentCrate, Manifest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const LOCK: &str = "deploy/components.lock";
const USAGE: &str = "usage: update-plan [--write] [--check] [--no-build] [--root DIR] [--base DIR]";

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct Lock {
    /// `rustc -vV`'s release and commit, e.g. "1.95.0 (59807616e 2026-04-14)".
    #[serde(default)]
    toolchain: String,
    components: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Entry {
    /// Empty in a lock from before targets were recorded: compares as changed.
    #[serde(default)]
    target: String,
    routes: Vec<String>,
    sha256: String,
}

#[derive(Debug, PartialEq)]
enum Change {
    Unchanged,
    Changed,
    New,
    Removed,
}

fn main() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let (mut write, mut check, mut build, mut root, mut base) = (false, false, true, std::env::current_dir()?, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => write = true,
            "--check" => check = true,
            "--no-build" => build = false,
            "--root" => root = PathBuf::from(args.next().context(USAGE)?),
            "--base" => base = Some(PathBuf::from(args.next().context(USAGE)?)),
            other => bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    if write && base.is_some() {
        bail!("--write records ROOT's build in ROOT's lock; it takes no --base. {USAGE}");
    }
    let now = built(&root, build)?;
    let (against, locked) = match &base {
        Some(base) => (format!("the build of {}", base.display()), built(base, build)?),
        None => (LOCK.to_string(), read_lock(&root.join(LOCK))?),
    };

    println!("toolchain: rustc {}", now.toolchain);
    let toolchain_changed = !locked.components.is_empty() && locked.toolchain != now.toolchain;
    if toolchain_changed {
        println!(
            "{against} was built by rustc {}: a toolchain change changes every component. Make it a commit of \
             its own that rewrites the lock (`cargo run -p update-plan -- --write`) and says so.",
            if locked.toolchain.is_empty() { "(unrecorded)" } else { &locked.toolchain }
        );
    }
    let mut ids: Vec<&String> = now.components.keys().chain(locked.components.keys()).collect();
    ids.sort();
    ids.dedup();
    println!("{:<18} {:<10} {:<16} {:<24} routes", "component", "change", "sha256", "target");
    let mut changed_routes = Vec::new();
    for id in ids {
        let (entry, change) = match (now.components.get(id), locked.components.get(id)) {
            (Some(new), Some(old)) if new.sha256 == old.sha256 && new.target == old.target => (new, Change::Unchanged),
            (Some(new), Some(_)) => (new, Change::Changed),
            (Some(new), None) => (new, Change::New),
            (None, Some(old)) => (old, Change::Removed),
            // `ids` holds the keys of the two maps and nothing else.
            (None, None) => continue,
        };
        let label = format!("{change:?}").to_lowercase();
        let short = entry.sha256.get(..16).unwrap_or(&entry.sha256);
        println!("{id:<18} {label:<10} {short:<16} {:<24} {}", entry.target, entry.routes.join(" "));
        if change != Change::Unchanged {
            changed_routes.push(format!("{id} ({})", entry.routes.join(", ")));
        }
    }
    println!();
    if changed_routes.is_empty() {
        println!("No component changed since {against}: an update rolls out nothing.");
    } else {
        println!("An update changes {} component(s): {}", changed_routes.len(), changed_routes.join("; "));
    }

    if write {
        let header = "# Generated by `cargo run -p update-plan -- --write`: the toolchain, and each\n\
                      # component's target, routes and the sha256 of its wasm at the last release.\n\
                      # Compare with `cargo run -p update-plan`.\n\n";
        let lock_path = root.join(LOCK);
        std::fs::write(&lock_path, format!("{header}{}", toml::to_string(&now)?))
            .with_context(|| format!("writing {}", lock_path.display()))?;
        println!("Wrote {LOCK}.");
    } else if check && (toolchain_changed || !changed_routes.is_empty()) {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Every component of the checkout at `root` (built first unless `build`
/// is false), as the lock records them.
fn built(root: &Path, build: bool) -> anyhow::Result<Lock> {
    let manifest = Manifest::load(root).map_err(anyhow::Error::msg)?;
    if build {
        manifest.build_all(root).map_err(anyhow::Error::msg)?;
    }
    let mut lock = Lock { toolchain: toolchain(root)?, components: BTreeMap::new() };
    for id in manifest.component.keys() {
        let path = manifest.wasm_path(root, id).map_err(anyhow::Error::msg)?;
        let wasm = std::fs::read(&path).with_context(|| format!("reading {} (build first)", path.display()))?;
        let sha256 = Sha256::digest(&wasm).iter().map(|b| format!("{b:02x}")).collect();
        let crate_dir = manifest.crate_of(id).map_err(anyhow::Error::msg)?;
        let target = ComponentCrate::load(root, crate_dir).map_err(anyhow::Error::msg)?.target;
        lock.components.insert(id.clone(), Entry { target, routes: manifest.routes_of(id), sha256 });
    }
    Ok(lock)
}

/// No lock yet is the first release: every component is new. A lock that
/// exists but cannot be read is an error, never an empty lock.
fn read_lock(path: &Path) -> anyhow::Result<Lock> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("parsing {}", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// The release and commit of the rustc that builds `root` (its
/// rust-toolchain.toml, through rustup), from `rustc -vV`.
fn toolchain(root: &Path) -> anyhow::Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("-vV").current_dir(root).output().context("running rustc -vV")?;
    if !output.status.success() {
        bail!("rustc -vV: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8(output.stdout).context("rustc -vV's answer is not UTF-8")?;
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
    match (field("release:"), field("commit-hash:"), field("commit-date:")) {
        (Some(release), Some(hash), Some(date)) => Ok(format!("{release} ({} {date})", hash.get(..9).unwrap_or(hash))),
        _ => bail!("rustc -vV did not name its release and commit:\n{text}"),
    }
}
