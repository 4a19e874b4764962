#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a
# fresh machine with Rust, checks formatting and lints, then runs every tier:
#   a. native unit tests of each crate;
#   b. artifact tests of the built .wasm (wasmparser, embedded wasmtime);
#   c. end-to-end tests on a real `spin up` 4.0, on SQLite and on PostgreSQL,
#      and a smoke run of the Spin 3.6 build on `spin up` 3.6;
#   d. the Spin 3.6 build on SpinKube's node runtime: containerd +
#      containerd-shim-spin 0.24, pulled from a local registry.
# Tiers c and d need the runtimes installed (README, "Test"); without them
# the run fails unless MEWAYZ_SKIP_RUNTIME_TIERS=1 opts out.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The pinned toolchain (rust-toolchain.toml), its lints and wasm targets: a
# no-op where they are installed.
toolchain="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
rustup -q toolchain install "$toolchain" --profile minimal -c clippy -c rustfmt \
  -t wasm32-unknown-unknown -t wasm32-wasip2

# --- Runtimes: Spin (tier c); containerd, its shim and a registry (tier d) --
# A missing runtime fails the run. MEWAYZ_SKIP_RUNTIME_TIERS=1 skips tiers c
# and d on purpose; the skip is printed again beside the counts at the end.
runtime_help='Get them as the README says under "Test": Spin 4.0.x (as spin-4.0.2, or SPIN_BIN),
Spin 3.6.3 (as spin or spin-3.6.3, or SPIN3_BIN), containerd >= 1.7.7 with ctr,
containerd-shim-spin-v2 0.24 on PATH.
To run only tiers a and b on purpose: MEWAYZ_SKIP_RUNTIME_TIERS=1 bash tests/run.sh'
skipped=''
if [ "${MEWAYZ_SKIP_RUNTIME_TIERS:-}" = 1 ]; then
  skipped='SKIPPED tiers c and d (real Spin, SpinKube node runtime): MEWAYZ_SKIP_RUNTIME_TIERS=1'
  echo "$skipped"
  filter='not test(/^on_spin/) and not test(/^on_shim/)'
else
  missing=()
  # Spin 4 for tier c, Spin 3.6 for the previous generation's build.
  spin_bin="${SPIN_BIN:-$(command -v spin-4.0.2 || command -v spin || true)}"
  spin3_bin="${SPIN3_BIN:-$(command -v spin-3.6.3 || command -v spin || true)}"
  spin_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
  case "$(spin_version "$spin_bin")" in 4.0.*) ;; *) missing+=("Spin 4.0 (spin-4.0.2 or SPIN_BIN)") ;; esac
  case "$(spin_version "$spin3_bin")" in 3.6.*) ;; *) missing+=("Spin 3.6 (spin, spin-3.6.3 or SPIN3_BIN)") ;; esac
  for bin in containerd ctr containerd-shim-spin-v2; do
    command -v "$bin" >/dev/null || missing+=("$bin")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "tests/run.sh: missing runtimes for tiers c and d: ${missing[*]}" >&2
    echo "$runtime_help" >&2
    exit 1
  fi
  containerd_version="$(containerd --version | awk '{print $3}' | sed 's/^v//; s/[~+-].*//')"
  if [ "$(printf '%s\n' 1.7.7 "$containerd_version" | sort -V | head -n 1)" != 1.7.7 ]; then
    echo "tests/run.sh: containerd $containerd_version is too old for the Spin shim (needs >= 1.7.7)" >&2
    echo "$runtime_help" >&2
    exit 1
  fi
  if ! command -v docker-registry >/dev/null; then
    echo "installing docker-registry (Debian package)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
  fi
  [ "$(id -u)" = 0 ] || { echo "tests/run.sh: tier d runs containerd and must run as root" >&2; exit 1; }
  export SPIN_BIN="$spin_bin" SPIN3_BIN="$spin3_bin"
  echo "tier c (end to end): $("$SPIN_BIN" --version) at $SPIN_BIN; the Spin 3.6 build: $("$SPIN3_BIN" --version) at $SPIN3_BIN"
  echo "tier d (node runtime): containerd $containerd_version, $(containerd-shim-spin-v2 -v | awk '/Version:/{print "containerd-shim-spin " $2}')"
  filter='all()'
fi

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

# --- sqlite3: tests set states no route makes (an expired invitation) --------
if ! command -v sqlite3 >/dev/null; then
  echo "installing sqlite3 (Debian package)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
fi

# --- schemathesis (PyPI), in a venv of its own under target/ -----------------
SCHEMATHESIS_VERSION=4.32.5
venv="target/venv-schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $venv"
  python3 -m venv "$venv" 2>/dev/null || {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
export SCHEMATHESIS="$PWD/$venv/bin/schemathesis"

# --- A generated TypeScript client (npm): openapi-typescript, openapi-fetch,
# typescript, at the versions tests/ts-client/package-lock.json pins --------
ts_client="target/ts-client"
if ! cmp -s tests/ts-client/package-lock.json "$ts_client/package-lock.json" || [ ! -x "$ts_client/node_modules/.bin/tsc" ]; then
  command -v npm >/dev/null || {
    echo "installing Node.js and npm (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  }
  echo "installing the TypeScript client's npm packages into $ts_client"
  mkdir -p "$ts_client"
  cp tests/ts-client/package.json tests/ts-client/package-lock.json "$ts_client/"
  (cd "$ts_client" && npm ci --silent --no-audit --no-fund)
fi
export TS_CLIENT_MODULES="$PWD/$ts_client"

# --- Chromium: the public bio page is tested in a real browser ---------------
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "installing Chromium (Debian package)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# A clean run builds everything once: cargo's incremental caches would only
# add gigabytes of disk (CI machines have little to spare).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# --- Formatting and lints: the workspace natively, then every component
# crate spin.toml builds, for its wasm target, for Spin 4 and for Spin 3.6 ----
cargo fmt --all --check
# What spin.toml generates (watch lists, deploy/split/) is what is committed.
cargo run --quiet -p generate -- --check
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
# shellcheck disable=SC2046 # one word per crate folder
component_crates=$(grep -o 'build-component -- [a-z-]*' spin.toml | awk '{print $3}' | sort -u)
# shellcheck disable=SC2086
cargo run --quiet --release -p build-component -- --clippy $component_crates
# shellcheck disable=SC2086
cargo run --quiet --release -p build-component -- --clippy --spin3 $component_crates

# Build every component once, as `spin build` would, and show their sizes;
# then the Spin 3.6 build and its manifest (target/spin3/spin.toml).
cargo run --quiet -p mewayz-tests --bin build-components
cargo run --quiet --release -p build-component -- --spin3 --all
export MEWAYZ_COMPONENTS_BUILT=1

status=0
if cargo nextest --version >/dev/null 2>&1; then
  # The overload tests (`never_starve…`, tiers c and d) assert what the
  # kubelet would see — every probe within 1 s — under a load they make
  # themselves: they run after the others, one at a time, so that no other
  # test's load on these cores is counted as theirs.
  alone='test(/never_starve/)'
  cargo nextest run --workspace --no-fail-fast -E "($filter) and not $alone" || status=$?
  cargo nextest run --workspace --no-fail-fast --no-tests=pass --test-threads 1 -E "($filter) and $alone" || status=$?
else
  skip=()
  [ "$filter" = 'all()' ] || skip=(--skip on_spin --skip on_shim)
  # As above: the overload tests after the others, one at a time.
  cargo test --workspace --no-fail-fast -- "${skip[@]}" --skip never_starve || status=$?
  [ "$filter" = 'all()' ] && { cargo test --workspace --no-fail-fast -- never_starve --test-threads 1 || status=$?; }
fi
echo "disk: $(du -sh target | cut -f1) in target/, $(df -h --output=avail . | tail -n 1 | tr -d ' ') free"
[ -z "$skipped" ] || echo "$skipped"
exit "$status"
