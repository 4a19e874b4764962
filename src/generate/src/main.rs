//! `cargo run -p generate [-- --check] [--root DIR]`
//!
//! spin.toml is the hand-written description of the app: its routes, the
//! component serving each, the capabilities and variables each is granted.
//! This tool writes what follows from it (with the crates' Cargo.toml
//! metadata and the single SpinApp, deploy/spinapp.yaml):
//! - each component's `watch` list in spin.toml: its crate and every
//!   workspace crate it is built from (`cargo metadata`), plus the WIT
//!   folders its `[package.metadata.component] wit` names;
//! - deploy/split/: a SpinApp per group of components (`[package.metadata.
//!   deploy] spinapp`, by default the crate's folder) and the Ingress that
//!   sends every route to the SpinApp serving it;
//! - src/openapi/src/routes.rs: the public routes, which the OpenAPI
//!   document's paths are held against when it is built.
//!
//! `--check` writes nothing and exits 1 naming every file that differs from
//! what it would write: the test command runs it, so a hand edit of a
//! generated file, or a spin.toml change without a run, fails the tests.

mod deploy;
mod watch;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Context, bail};

const USAGE: &str = "usage: generate [--check] [--root DIR]\n       generate manifests [--from MANIFEST] [--out DIR]";

/// `generate manifests`: writes `OUT/<spinapp>/spin.toml` for every split
/// SpinApp, the manifest `--from` (spin.toml, or the Spin 3.6 build's
/// target/spin3/spin.toml) cut down to that SpinApp's components, which its
/// image is pushed from (`spin registry push -f`). `--out` defaults to
/// `split/` beside the manifest under target/ (target/split for spin.toml).
/// Built output, not committed: run it after building the components.
fn manifests(mut args: impl Iterator<Item = String>) -> anyhow::Result<ExitCode> {
    let root = std::env::current_dir()?;
    let (mut from, mut out) = (root.join("spin.toml"), None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => from = PathBuf::from(args.next().context(USAGE)?),
            "--out" => out = Some(PathBuf::from(args.next().context(USAGE)?)),
            other => bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    let out = out.unwrap_or_else(|| match from.parent() {
        Some(dir) if dir.starts_with(root.join("target")) => dir.join("split"),
        _ => root.join("target/split"),
    });
    for (name, components) in deploy::spinapp_components(&root)? {
        let manifest = mewayz_manifest::subset(&from, &components).map_err(anyhow::Error::msg)?;
        let dir = out.join(&name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("spin.toml"), manifest)?;
        println!("{}: {}", dir.join("spin.toml").display(), components.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// A file the tool writes, relative to the root, and its content.
struct Output {
    path: PathBuf,
    content: String,
}

fn main() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("manifests") {
        args.next();
        return manifests(args);
    }
    let (mut check, mut root) = (false, std::env::current_dir()?);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => root = PathBuf::from(args.next().context(USAGE)?),
            other => bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    let mut outputs = vec![watch::spin_toml(&root)?];
    outputs.extend(deploy::split(&root)?);
    outputs.push(openapi_routes(&root)?);

    let generated: BTreeSet<&Path> = outputs.iter().map(|o| o.path.as_path()).collect();
    let stray = stray_files(&root, &generated)?;
    let stale: Vec<&Output> = outputs
        .iter()
        .filter(|o| std::fs::read_to_string(root.join(&o.path)).ok().as_deref() != Some(o.content.as_str()))
        .collect();
    if check {
        if stale.is_empty() && stray.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        for output in &stale {
            eprintln!("generate --check: {} is not what spin.toml generates", output.path.display());
        }
        for path in &stray {
            eprintln!("generate --check: {} is in deploy/split/ but not generated", path.display());
        }
        eprintln!("Edit spin.toml (or a crate's metadata, or deploy/spinapp.yaml), then run `cargo run -p generate`.");
        return Ok(ExitCode::FAILURE);
    }
    for output in &stale {
        let path = root.join(&output.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, &output.content).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", output.path.display());
    }
    for path in &stray {
        std::fs::remove_file(root.join(path)).with_context(|| format!("removing {}", path.display()))?;
        println!("removed {}", path.display());
    }
    if stale.is_empty() && stray.is_empty() {
        println!("everything generated is up to date");
    }
    Ok(ExitCode::SUCCESS)
}

/// src/openapi/src/routes.rs: spin.toml's public routes, as Rust.
fn openapi_routes(root: &Path) -> anyhow::Result<Output> {
    let manifest = mewayz_manifest::Manifest::load(root).map_err(anyhow::Error::msg)?;
    let mut text = String::from(
        "//! Generated by `cargo run -p generate` from spin.toml: do not edit.\n\
         //! Every public route and the component serving it; `document()` holds\n\
         //! the document's paths against them.\n\n\
         pub const ROUTES: &[(&str, &str)] = &[\n",
    );
    for (route, component) in manifest.public_routes().map_err(anyhow::Error::msg)? {
        text.push_str(&format!("    ({:?}, {component:?}),\n", route.as_str()));
    }
    text.push_str("];\n");
    Ok(Output { path: "src/openapi/src/routes.rs".into(), content: text })
}

/// Files in deploy/split/ the tool no longer writes (a removed group).
fn stray_files(root: &Path, generated: &BTreeSet<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    let dir = root.join(deploy::SPLIT_DIR);
    let mut stray = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(stray),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = Path::new(deploy::SPLIT_DIR).join(entry?.file_name());
        if !generated.contains(path.as_path()) {
            stray.push(path);
        }
    }
    stray.sort();
    Ok(stray)
}
