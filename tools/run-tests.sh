#!/bin/sh
# Run the Node test suites: e2e (HTTP through nginx), browser (Chromium),
# deploy (units, site, man pages, install) or all of them.
set -eu
cd "$(dirname "$0")/.."
what=${1:-all}
files=""
case "$what" in
e2e)	 files=$(ls tests/e2e/*.test.mjs) ;;
browser) files=$(ls tests/browser/*.test.mjs 2>/dev/null || true) ;;
deploy)	 files=$(ls tests/deploy/*.test.mjs 2>/dev/null || true) ;;
all)	 files=$(ls tests/e2e/*.test.mjs tests/browser/*.test.mjs tests/deploy/*.test.mjs 2>/dev/null || true) ;;
*)	 echo "usage: $0 e2e|browser|deploy|all" >&2; exit 2 ;;
esac
[ -n "$files" ] || { echo "no tests for $what"; exit 0; }
# One file at a time: each starts its own stack, and the machine may be small.
# shellcheck disable=SC2086
exec node --test --test-concurrency=1 --test-reporter=spec $files
