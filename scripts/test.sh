#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the live-test OpenID provider's npm
# packages (when Node.js is available), then `cargo test`. Set OAUTH_DOCTOR_LIVE=1 to make a
# missing Node.js an error instead of skipping the live tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/live/node_modules ] || [ tests/live/package-lock.json -nt tests/live/node_modules ]; then
    npm ci --prefix tests/live --no-audit --no-fund --loglevel=error
  fi
else
  echo "note: npm not found; live tests against the OpenID provider are skipped" >&2
fi
cargo test --locked "$@"
