#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the live-test OpenID provider's npm
# packages and the browser tests' npm packages (when Node.js is available) and Debian's Chromium
# (when missing, as root with apt), then `cargo test`. Set OAUTH_DOCTOR_LIVE=1 to make a missing
# Node.js or Chromium an error instead of skipping the live and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  for dir in tests/live tests/browser; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
  done
else
  echo "note: npm not found; live tests against the OpenID provider and browser tests are skipped" >&2
fi
# Headless Chromium for the HTML report's browser test (tests/browser.rs): Debian's package.
if [ -z "${OAUTH_DOCTOR_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
      echo "note: could not install chromium; the browser tests will say so" >&2
  else
    echo "note: /usr/bin/chromium not found (Debian package chromium); the browser tests are skipped" >&2
  fi
fi
# The XSD validator the JUnit schema test runs (tests/schemas/README.md); pinned, skipped when present.
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, xmlschema; sys.exit(xmlschema.__version__ != "4.3.2")' 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      xmlschema==4.3.2 elementpath==5.1.4 ||
    echo "note: could not install xmlschema; the JUnit schema test will say so" >&2
fi
cargo test --locked "$@"
