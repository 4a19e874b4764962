//! Headless Chromium (Debian's `chromium`, or `$CHROMIUM`), for the pages
//! the app serves to browsers.

use std::{path::PathBuf, process::Command};

/// Debian's Chromium, or `$CHROMIUM`.
pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from).into_iter().find(|p| p.exists())
        })
        .expect("Chromium not found: install Debian's chromium package (tests/run.sh does)")
}

/// Runs headless Chromium with `args` then `url`; returns its stdout.
pub fn headless(profile: &std::path::Path, args: &[&str], url: &str) -> String {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("running chromium");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
