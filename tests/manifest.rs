//! spin.toml against the code: every component's imports are held against
//! the capabilities its entry declares; its watch lists are what
//! `generate` writes from the crates `cargo metadata` says it is built from.

use mewayz_tests::{
    capabilities::{Capability, granted_by, mismatches},
    checkout::{generate_check, source_copy},
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
    assert!(problems.iter().any(|p| p.contains("spin:sqlite/sqlite") && p.contains("Sqlite")), "{problems:?}");
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
fn the_watch_lists_are_generated_and_a_hand_edit_fails_the_check() {
    let copy = source_copy();
    let (passes, report) = generate_check(copy.path());
    assert!(passes, "spin.toml's watch lists are stale: run `cargo run -p generate`\n{report}");

    let spin_toml = copy.path().join("spin.toml");
    let text = std::fs::read_to_string(&spin_toml).unwrap();
    let edited = text.replacen(r#""src/contacts/**/*", "src/api/**/*", "#, r#""src/contacts/**/*", "#, 1);
    assert_ne!(edited, text, "contacts watches src/api");
    std::fs::write(&spin_toml, edited).unwrap();
    let (passes, report) = generate_check(copy.path());
    assert!(!passes && report.contains("spin.toml is not what spin.toml generates"), "{report}");
}
