#!/usr/bin/env bash
# Probe and feature throughput on a real `spin up`, measured with wrk (Debian's
# `wrk` package). Prints wrk's figures per route; asserts nothing.
#   bash benches/probes.sh [seconds per route, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
spin_bin="${SPIN_BIN:-$(command -v spin)}"

cargo run --quiet -p mewayz-tests --bin build-components >/dev/null
state="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SPIN_VARIABLE_AUTH_SECRET="bench-secret-0123456789abcdef0123456789" \
  "$spin_bin" up --listen "127.0.0.1:$port" --state-dir "$state" >"$state/spin.log" 2>&1 &
spin_pid=$!
trap 'kill $spin_pid 2>/dev/null; wait $spin_pid 2>/dev/null; rm -rf "$state"' EXIT
until curl -sf "http://127.0.0.1:$port/readiness" >/dev/null; do sleep 0.2; done

token="$(curl -sf -X POST "http://127.0.0.1:$port/api/auth/register" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"a long password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

echo "$("$spin_bin" --version), $(nproc) cores, wrk -t2 -c16 -d${duration}s"
for route in /readiness /liveness / /api/status /api/auth/me; do
  echo "== GET $route"
  wrk -t2 -c16 -d"${duration}s" --latency -H "authorization: Bearer $token" "http://127.0.0.1:$port$route" \
    | grep -E "Requests/sec|Latency  |50%|99%|Non-2xx"
done
