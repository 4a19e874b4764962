//! Per-route updates: the digests of the built components against the
//! committed lock, and reproducible builds — changing one feature crate
//! changes that component's digest and no other.

use std::process::{Command, Output};

use mewayz_tests::{
    checkout::{modified_copy, source_copy},
    manifest::build_components,
    repo_root,
};

/// Runs `update-plan` (built from this workspace) with `args`.
fn update_plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(["run", "--quiet", "-p", "update-plan", "--"])
        .args(args)
        .current_dir(repo_root())
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("running update-plan")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `component -> change` from update-plan's table.
fn changes(report: &str) -> Vec<(String, String)> {
    report
        .lines()
        .skip_while(|line| !line.starts_with("component "))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let mut cols = line.split_whitespace();
            (cols.next().unwrap().to_string(), cols.next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_committed_lock_matches_what_this_source_builds() {
    build_components();
    let output = update_plan(&["--check", "--no-build"]);
    let report = text(&output);
    assert!(
        output.status.success(),
        "deploy/components.lock is stale — run `cargo run -p update-plan -- --write` and commit it:\n{report}"
    );
    assert!(report.contains("No component changed"), "{report}");
    let rows = changes(&report);
    assert_eq!(rows.len(), mewayz_tests::manifest::manifest().component.len(), "{report}");
    assert!(report.contains("/api/auth/..."), "routes are listed: {report}");
}

/// The copy is another directory and rebuilds every component whose
/// sources include the edited file (its `watch` list): those besides
/// `members` (the API documents, which read the crate's routes) come out
/// byte-identical, which shows the build does not depend on where the
/// source is.
#[test]
fn changing_one_feature_crate_changes_only_its_digest() {
    let copy = modified_copy("src/members/src/lib.rs", "\"no such member\"", "\"no member by that id\"");
    assert!(
        copy.rebuilt().len() > 1 && copy.rebuilt().iter().any(|c| c == "members"),
        "members and others that watch it are rebuilt: {:?}",
        copy.rebuilt()
    );
    build_components();
    let copy_root = copy.path().to_str().unwrap();
    let here = repo_root().to_str().unwrap();

    // Against this checkout's build, by the same toolchain: only the edit
    // shows. Against the committed lock: the same, when the lock is current.
    for (against, args) in [
        ("this checkout's build", vec!["--no-build", "--root", copy_root, "--base", here]),
        ("the committed lock", vec!["--no-build", "--root", copy_root]),
    ] {
        let output = update_plan(&args);
        let report = text(&output);
        assert!(output.status.success(), "{report}");
        for (component, change) in changes(&report) {
            let expected = if component == "members" { "changed" } else { "unchanged" };
            assert_eq!(change, expected, "{component}, against {against}:\n{report}");
        }
        assert!(report.contains("An update changes 1 component(s): members"), "against {against}:\n{report}");
    }
}

#[test]
fn the_lock_records_the_toolchain_and_a_different_one_fails_the_check() {
    build_components();
    let lock = std::fs::read_to_string(repo_root().join("deploy/components.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&lock).unwrap();
    let rustc = Command::new("rustc").arg("--version").current_dir(repo_root()).output().unwrap();
    let version = String::from_utf8(rustc.stdout).unwrap();
    let recorded = lock["toolchain"].as_str().unwrap();
    assert!(version.starts_with(&format!("rustc {recorded}")), "lock: {recorded}, rustc: {version}");
    for entry in lock["components"].as_table().unwrap().values() {
        assert!(entry["target"].as_str().unwrap().starts_with("wasm32-"), "{entry}");
    }

    // The same digests recorded under another toolchain: every one of them is
    // suspect, and the check says why.
    let copy = source_copy();
    let text_lock = std::fs::read_to_string(repo_root().join("deploy/components.lock")).unwrap();
    let other =
        text_lock.replacen(&format!("toolchain = \"{recorded}\""), "toolchain = \"1.94.0 (0000000 2026-01-01)\"", 1);
    std::fs::write(copy.path().join("deploy/components.lock"), other).unwrap();
    std::fs::create_dir_all(copy.path().join("target/components")).unwrap();
    for entry in std::fs::read_dir(repo_root().join("target/components")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join("target/components").join(entry.file_name())).unwrap();
    }
    let output = update_plan(&["--check", "--no-build", "--root", copy.path().to_str().unwrap()]);
    let report = text(&output);
    assert!(!output.status.success(), "{report}");
    assert!(report.contains("a toolchain change changes every component"), "{report}");
}
