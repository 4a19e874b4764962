#!/usr/bin/env bash
# A hung PostgreSQL (SIGSTOP for 30 s) under 16 clients on Spin 4: resident
# memory of `spin up` and its trigger before, during and after, and how the
# requests answered in each phase (tests/support/bin/hang_bench.rs). Needs
# Spin 4 (SPIN_BIN, else spin-4.0.2 or spin) and Debian's postgresql.
#   bash benches/hang.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
cargo run --quiet -p mewayz-tests --bin build-components >/dev/null
MEWAYZ_COMPONENTS_BUILT=1 exec cargo run --quiet --release -p mewayz-tests --bin hang-bench
