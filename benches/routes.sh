#!/usr/bin/env bash
# Feature routes beside their floors (Spin's host-only health route; a
# do-nothing WASI P3 component of the routes' generation and a do-nothing P2
# one; SELECT 1 on a kept connection: benches/floor, benches/database-floor)
# on `spin up`, with SQLite and with PostgreSQL, at 1, 16 and 64
# connections, measured with wrk. Prints a table and writes
# target/bench/routes.json and routes.svg; asserts nothing.
# BENCH_SPIN=3.6 measures the Spin 3.6 build on Spin 3.6 (SPIN3_BIN, else
# spin-3.6.3 or spin); the default is the default build on Spin 4 (SPIN_BIN,
# else spin-4.0.2 or spin).
# PostgreSQL: DATABASE_URL names a server to create databases in, or
# PG_BIN points at Debian's postgresql binaries (a private server is started).
# BENCH_NODELAY=1 preloads benches/nodelay/nodelay.c (built with cc) into
# Spin, which then sets TCP_NODELAY on its connections: a diagnostic.
#   bash benches/routes.sh [seconds per measurement, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
export PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
cargo run --quiet -p mewayz-tests --bin build-components >/dev/null
case "${BENCH_SPIN:-4}" in
  3.*) cargo run --quiet --release -p build-component -- --spin3 --all ;;
esac
if [ "${BENCH_NODELAY:-0}" = 1 ]; then
  mkdir -p target/bench
  cc -shared -fPIC -O2 -o target/bench/nodelay.so benches/nodelay/nodelay.c -ldl
  export BENCH_PRELOAD="$PWD/target/bench/nodelay.so"
fi
MEWAYZ_COMPONENTS_BUILT=1 exec cargo run --quiet -p mewayz-tests --bin route-bench -- "$@"
