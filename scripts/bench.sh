#!/usr/bin/env bash
# oauth-doctor throughput and memory benchmark: two HAR shapes at several sizes, by file and by
# pipe, and an NDJSON gateway log of token requests.
#
#   scripts/bench.sh [--no-build] [--sizes 10M,100M,1G] [--full] [--shapes chrome,bearer,ndjson]
#                    [--requests 1000000] [--runs 3] [--jq-max 1G] [--no-pipe] [--bin PATH]
#
#   --full     adds the 4G size (about 9 GB of disk for the two shapes, a few minutes to generate)
#   --no-build uses the existing binary instead of running `cargo build --release`
#
# Captures are generated once into bench-data/ (git-ignored) by scripts/gen-har.py (a Chrome
# session, ~1 % OAuth), scripts/gen-bearer-har.py (two thirds bearer API calls, one token per
# call, the failure at the end) and scripts/gen-gateway-log.py (NDJSON token requests). Every
# row prints the exchanges the report analysed next to the generator's count of relevant
# exchanges, the median wall time, MB/s, the peak anonymous memory (RssAnon: heap and stacks,
# not the file pages of a memory map), and the ratios to jq and to cat measured in the same run.
# Nothing is downloaded; no test asserts a time.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=1
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0; shift ;;
        --full) ARGS+=(--sizes 10M,100M,1G,4G); shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
command -v python3 >/dev/null || { echo "bench.sh: python3 is required" >&2; exit 2; }
if [ "$BUILD" = 1 ]; then
    cargo build --release >&2
fi
mkdir -p bench-data
exec python3 scripts/bench.py ${ARGS[@]+"${ARGS[@]}"}
