//! What a built component imports and exports, read with a real wasm parser.

use anyhow::Context;
use wasmparser::{Parser, Payload};

/// The names a component imports and exports at its top level — what a host
/// such as Spin has to provide, and what it may call.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ComponentInterface {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

pub fn component_interface(bytes: &[u8]) -> anyhow::Result<ComponentInterface> {
    let mut interface = ComponentInterface::default();
    // Nested modules and components appear inline in the payload stream; only
    // depth 0 is the component's face to the host.
    let mut depth = 0usize;
    let mut saw_component_header = false;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.context("parsing wasm")? {
            Payload::Version { encoding, .. } if depth == 0 => {
                anyhow::ensure!(encoding == wasmparser::Encoding::Component, "this is a core module, not a component");
                saw_component_header = true;
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(imports) if depth == 0 => {
                for import in imports {
                    interface.imports.push(import?.name.full_name().into_owned());
                }
            }
            Payload::ComponentExportSection(exports) if depth == 0 => {
                for export in exports {
                    interface.exports.push(export?.name.full_name().into_owned());
                }
            }
            _ => {}
        }
    }
    anyhow::ensure!(saw_component_header, "no wasm header");
    Ok(interface)
}
