//! Per-route updates: the digests of the built components against the
//! committed lock, and reproducible builds — changing one feature crate
//! changes that component's digest and no other.

use std::{
    path::Path,
    process::{Command, Output},
};

use mewayz_tests::{manifest::build_components, repo_root};

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
    build_components();
    // A copy of the checkout in another directory, seeded with this build's
    // wasm-side cache so that only our own crates recompile.
    let copy = tempfile::tempdir().unwrap();
    let files = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard", "-z"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(files.status.success());
    for file in files.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let file = Path::new(std::str::from_utf8(file).unwrap());
        if !repo_root().join(file).is_file() {
            continue;
        }
        let to = copy.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo_root().join(file), to).unwrap();
    }
    std::fs::create_dir_all(copy.path().join("target")).unwrap();
    for dir in ["wasm32-wasip2", "wasm32-unknown-unknown", "release", "wasm"] {
        let from = repo_root().join("target").join(dir);
        if from.is_dir() {
            let status = Command::new("cp").arg("-r").arg(&from).arg(copy.path().join("target")).status().unwrap();
            assert!(status.success());
        }
    }

    let members = copy.path().join("src/members/src/lib.rs");
    let source = std::fs::read_to_string(&members).unwrap();
    assert!(source.contains("\"no such member\""));
    std::fs::write(&members, source.replace("\"no such member\"", "\"no member by that id\"")).unwrap();

    let output = update_plan(&["--root", copy.path().to_str().unwrap()]);
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    for (component, change) in changes(&report) {
        let expected = if component == "members" { "changed" } else { "unchanged" };
        assert_eq!(change, expected, "{component}:\n{report}");
    }
    assert!(report.contains("An update changes 1 component(s): members"), "{report}");
}
