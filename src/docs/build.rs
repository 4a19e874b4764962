//! Writes what the docs component embeds into OUT_DIR:
//! - `openapi.json`, the document built by mewayz-openapi from the types the
//!   components use;
//! - `swagger-ui-bundle.js` and `swagger-ui.css` from the pinned
//!   `swagger-ui-dist` package, fetched from the npm registry and checked
//!   against its integrity hash (sha512). Never committed; the tarball is
//!   kept beside the build so that it is fetched once.

use std::{
    env, fs,
    io::Read,
    path::{Path, PathBuf},
    process::Command,
};

use base64::Engine;
use sha2::{Digest, Sha512};

const SWAGGER_UI_VERSION: &str = "5.35.0";
/// `npm view swagger-ui-dist@5.35.0 dist.integrity`.
const SWAGGER_UI_INTEGRITY: &str =
    "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==";
const SWAGGER_UI_FILES: [&str; 2] = ["swagger-ui-bundle.js", "swagger-ui.css"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let document = serde_json::to_string(&mewayz_openapi::document()).expect("the document serializes");
    fs::write(out.join("openapi.json"), document).expect("writing openapi.json");

    let tarball = fetch_swagger_ui(&out);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&tarball[..]));
    let mut found = 0;
    for entry in archive.entries().expect("reading the swagger-ui-dist tarball") {
        let mut entry = entry.expect("a tarball entry");
        let path = entry.path().expect("an entry path").into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if path.parent() == Some(Path::new("package")) && SWAGGER_UI_FILES.contains(&name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("reading a tarball entry");
            fs::write(out.join(name), bytes).expect("writing a Swagger UI file");
            found += 1;
        }
    }
    assert_eq!(found, SWAGGER_UI_FILES.len(), "swagger-ui-dist {SWAGGER_UI_VERSION} lacks {SWAGGER_UI_FILES:?}");
}

/// The tarball's bytes, from the cache beside the build or the registry,
/// refused unless its sha512 is the pinned one.
fn fetch_swagger_ui(out: &Path) -> Vec<u8> {
    let name = format!("swagger-ui-dist-{SWAGGER_UI_VERSION}.tgz");
    // target/<profile>/build/mewayz-docs-<hash>/out → target/<profile>/build/npm
    let cache_dir = out.ancestors().nth(2).unwrap_or(out).join("npm");
    let cached = cache_dir.join(&name);
    if let Ok(bytes) = fs::read(&cached)
        && integrity_of(&bytes) == SWAGGER_UI_INTEGRITY
    {
        return bytes;
    }
    let url = format!("https://registry.npmjs.org/swagger-ui-dist/-/{name}");
    let output = Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location", "--retry", "3", "--max-time", "120", &url])
        .output()
        .unwrap_or_else(|e| {
            panic!("running curl to fetch {url}: {e} (the docs component needs curl and the npm registry)")
        });
    assert!(output.status.success(), "fetching {url}: {}", String::from_utf8_lossy(&output.stderr));
    let bytes = output.stdout;
    let integrity = integrity_of(&bytes);
    assert_eq!(integrity, SWAGGER_UI_INTEGRITY, "{url} does not match its pinned integrity hash");
    fs::create_dir_all(&cache_dir).expect("creating the npm cache");
    let partial = cache_dir.join(format!("{name}.partial"));
    fs::write(&partial, &bytes).expect("caching the tarball");
    fs::rename(&partial, &cached).expect("caching the tarball");
    bytes
}

fn integrity_of(bytes: &[u8]) -> String {
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes)))
}
