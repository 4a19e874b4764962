//! Per-route updates: the digests of the built components against the
//! committed lock, and reproducible builds — changing one feature crate
//! changes that component's digest and no other.

use std::process::{Command, Output};

use mewayz_tests::{checkout::modified_copy, manifest::build_components, repo_root};

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

#[test]
fn changing_one_feature_crate_changes_only_its_digest() {
    let copy = modified_copy("src/members/src/lib.rs", "\"no such member\"", "\"no member by that id\"");

    let output = update_plan(&["--root", copy.path().to_str().unwrap()]);
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    for (component, change) in changes(&report) {
        let expected = if component == "members" { "changed" } else { "unchanged" };
        assert_eq!(change, expected, "{component}:\n{report}");
    }
    assert!(report.contains("An update changes 1 component(s): members"), "{report}");
}
