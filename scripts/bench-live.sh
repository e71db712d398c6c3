#!/usr/bin/env bash
# Benchmark (not a test): the wall time of a live `oauth-doctor check` client_credentials request
# against the same token request made with curl, both against the local OpenID provider in
# tests/live. Prints the median of N runs of each and their ratio (target: oauth-doctor ≤ 1.2×
# curl: the diagnosis must cost next to nothing beyond the request itself).
#
#   scripts/bench-live.sh [N]        (default N=30; needs node, npm ci in tests/live, curl)
#
# Both sides make exactly one POST to the token endpoint (no discovery, no JWKS) with
# client_secret_basic, over a fresh process and connection each time.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-30}"

for tool in node curl cargo; do
  command -v "$tool" >/dev/null || { echo "bench-live: $tool is required" >&2; exit 2; }
done
[ -d tests/live/node_modules ] || npm ci --prefix tests/live --no-audit --no-fund --loglevel=error

cargo build --release --locked --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/oauth-doctor"

# The provider exits when its stdin closes: keep it on a coprocess pipe owned by this script.
coproc PROVIDER { exec node tests/live/server.mjs 0 2>/dev/null; }
trap 'kill "$PROVIDER_PID" 2>/dev/null || true' EXIT
read -r -t 20 ready issuer <&"${PROVIDER[0]}" || { echo "bench-live: provider did not start" >&2; exit 2; }
[ "$ready" = READY ] || { echo "bench-live: unexpected provider output: $ready $issuer" >&2; exit 2; }
TOKEN_URL="$issuer/token"
export BENCH_SECRET=conf-basic-secret

run_doctor() {
  "$BIN" check --token-url "$TOKEN_URL" --grant-type client_credentials \
    --client-id conf-basic --client-secret-env BENCH_SECRET -q >/dev/null 2>&1
}
run_curl() {
  curl -sS -o /dev/null --fail -u "conf-basic:$BENCH_SECRET" \
    -H 'Accept: application/json' -d grant_type=client_credentials "$TOKEN_URL"
}

# milliseconds (3 decimals) of one call of "$1"
time_one() {
  local start end
  start=$(date +%s%N)
  "$1"
  end=$(date +%s%N)
  echo "scale=3; ($end - $start) / 1000000" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# warm up both (provider JIT, page cache)
for _ in 1 2 3; do run_doctor || true; run_curl; done
run_doctor || { echo "bench-live: the oauth-doctor request fails" >&2; "$BIN" check --token-url "$TOKEN_URL" --grant-type client_credentials --client-id conf-basic --client-secret-env BENCH_SECRET >&2 || true; exit 2; }

doctor_times=(); curl_times=()
for _ in $(seq "$N"); do   # interleaved, so drift hits both alike
  doctor_times+=("$(time_one run_doctor)")
  curl_times+=("$(time_one run_curl)")
done
d=$(printf '%s\n' "${doctor_times[@]}" | median)
c=$(printf '%s\n' "${curl_times[@]}" | median)
ratio=$(printf "%.2f" "$(echo "scale=4; $d / $c" | bc)")
printf 'runs: %s each, provider %s\n' "$N" "$issuer"
printf 'oauth-doctor check (live client_credentials): median %8.3f ms\n' "$d"
printf 'curl (same token request):                   median %8.3f ms\n' "$c"
printf 'ratio: %s× (target ≤ 1.2×)\n' "$ratio"
