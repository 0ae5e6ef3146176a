#!/bin/sh
# Run the Node test suites: e2e (HTTP through nginx), browser (Chromium),
# deploy (units, site, man pages, install), pgbouncer (the API suites again,
# through Debian's PgBouncer in transaction mode with
# db_prepared_statements = false) or all of them (e2e includes pgbouncer).
set -eu
cd "$(dirname "$0")/.."
what=${1:-all}
files=""
# The whole API through PgBouncer; the fault and mailer suites stay direct.
bouncer="tests/e2e/skeleton.test.mjs tests/e2e/identity.test.mjs
tests/e2e/invites.test.mjs tests/e2e/invites-strict.test.mjs
tests/e2e/authz.test.mjs"
case "$what" in
e2e)	 files=$(ls tests/e2e/*.test.mjs) ;;
browser) files=$(ls tests/browser/*.test.mjs 2>/dev/null || true) ;;
deploy)	 files=$(ls tests/deploy/*.test.mjs 2>/dev/null || true) ;;
pgbouncer) ;;
all)	 files=$(ls tests/e2e/*.test.mjs tests/browser/*.test.mjs tests/deploy/*.test.mjs 2>/dev/null || true) ;;
*)	 echo "usage: $0 e2e|browser|deploy|pgbouncer|all" >&2; exit 2 ;;
esac
case "$what" in e2e|all|pgbouncer) ;; *) bouncer="" ;; esac
[ -n "$files$bouncer" ] || { echo "no tests for $what"; exit 0; }
# One file at a time: each starts its own stack, and the machine may be small.
rc=0
if [ -n "$files" ]; then
	# shellcheck disable=SC2086
	node --test --test-concurrency=1 --test-reporter=spec $files || rc=$?
fi
if [ -n "$bouncer" ]; then
	echo "== the API suites again, through PgBouncer (transaction mode)"
	# shellcheck disable=SC2086
	MEMBERD_TEST_PGBOUNCER=1 node --test --test-concurrency=1 \
	    --test-reporter=spec $bouncer || rc=$?
fi
exit $rc
