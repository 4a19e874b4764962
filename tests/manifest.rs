//! spin.toml against the code: every component's imports are held against
//! the capabilities its entry declares, and its build settings against the
//! crates `cargo metadata` says it is built from.

use mewayz_tests::{
    capabilities::{Capability, granted_by, mismatches},
    manifest::{build_problems, component_wasm, manifest, workspace_crates},
    wasm::component_interface,
};

#[test]
fn every_component_imports_only_what_it_is_granted_and_is_granted_only_what_it_imports() {
    let mut problems = Vec::new();
    for (id, entry) in &manifest().component {
        let imports = component_interface(&component_wasm(id)).unwrap().imports;
        problems.extend(mismatches(&imports, entry).into_iter().map(|p| format!("{id} {p}")));
    }
    assert!(problems.is_empty(), "capability mismatches:\n{}", problems.join("\n"));
}

#[test]
fn a_component_importing_sqlite_without_a_grant_is_caught() {
    let accounts = component_interface(&component_wasm("accounts")).unwrap().imports;
    let mut entry = manifest().component["accounts"].clone();
    entry.remove("sqlite_databases");
    let problems = mismatches(&accounts, &entry);
    assert!(problems.iter().any(|p| p.contains("fermyon:spin/sqlite") && p.contains("Sqlite")), "{problems:?}");
}

#[test]
fn an_unused_grant_is_caught() {
    let probe = component_interface(&component_wasm("probe-readiness")).unwrap().imports;
    let entry: toml::Table = toml::from_str(r#"key_value_stores = ["default"]"#).unwrap();
    assert_eq!(granted_by(&entry).into_iter().collect::<Vec<_>>(), [Capability::KeyValue]);
    assert_eq!(mismatches(&probe, &entry).len(), 1);
}

#[test]
fn feature_components_reach_the_database_only_through_declared_capabilities() {
    for id in ["accounts", "workspaces", "members"] {
        let granted = granted_by(&manifest().component[id]);
        assert!(granted.contains(&Capability::Sqlite), "{id}");
        assert!(granted.contains(&Capability::OutboundPostgres), "{id}");
        assert!(!granted.contains(&Capability::OutboundOther), "{id} may reach nothing but PostgreSQL");
    }
}

#[test]
fn every_component_is_built_from_one_crate_and_watches_every_crate_it_depends_on() {
    let crates = workspace_crates();
    let problems: Vec<String> =
        manifest().component.iter().flat_map(|(id, entry)| build_problems(id, entry, &crates)).collect();
    assert!(problems.is_empty(), "spin.toml build settings:\n{}", problems.join("\n"));
}

#[test]
fn a_watch_list_missing_a_dependency_or_naming_a_stranger_is_caught() {
    let crates = workspace_crates();
    let mut entry = manifest().component["contacts"].clone();
    let watch = entry["build"]["watch"].as_array().unwrap().iter().filter(|w| w.as_str() != Some("src/auth/**/*"));
    let mut watch: Vec<toml::Value> = watch.cloned().collect();
    watch.push("src/status/**/*".into());
    entry["build"].as_table_mut().unwrap().insert("watch".into(), watch.into());
    let problems = build_problems("contacts", &entry, &crates);
    assert!(problems.iter().any(|p| p.contains("misses \"src/auth/**/*\"")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("names \"src/status/**/*\"")), "{problems:?}");
    assert_eq!(problems.len(), 2, "{problems:?}");
}
