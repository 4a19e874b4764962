//! spin.toml against the built components: every component's imports are
//! held against the capabilities its entry declares.

use mewayz_tests::{
    capabilities::{Capability, granted_by, mismatches},
    manifest::{component_wasm, manifest},
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
