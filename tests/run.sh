#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a
# fresh machine with Rust, then runs every tier:
#   a. native unit tests of each crate;
#   b. artifact tests of the built .wasm (wasmparser, embedded wasmtime);
#   c. end-to-end tests on a real `spin up`, on SQLite and on PostgreSQL —
#      only where Spin is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

rustup -q target add wasm32-unknown-unknown wasm32-wasip2

# --- PostgreSQL: a throwaway server unless DATABASE_URL names one ----------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "${DATABASE_URL:-}" ]; then
  if [ -z "$(pg_bin)" ] || ! command -v psql >/dev/null; then
    echo "installing PostgreSQL (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
  fi
  export PG_BIN="$(pg_bin)"
  pg_dir="$(mktemp -d -t mewayz-pg.XXXXXX)"
  pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # initdb and postgres refuse to run as root: as root, run them as `postgres`.
  runuser_bin="$(command -v runuser || echo /usr/sbin/runuser)"
  run_pg() { (cd / && if [ "$(id -u)" = 0 ]; then "$runuser_bin" -u postgres -- "$@"; else "$@"; fi); }
  [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
  run_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  stop_pg() { run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
  trap stop_pg EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "PostgreSQL: throwaway server on 127.0.0.1:$pg_port"
fi

# --- Chromium: the public bio page is tested in a real browser ---------------
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "installing Chromium (Debian package)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# --- Spin -------------------------------------------------------------------
spin_bin="${SPIN_BIN:-$(command -v spin || true)}"
if [ -n "$spin_bin" ] && [ -x "$spin_bin" ]; then
  export SPIN_BIN="$spin_bin"
  echo "tier c (end to end): $("$SPIN_BIN" --version) at $SPIN_BIN"
  filter='all()'
else
  echo "SKIPPED tier c (end to end on real Spin): no 'spin' on PATH and SPIN_BIN is unset; running tiers a and b"
  filter='not test(/^on_spin/)'
fi

# Build every component once, as `spin build` would, and show their sizes.
cargo run --quiet -p mewayz-tests --bin build-components
export MEWAYZ_COMPONENTS_BUILT=1

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast -E "$filter"
else
  skip=()
  [ "$filter" = 'all()' ] || skip=(--skip on_spin)
  cargo test --workspace --no-fail-fast -- "${skip[@]}"
fi
