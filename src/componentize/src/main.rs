//! `componentize <core-module.wasm> <component.wasm>`
//!
//! Turns a core module that carries wit-bindgen's component-type section into a
//! component. This is what `wasm-tools component new` does; keeping it in the
//! workspace means `spin build` needs nothing but cargo.

use std::{fs, path::PathBuf};

use anyhow::{Context, bail};
use wit_component::ComponentEncoder;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        bail!("usage: componentize <core-module.wasm> <component.wasm>");
    };
    let module = fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let component = ComponentEncoder::default()
        .module(&module)
        .with_context(|| format!("{} has no component type information", input.display()))?
        .validate(true)
        .encode()
        .with_context(|| format!("encoding {} as a component", input.display()))?;

    // Write next to the target and rename, so a running `spin up` or a test never
    // reads a half-written component, and concurrent builds never share a file.
    if let Some(dir) = output.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = output.with_extension(format!("wasm.{}.partial", std::process::id()));
    fs::write(&partial, &component).with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, output).with_context(|| format!("writing {}", output.display()))?;
    Ok(())
}
