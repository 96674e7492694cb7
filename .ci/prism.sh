#!/usr/bin/env bash
# Install the pinned Stoplight Prism mock server into .ci/node/ for the conformance tier.
# Idempotent: a second run with the same pin does nothing. Without node/npm it only says so,
# and tests/test_conformance.py skips with that reason.
set -euo pipefail
cd "$(dirname "$0")"

PRISM_VERSION="5.16.0"
PREFIX="node"
BIN="$PREFIX/node_modules/.bin/prism"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "prism.sh: node/npm not found; the conformance tier will be skipped" >&2
    exit 0
fi

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "$PRISM_VERSION" ]; then
    exit 0
fi

mkdir -p "$PREFIX"
# A private package.json keeps npm from walking up into anything else.
if [ ! -f "$PREFIX/package.json" ]; then
    printf '{"name": "telnyx-rooms-async-ci", "private": true}\n' >"$PREFIX/package.json"
fi
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error --save-exact \
    "@stoplight/prism-cli@$PRISM_VERSION"
"$BIN" --version
