//! A copy of this checkout with one edit, for tests of what an update
//! changes: it holds this checkout's built components, with those whose
//! sources include the edited file (their spin.toml `watch` lists) built
//! again in the copy. The copy lives in another directory (so a rebuilt
//! component that the edit does not change must come out byte-identical)
//! under `target/`, seeded with this checkout's build cache. Two tests use
//! the same edit (tests/updates.rs and tests/node.rs): the copy is kept
//! between them and between runs, and only files whose content differs are
//! rewritten, so cargo rebuilds only what changed.

use std::{
    collections::BTreeSet,
    fs::File,
    hash::{DefaultHasher, Hash, Hasher},
    os::fd::AsRawFd,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    manifest::{build_components, build_components_spin3, manifest},
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
    /// The crates of the components that watch the edited file.
    rebuilt: Vec<String>,
    _lock: File,
}

impl ModifiedCopy {
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The components' crates built again in the copy.
    pub fn rebuilt(&self) -> &[String] {
        &self.rebuilt
    }

    /// The copy's Spin 3.6 build and its manifest, made the same way:
    /// this checkout's, with the watching components built again in the
    /// copy. Returns the manifest.
    pub fn build_spin3(&self) -> PathBuf {
        let manifest = build_components_spin3();
        let built = manifest.parent().expect("target/spin3");
        let into = self.root.join(mewayz_manifest::SPIN3_MANIFEST);
        let into = into.parent().expect("target/spin3");
        copy_components(&built.join("components"), &into.join("components"));
        std::fs::copy(&manifest, into.join("spin.toml")).expect("copying the Spin 3.6 manifest");
        build_crates(&self.root, &["--spin3"], &self.rebuilt);
        into.join("spin.toml")
    }
}

/// The checkout with `from` replaced by `to` in `file` (relative to the
/// root; `from` must occur in it), its components built.
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
                // With their times: cargo judges its build fresh by them.
                let status = Command::new("cp").arg("-a").arg(&from).arg(&to).status().unwrap();
                assert!(status.success());
            }
        }
    }
    let manifest = manifest();
    let watching = manifest.watching(file).unwrap_or_else(|e| panic!("{e}"));
    assert!(!watching.is_empty(), "no component watches {file}");
    let mut rebuilt: Vec<String> =
        watching.iter().map(|id| manifest.crate_of(id).unwrap_or_else(|e| panic!("{e}")).to_string()).collect();
    rebuilt.sort();
    rebuilt.dedup();
    copy_components(&repo_root().join("target/components"), &root.join("target/components"));
    build_crates(&root, &[], &rebuilt);
    ModifiedCopy { root, rebuilt, _lock: lock }
}

/// Every built component in `from` copied into `to`.
fn copy_components(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|ext| ext == "wasm") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// `build-component [FLAGS] CRATE...` in the checkout at `root`.
fn build_crates(root: &Path, flags: &[&str], crates: &[String]) {
    let status = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--release", "-p", "build-component", "--"])
        .args(flags)
        .args(crates)
        .current_dir(root)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap();
    assert!(status.success(), "building {crates:?} {flags:?} in {}", root.display());
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
