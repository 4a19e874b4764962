//! `build-component --package P --target T --profile PROFILE --out FILE [--componentize]`
//!
//! What every `[component.*.build] command` in spin.toml runs:
//! 1. adds the wasm target with rustup (a no-op when present);
//! 2. builds the crate with cargo, remapping the checkout, cargo home and
//!    target paths out of the output, so the same source gives the same bytes
//!    in any directory: a component's sha256 changes only when it does;
//! 3. for a core module (`--componentize`, the zero-import probe) wraps it
//!    into a component with wit-component — what `wasm-tools component new`
//!    does — else copies the component cargo made;
//! 4. writes FILE atomically, so `spin up` never reads half a component.

use std::{
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};
use wit_component::ComponentEncoder;

struct Args {
    package: String,
    target: String,
    profile: String,
    out: PathBuf,
    componentize: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let usage = "usage: build-component --package P --target T --profile PROFILE --out FILE [--componentize]";
    let mut args = std::env::args().skip(1);
    let (mut package, mut target, mut profile, mut out, mut componentize) = (None, None, None, None, false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--package" => package = Some(value()?),
            "--target" => target = Some(value()?),
            "--profile" => profile = Some(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--componentize" => componentize = true,
            other => bail!("unknown argument {other:?}; {usage}"),
        }
    }
    match (package, target, profile, out) {
        (Some(package), Some(target), Some(profile), Some(out)) => {
            Ok(Args { package, target, profile, out, componentize })
        }
        _ => bail!("{usage}"),
    }
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let root = std::env::current_dir()?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);

    // rustup may be absent (a toolchain from elsewhere); cargo then says what is missing.
    let _ = Command::new("rustup").args(["-q", "target", "add", &args.target]).status();

    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--quiet", "--locked", "--package", &args.package])
        .args(["--target", &args.target, "--profile", &args.profile])
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags(&args.target, &root, &target_dir))
        .status()
        .context("running cargo")?;
    ensure!(status.success(), "cargo build of {} failed", args.package);

    let profile_dir = if args.profile == "dev" { "debug" } else { &args.profile };
    let artifact =
        target_dir.join(&args.target).join(profile_dir).join(format!("{}.wasm", args.package.replace('-', "_")));
    let wasm = fs::read(&artifact).with_context(|| format!("reading {}", artifact.display()))?;
    let component = if args.componentize {
        ComponentEncoder::default()
            .module(&wasm)
            .with_context(|| format!("{} has no component type information", artifact.display()))?
            .validate(true)
            .encode()
            .with_context(|| format!("encoding {} as a component", artifact.display()))?
    } else {
        wasm
    };
    write_atomically(&root.join(&args.out), &component)
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
