#!/usr/bin/env bash
# The app on SpinKube's node runtime beside `spin up`: push, pull and start
# times, /readiness under wrk, memory idle and under 40 concurrent logins.
# Needs what tier d needs (docs/testing.md, "Tiers") plus Debian's wrk; run as root.
# Prints a table and writes target/bench/node.json; asserts nothing.
#   bash benches/node.sh [seconds per measurement, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
cargo run --quiet -p mewayz-tests --bin build-components >/dev/null
MEWAYZ_COMPONENTS_BUILT=1 exec cargo run --quiet -p mewayz-tests --bin node-bench -- "$@"
