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
# The XSD validator the JUnit schema test runs (tests/schemas/README.md); pinned, skipped when present.
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, xmlschema; sys.exit(xmlschema.__version__ != "4.3.2")' 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      xmlschema==4.3.2 elementpath==5.1.4 ||
    echo "note: could not install xmlschema; the JUnit schema test will say so" >&2
fi
cargo test --locked "$@"
