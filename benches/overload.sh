#!/usr/bin/env bash
# Probes under load on `spin up` (Spin 4): the kubelet-style sampler at rest,
# under 40 and 200 clients logging in and under `me` at 64 connections, on
# SQLite and PostgreSQL, with peak memory (tests/support/bin/overload_bench.rs).
# Needs Spin 4 (SPIN_BIN, else spin-4.0.2 or spin) and, for PostgreSQL,
# DATABASE_URL or Debian's postgresql as for the tests. Asserts nothing.
#   bash benches/overload.sh
#   OVERLOAD_SECONDS=20 OVERLOAD_SLOTS=3 OVERLOAD_BACKENDS=postgres bash benches/overload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
cargo run --quiet -p mewayz-tests --bin build-components >/dev/null
MEWAYZ_COMPONENTS_BUILT=1 exec cargo run --quiet --release -p mewayz-tests --bin overload-bench
