#!/usr/bin/env bash
# Makes the README's pictures: screenshots of the HTML reports of three shipped captures, taken
# with headless Chromium by tests/browser/check.mjs (which checks the pages as the browser test
# does). Needs /usr/bin/chromium and `npm ci --prefix tests/browser` (scripts/test.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
items=()
for pair in \
  op-pkce-wrong-verifier:docs/report-pkce-mismatch.png \
  okta-redirect-uri-mismatch-token:docs/report-redirect-uri.png \
  synth-auth0-token-429-retry-after:docs/report-rate-limit.png; do
  name=${pair%%:*}
  png=${pair#*:}
  # exit 1 means findings: the report is written all the same
  target/debug/oauth-doctor check --format html "fixtures/corpus/$name.har" > "$tmp/$name.html" || [ $? -eq 1 ]
  items+=("{\"name\":\"$name\",\"path\":\"$tmp/$name.html\",\"screenshot\":\"$PWD/$png\",\"viewport\":{\"width\":1280,\"height\":1000}}")
done
(IFS=,; echo "{\"html\":[${items[*]}]}") > "$tmp/manifest.json"
node tests/browser/check.mjs "$tmp/manifest.json" > "$tmp/result.json"
echo "wrote docs/report-pkce-mismatch.png docs/report-redirect-uri.png docs/report-rate-limit.png"
