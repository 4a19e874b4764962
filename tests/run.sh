#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a
# fresh machine with Rust, then runs every tier:
#   a. native unit tests of each crate;
#   b. artifact tests of the built .wasm (wasmparser, embedded wasmtime);
#   c. end-to-end tests on a real `spin up` — only where Spin is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null 2>&1 \
  || rustup target add wasm32-unknown-unknown wasm32-wasip2

spin_bin="${SPIN_BIN:-$(command -v spin || true)}"
if [ -n "$spin_bin" ] && [ -x "$spin_bin" ]; then
  export SPIN_BIN="$spin_bin"
  echo "tier c (end to end): $("$SPIN_BIN" --version) at $SPIN_BIN"
  filter='all()'
else
  echo "SKIPPED tier c (end to end on real Spin): no 'spin' on PATH and SPIN_BIN is unset; running tiers a and b"
  filter='not test(/^on_spin::/)'
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast -E "$filter"
else
  skip=()
  [ "$filter" = 'all()' ] || skip=(--skip on_spin::)
  cargo test --workspace --no-fail-fast -- "${skip[@]}"
fi
