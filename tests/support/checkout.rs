//! A copy of this checkout with one edit, built like this one, for tests of
//! what an update changes. The copy lives in another directory (so its build
//! must be reproducible to match ours) under `target/`, seeded with this
//! checkout's build cache. Two tests use the same edit (tests/updates.rs and
//! tests/node.rs): the copy is kept between them and between runs, and only
//! files whose content differs are rewritten, so cargo rebuilds it once.

use std::{
    collections::BTreeSet,
    fs::File,
    hash::{DefaultHasher, Hash, Hasher},
    os::fd::AsRawFd,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    manifest::{build_components, manifest},
    repo_root,
};

/// The folders of `target/` (and of `target/spin3/`) that hold the
/// components' builds.
const RELEASE_BUILD_DIRS: [&str; 5] =
    ["release", "wasm", "wasm32-wasip2/wasm", "wasm32-wasip2/wasm-argon2", "wasm32-unknown-unknown/wasm"];

/// A built copy of the checkout with one edit; other tests wanting the same
/// copy wait while this one is held.
pub struct ModifiedCopy {
    root: PathBuf,
    _lock: File,
}

impl ModifiedCopy {
    pub fn path(&self) -> &Path {
        &self.root
    }
}

/// The checkout with `from` replaced by `to` in `file` (relative to the
/// root; `from` must occur in it), every component built in it.
pub fn modified_copy(file: &str, from: &str, to: &str) -> ModifiedCopy {
    build_components();
    let mut hasher = DefaultHasher::new();
    (file, from, to).hash(&mut hasher);
    let root = repo_root().join("target").join(format!("update-copy-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&root).unwrap();
    let lock = File::create(root.with_extension("lock")).unwrap();
    // SAFETY: flock on a file descriptor we own; released when it closes.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0, "locking the copy");

    let listed = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard", "-z"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(listed.status.success());
    let mut wanted = BTreeSet::new();
    let mut edited = false;
    for name in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let name = PathBuf::from(std::str::from_utf8(name).unwrap());
        let Ok(mut content) = std::fs::read(repo_root().join(&name)) else { continue };
        if name == Path::new(file) {
            let text = String::from_utf8(content).unwrap();
            assert!(text.contains(from), "{file} does not contain {from:?}");
            content = text.replace(from, to).into_bytes();
            edited = true;
        }
        let to = root.join(&name);
        // Unchanged files keep their modification time: cargo keeps its build.
        if std::fs::read(&to).ok().as_ref() != Some(&content) {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, content).unwrap();
        }
        wanted.insert(name);
    }
    assert!(edited, "{file} is not in the checkout");
    remove_others(&root, Path::new(""), &wanted);

    if !root.join("target").exists() {
        std::fs::create_dir_all(root.join("target")).unwrap();
        // Only what the component builds reuse: the clippy and test
        // builds (`debug` folders) are gigabytes the copy never reads.
        for dir in RELEASE_BUILD_DIRS.iter().flat_map(|dir| [dir.to_string(), format!("spin3/{dir}")]) {
            let from = repo_root().join("target").join(&dir);
            if from.is_dir() {
                let to = root.join("target").join(&dir);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                let status = Command::new("cp").arg("-r").arg(&from).arg(&to).status().unwrap();
                assert!(status.success());
            }
        }
    }
    manifest().build_all(&root).unwrap_or_else(|e| panic!("building the copy: {e}"));
    ModifiedCopy { root, _lock: lock }
}

/// Deletes what the checkout no longer has (a removed crate would otherwise
/// stay a workspace member of the copy); `target/` stays.
fn remove_others(root: &Path, relative: &Path, wanted: &BTreeSet<PathBuf>) {
    for entry in std::fs::read_dir(root.join(relative)).unwrap().flatten() {
        let name = relative.join(entry.file_name());
        if name == Path::new("target") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            remove_others(root, &name, wanted);
            if std::fs::read_dir(entry.path()).unwrap().next().is_none() {
                std::fs::remove_dir(entry.path()).unwrap();
            }
        } else if !wanted.contains(&name) {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// The checkout's files (tracked and untracked, not ignored) copied into a
/// temporary directory, unbuilt: for tools that read the source.
pub fn source_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("mewayz-source-").tempdir().unwrap();
    let listed = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard", "-z"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(listed.status.success());
    for name in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let name = Path::new(std::str::from_utf8(name).unwrap());
        let Ok(content) = std::fs::read(repo_root().join(name)) else { continue };
        let to = dir.path().join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, content).unwrap();
    }
    dir
}

/// `generate --check --root DIR` (built from this workspace): whether it
/// passes, and what it printed.
pub fn generate_check(root: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "-p", "generate", "--", "--check", "--root"])
        .arg(root)
        .current_dir(repo_root())
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}
