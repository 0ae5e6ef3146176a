# Shared by the bench/ scripts: a throwaway stack of release binaries on
# free loopback ports, started by the same tools/stack.sh as `make run`.
# shellcheck shell=bash
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# bench_up [extra memberd.conf lines]: sets BENCH_DIR, URL, PGPORT, CONF.
bench_up() {
	[ -x "$REPO/build/memberd" ] || make -C "$REPO" -s all
	BENCH_DIR=$(mktemp -d /tmp/memberd-bench-XXXXXX)
	chmod 755 "$BENCH_DIR"
	export STACK_DIR=$BENCH_DIR STACK_BIN=${BENCH_BIN:-$REPO/build} STACK_WORKERS=${BENCH_WORKERS:-2}
	export STACK_MAILER=${BENCH_MAILER:-0} STACK_WEBHOOKS=${BENCH_WEBHOOKS:-0} STACK_RECEIVER=0
	export STACK_EXTRA_CONF="log_level = warn
${1:-}"
	# a port free when picked may be taken by the time its server binds it
	# (another stack, or the local end of someone's connection): try again
	local try
	for try in 1 2 3; do
		export MEMBERD_HTTP_PORT=$(free_port) MEMBERD_PG_PORT=$(free_port) \
		    MEMBERD_SMTP_PORT=$(free_port) MEMBERD_HOOK_PORT=$(free_port)
		"$REPO/tools/stack.sh" up >/dev/null && break
		"$REPO/tools/stack.sh" down >/dev/null 2>&1 || true
		[ "$try" -lt 3 ] || exit 1
	done
	URL=http://127.0.0.1:$MEMBERD_HTTP_PORT
	PGPORT=$MEMBERD_PG_PORT
	CONF=$BENCH_DIR/memberd.conf
	trap bench_down EXIT
}

bench_down() {
	"$REPO/tools/stack.sh" down >/dev/null 2>&1 || true
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_DIR"
}

psql_memberd() {
	psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U memberd memberd "$@"
}

# Requests per second from wrk's output.
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }'; }
