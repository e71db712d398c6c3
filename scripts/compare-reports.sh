#!/usr/bin/env bash
# Saves the reports of every shipped capture, or compares them with a saved set: the check for
# changes that must not alter behaviour (a refactor, a speed-up).
#
#   scripts/compare-reports.sh save DIR [BIN]      write DIR/<capture>.{json,txt} for every fixture
#   scripts/compare-reports.sh compare DIR [BIN]   write them again to a temporary folder and diff
#
# BIN defaults to target/release/oauth-doctor (built when missing). Every file under fixtures/
# that is a capture is run with `--format json` and with the text printer (no colour); the exit
# status is recorded with each report. `compare` exits 1 and prints the differences when any
# report differs.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: compare-reports.sh save|compare DIR [BIN]}
dir=${2:?usage: compare-reports.sh save|compare DIR [BIN]}
bin=${3:-target/release/oauth-doctor}
if [ ! -x "$bin" ]; then cargo build --release --quiet; fi

write_all() {
  local out=$1
  mkdir -p "$out"
  find fixtures -type f \( -name '*.har' -o -name '*.json' -o -name '*.ndjson' -o -name '*.jsonl' \
      -o -name '*.gz' -o -name '*.zhar' \) ! -path '*/tools/*' ! -name expected.jsonl | sort |
  while read -r f; do
    local name=${f//\//__}
    { "$bin" check "$f" --format json 2>&1; echo "exit: $?"; } >"$out/$name.json" || true
    { "$bin" check "$f" --color never 2>&1; echo "exit: $?"; } >"$out/$name.txt" || true
  done
}

case "$mode" in
  save) rm -rf "$dir"; write_all "$dir"; echo "saved $(ls "$dir" | wc -l) reports in $dir" ;;
  compare)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    write_all "$tmp"
    if diff -r "$dir" "$tmp"; then echo "identical: $(ls "$tmp" | wc -l) reports"; else exit 1; fi ;;
  *) echo "usage: compare-reports.sh save|compare DIR [BIN]" >&2; exit 2 ;;
esac
