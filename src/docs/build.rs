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

/// A build step that failed, with what it was doing: cargo prints it and
/// fails the build.
type Step<T> = Result<T, String>;

fn main() -> Step<()> {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("cargo sets OUT_DIR: {e}"))?);

    let document = mewayz_openapi::document().map_err(|e| format!("building the OpenAPI document: {e}"))?;
    let document = serde_json::to_string(&document).map_err(|e| format!("writing the OpenAPI document: {e}"))?;
    fs::write(out.join("openapi.json"), document).map_err(|e| format!("writing openapi.json: {e}"))?;

    let tarball = fetch_swagger_ui(&out)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&tarball[..]));
    let reading = |e: std::io::Error| format!("reading the swagger-ui-dist tarball: {e}");
    let mut found = 0;
    for entry in archive.entries().map_err(reading)? {
        let mut entry = entry.map_err(reading)?;
        let path = entry.path().map_err(reading)?.into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if path.parent() == Some(Path::new("package")) && SWAGGER_UI_FILES.contains(&name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(reading)?;
            fs::write(out.join(name), bytes).map_err(|e| format!("writing {name}: {e}"))?;
            found += 1;
        }
    }
    if found != SWAGGER_UI_FILES.len() {
        return Err(format!("swagger-ui-dist {SWAGGER_UI_VERSION} lacks {SWAGGER_UI_FILES:?}"));
    }
    Ok(())
}

/// The tarball's bytes, from the cache beside the build or the registry,
/// refused unless its sha512 is the pinned one.
fn fetch_swagger_ui(out: &Path) -> Step<Vec<u8>> {
    let name = format!("swagger-ui-dist-{SWAGGER_UI_VERSION}.tgz");
    // target/<profile>/build/mewayz-docs-<hash>/out → target/<profile>/build/npm
    let cache_dir = out.ancestors().nth(2).unwrap_or(out).join("npm");
    let cached = cache_dir.join(&name);
    if let Ok(bytes) = fs::read(&cached)
        && integrity_of(&bytes) == SWAGGER_UI_INTEGRITY
    {
        return Ok(bytes);
    }
    let url = format!("https://registry.npmjs.org/swagger-ui-dist/-/{name}");
    let output = Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location", "--retry", "3", "--max-time", "120", &url])
        .output()
        .map_err(|e| {
            format!("running curl to fetch {url}: {e} (the docs component needs curl and the npm registry)")
        })?;
    if !output.status.success() {
        return Err(format!("fetching {url}: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let bytes = output.stdout;
    if integrity_of(&bytes) != SWAGGER_UI_INTEGRITY {
        return Err(format!("{url} does not match its pinned integrity hash"));
    }
    let caching = |e: std::io::Error| format!("caching the tarball in {}: {e}", cache_dir.display());
    fs::create_dir_all(&cache_dir).map_err(caching)?;
    let partial = cache_dir.join(format!("{name}.partial"));
    fs::write(&partial, &bytes).map_err(caching)?;
    fs::rename(&partial, &cached).map_err(caching)?;
    Ok(bytes)
}

fn integrity_of(bytes: &[u8]) -> String {
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes)))
}
