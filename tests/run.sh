#!/usr/bin/env bash
# The one test command (README, .ci/run). It installs what the tests need on
# a fresh machine with Rust, checks formatting and lints, then runs every
# tier whose runtime is installed:
#   a. native: every crate's unit tests, and the behaviour suites in process
#      (each route's component handler called in the test process, through
#      the native host, on real SQLite and PostgreSQL);
#   b. artifacts: the built .wasm (wasmparser, embedded wasmtime), the
#      component lock, the manifests in deploy/;
#   c. end to end on `spin up` 4.0, on SQLite and PostgreSQL (what only a
#      runtime shows), and the Spin 3.6 build on `spin up` 3.6;
#   d. the Spin 3.6 build on SpinKube's node runtime: containerd +
#      containerd-shim-spin 0.24, pulled from a local registry.
# A tier whose runtime is missing is not run, and the last line says so with
# the missing binary; MEWAYZ_REQUIRE_RUNTIMES=1 makes that a failure.
#
#   bash tests/run.sh          every tier whose runtime is installed
#   bash tests/run.sh quick    the fast loop: formatting, native lints, unit
#                              tests, the in-process suites and the docs'
#                              links (no wasm build)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-all}"
case "$mode" in all | quick) ;; *) echo "usage: tests/run.sh [quick]" >&2; exit 2 ;; esac

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "installing $* (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The pinned toolchain (rust-toolchain.toml), its lints and wasm targets: a
# no-op where they are installed.
toolchain="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
rustup -q toolchain install "$toolchain" --profile minimal -c clippy -c rustfmt \
  -t wasm32-unknown-unknown -t wasm32-wasip2

# The test runner (crates.io), where the machine lacks it.
cargo nextest --version >/dev/null 2>&1 || {
  echo "installing cargo-nextest (crates.io)"
  cargo install --locked --quiet cargo-nextest
}

# --- Which tiers can run: each needs its runtime installed -----------------
# NOT RUN lines, printed again as the last line.
not_run=()
spin_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
find_spin() { # $1: version prefix; then candidates
  local prefix="$1" candidate path; shift
  for candidate in "$@"; do
    path="$(command -v "$candidate" 2>/dev/null || true)"
    [ -n "$path" ] || continue
    case "$(spin_version "$path")" in "$prefix".*) echo "$path"; return ;; esac
  done
}
tier_c=0 tier_spin3=0 tier_d=0
if [ "$mode" = all ]; then
  spin_bin="$(find_spin 4.0 ${SPIN_BIN:+"$SPIN_BIN"} spin-4.0.2 spin)"
  spin3_bin="$(find_spin 3.6 ${SPIN3_BIN:+"$SPIN3_BIN"} spin-3.6.3 spin)"
  if [ -n "$spin_bin" ]; then tier_c=1; else
    not_run+=("tier c (spin up 4.0): no Spin 4.0.x binary (spin-4.0.2 or spin on PATH, or SPIN_BIN)"); fi
  if [ -n "$spin3_bin" ]; then tier_spin3=1; else
    not_run+=("tier c's Spin 3.6 build on spin up 3.6: no Spin 3.6.x binary (spin-3.6.3 or spin on PATH, or SPIN3_BIN)"); fi
  missing_d=()
  for bin in containerd ctr containerd-shim-spin-v2; do command -v "$bin" >/dev/null || missing_d+=("$bin"); done
  [ -n "$spin3_bin" ] || missing_d+=("Spin 3.6.x (spin registry push)")
  if [ "${#missing_d[@]}" = 0 ]; then
    containerd_version="$(containerd --version | awk '{print $3}' | sed 's/^v//; s/[~+-].*//')"
    if [ "$(printf '%s\n' 1.7.7 "$containerd_version" | sort -V | head -n 1)" != 1.7.7 ]; then
      missing_d+=("containerd >= 1.7.7 (found $containerd_version)")
    elif [ "$(id -u)" != 0 ]; then
      missing_d+=("root (tier d runs containerd)")
    fi
  fi
  if [ "${#missing_d[@]}" = 0 ]; then tier_d=1; else
    not_run+=("tier d (containerd + containerd-shim-spin 0.24): missing $(printf '%s, ' "${missing_d[@]}" | sed 's/, $//')"); fi
  if [ "${#not_run[@]}" -gt 0 ]; then
    printf 'NOT RUN: %s\n' "${not_run[@]}"
    echo 'Install them as docs/testing.md says under "Installing the runtimes".'
    if [ "${MEWAYZ_REQUIRE_RUNTIMES:-}" = 1 ]; then
      echo "tests/run.sh: MEWAYZ_REQUIRE_RUNTIMES=1 and a runtime is missing" >&2
      exit 1
    fi
  fi
  [ "$tier_c" = 1 ] && { export SPIN_BIN="$spin_bin"; echo "tier c: $("$SPIN_BIN" --version) at $SPIN_BIN"; }
  [ "$tier_spin3" = 1 ] && { export SPIN3_BIN="$spin3_bin"; echo "tier c, Spin 3.6 build: $("$SPIN3_BIN" --version) at $SPIN3_BIN"; }
  [ "$tier_d" = 1 ] && echo "tier d: containerd $containerd_version, $(containerd-shim-spin-v2 -v | awk '/Version:/{print "containerd-shim-spin " $2}')"
fi

# --- PostgreSQL: a throwaway server unless DATABASE_URL names one ----------
# Its own process group under this script, stopped on every exit; tests
# that need a server of their own start it the same way (support/postgres.rs).
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "${DATABASE_URL:-}" ]; then
  if [ -z "$(pg_bin)" ] || ! command -v psql >/dev/null; then apt_install postgresql postgresql-client; fi
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
  trap 'exit 130' INT TERM
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "PostgreSQL: throwaway server on 127.0.0.1:$pg_port"
fi

# --- What only tier c's tests use, installed only when it runs ---------------
if [ "$tier_c" = 1 ]; then
  # schemathesis (PyPI), in a venv of its own under target/.
  SCHEMATHESIS_VERSION=4.32.5
  venv="target/venv-schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="$PWD/$venv/bin/schemathesis"

  # A generated TypeScript client (npm): openapi-typescript, openapi-fetch,
  # typescript, at the versions tests/ts-client/package-lock.json pins.
  ts_client="target/ts-client"
  if ! cmp -s tests/ts-client/package-lock.json "$ts_client/package-lock.json" || [ ! -x "$ts_client/node_modules/.bin/tsc" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    echo "installing the TypeScript client's npm packages into $ts_client"
    mkdir -p "$ts_client"
    cp tests/ts-client/package.json tests/ts-client/package-lock.json "$ts_client/"
    (cd "$ts_client" && npm ci --silent --no-audit --no-fund)
  fi
  export TS_CLIENT_MODULES="$PWD/$ts_client"

  # Chromium: the public bio page and the docs page in a real browser.
  [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || apt_install chromium
fi
# A local OCI registry for tier d.
if [ "$tier_d" = 1 ] && ! command -v docker-registry >/dev/null; then apt_install docker-registry; fi

# A clean run builds everything once: cargo's incremental caches would only
# add gigabytes of disk (CI machines have little to spare).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# --- Formatting and lints ----------------------------------------------------
cargo fmt --all --check
# What spin.toml generates (watch lists, deploy/split/) is what is committed.
cargo run --quiet -p generate -- --check
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
if [ "$mode" = all ]; then
  # Every component crate spin.toml builds, for its wasm target, for Spin 4
  # and for Spin 3.6.
  # shellcheck disable=SC2046 # one word per crate folder
  component_crates=$(grep -o 'build-component -- [a-z-]*' spin.toml | awk '{print $3}' | sort -u)
  # shellcheck disable=SC2086
  cargo run --quiet --release -p build-component -- --clippy $component_crates
  # shellcheck disable=SC2086
  cargo run --quiet --release -p build-component -- --clippy --spin3 $component_crates

  # Build every component once, as `spin build` would, and show their
  # sizes; the Spin 3.6 build and its manifest (target/spin3/spin.toml)
  # only for the tiers that run it.
  cargo run --quiet -p mewayz-tests --bin build-components
  if [ "$tier_spin3" = 1 ] || [ "$tier_d" = 1 ]; then
    cargo run --quiet --release -p build-component -- --spin3 --all
  fi
  export MEWAYZ_COMPONENTS_BUILT=1
fi

# --- The tests -----------------------------------------------------------------
# Test names say what they need: `in_process` first (tier a), `on_spin` (tier c,
# Spin 4), `on_spin3` (Spin 3.6), `on_shim` (tier d); the rest are unit
# tests and artifact tests (tier b).
if [ "$mode" = quick ]; then
  filter='not package(mewayz-tests) or kind(lib) or test(/^in_process/) or binary(docs)'
else
  filter='all()'
  [ "$tier_c" = 1 ] || filter="$filter and not test(/^on_spin[:_]/)"
  [ "$tier_spin3" = 1 ] || filter="$filter and not test(/^on_spin3/)"
  [ "$tier_d" = 1 ] || filter="$filter and not test(/^on_shim/)"
fi
status=0
# The overload tests (`never_starve…`, tiers c and d) assert what the kubelet
# would see — every probe within 1 s — under a load they make themselves:
# they run after the others, one at a time, so that no other test's load on
# these cores is counted as theirs.
alone='test(/never_starve/)'
cargo nextest run --workspace --no-fail-fast -E "($filter) and not $alone" || status=$?
if [ "$mode" = all ]; then
  cargo nextest run --workspace --no-fail-fast --no-tests=pass --test-threads 1 -E "($filter) and $alone" || status=$?
fi
echo "disk: $(du -sh target | cut -f1) in target/, $(df -h --output=avail . | tail -n 1 | tr -d ' ') free"
if [ "$mode" = quick ]; then
  echo "RAN: tier a (formatting, native lints, unit tests, in-process suites, docs links); NOT RUN: tiers b, c and d (quick; bash tests/run.sh runs them)"
else
  ran="tier a, tier b"
  [ "$tier_c" = 1 ] && ran="$ran, tier c (spin up 4.0)"
  [ "$tier_spin3" = 1 ] && ran="$ran, tier c's Spin 3.6 build"
  [ "$tier_d" = 1 ] && ran="$ran, tier d"
  if [ "${#not_run[@]}" -gt 0 ]; then
    echo "RAN: $ran; NOT RUN: $(printf '%s; ' "${not_run[@]}" | sed 's/; $//')"
  else
    echo "RAN: $ran; every tier ran"
  fi
fi
exit "$status"
