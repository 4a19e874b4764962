//! A Spin manifest holding only some of an app's components: what one split
//! SpinApp's image is pushed from. containerd-shim-spin compiles every
//! component of an image before its first answer — also those its
//! `components` leave out — so an image of its own, with only what the pod
//! runs, is what lets a split pod answer in seconds on a node new to it.

use std::path::Path;

/// The manifest at `manifest` cut down to `components`: their
/// `[component.*]` tables and the HTTP triggers that route to them, with
/// each `source` made absolute (so the result can be written anywhere) and
/// each `build` table dropped (the subset is pushed, never built). The
/// application and its variables stay as they are.
pub fn subset(manifest: &Path, components: &[String]) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("reading {}: {e}", manifest.display()))?;
    let mut doc: toml::Table = toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let dir = manifest.parent().unwrap_or(Path::new(".")).canonicalize().map_err(|e| e.to_string())?;

    let table = doc
        .get_mut("component")
        .and_then(toml::Value::as_table_mut)
        .ok_or_else(|| format!("{}: no [component.*]", manifest.display()))?;
    if let Some(missing) = components.iter().find(|id| !table.contains_key(id.as_str())) {
        return Err(format!("{}: no component {missing}", manifest.display()));
    }
    table.retain(|id, _| components.iter().any(|k| k == id));
    for (id, component) in table.iter_mut() {
        let component = component.as_table_mut().ok_or_else(|| format!("component {id} is not a table"))?;
        component.remove("build");
        let source = component
            .get("source")
            .and_then(toml::Value::as_str)
            .ok_or_else(|| format!("component {id} has no file source"))?;
        let absolute = dir.join(source);
        let absolute = absolute.to_str().ok_or_else(|| format!("{} is not UTF-8", absolute.display()))?;
        component.insert("source".into(), absolute.into());
    }

    let triggers = doc
        .get_mut("trigger")
        .and_then(|t| t.get_mut("http"))
        .and_then(toml::Value::as_array_mut)
        .ok_or_else(|| format!("{}: no [[trigger.http]]", manifest.display()))?;
    triggers.retain(|trigger| {
        trigger.get("component").and_then(toml::Value::as_str).is_some_and(|c| components.iter().any(|k| k == c))
    });
    toml::to_string(&doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_keeps_only_its_components_and_their_routes() {
        let dir = std::env::temp_dir().join(format!("mewayz-subset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("spin.toml");
        std::fs::write(
            &manifest,
            r#"spin_manifest_version = 2
[application]
name = "app"
[variables]
secret = { default = "" }
[[trigger.http]]
route = "/a"
component = "a"
[[trigger.http]]
route = "/b/..."
component = "b"
[component.a]
source = "components/a.wasm"
[component.a.build]
command = "make a"
[component.b]
source = "components/b.wasm"
"#,
        )
        .unwrap();
        let cut: toml::Table = toml::from_str(&subset(&manifest, &["b".into()]).unwrap()).unwrap();
        let components = cut["component"].as_table().unwrap();
        assert_eq!(components.keys().collect::<Vec<_>>(), ["b"]);
        let source = components["b"]["source"].as_str().unwrap();
        assert!(Path::new(source).is_absolute() && source.ends_with("components/b.wasm"), "{source}");
        let routes: Vec<_> = cut["trigger"]["http"].as_array().unwrap().iter().map(|t| t["route"].clone()).collect();
        assert_eq!(routes, [toml::Value::from("/b/...")]);
        assert!(cut["variables"].get("secret").is_some(), "variables stay");
        assert!(subset(&manifest, &["c".into()]).unwrap_err().contains("no component c"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
