#!/usr/bin/env bash
# bench/webhooks.sh: memberd-webhooks throughput to a local receiver, beside
# `curl --parallel` runs making the same number of POSTs of the same body
# to that receiver, in alternating rounds of the same run. See
# bench/README.md.
#
# Order per endpoint (DESIGN 10.2) lets memberd-webhooks have one request
# in flight per endpoint; curl --parallel has 50 (its default). So each
# endpoint count k is set beside two curl runs: curl --parallel (50 at
# once: the issue's ceiling, like for like at k = 50) and curl
# --parallel-max k (as many at once as memberd may have).
#
# Environment:
#   N=20000          events
#   ENDPOINTS="50 8 1" endpoint counts to run
#   ROUNDS=3        alternating deliverer / curl rounds; medians reported
#   PARALLEL=50     curl --parallel-max of the ceiling
#   BATCH=          webhooks_batch_size (default: memberd's own)
#   BENCH_FAST=0    1: PostgreSQL without fsync (as the tests run it)
set -euo pipefail
shopt -s inherit_errexit

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-20000}
ENDPOINTS=${ENDPOINTS:-"50 8 1"}
ROUNDS=${ROUNDS:-3}
PARALLEL=${PARALLEL:-50}
BIN=$REPO/build

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: the stack runs PostgreSQL as postgres"
make -C "$REPO" -s all >/dev/null

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

DIR=$(mktemp -d /tmp/memberd-bench-XXXXXX)
chmod 755 "$DIR"
export STACK_DIR=$DIR STACK_BIN=$BIN STACK_MAILER=0 STACK_CATCHER=0 STACK_WORKERS=1
export STACK_WEBHOOKS=0 STACK_RECEIVER=0 STACK_FAST=${BENCH_FAST:-0}
export MEMBERD_HTTP_PORT=$(free_port) MEMBERD_PG_PORT=$(free_port) MEMBERD_SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
PG_PORT=$MEMBERD_PG_PORT
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	"$REPO/tools/stack.sh" down >/dev/null 2>&1 || true
	if [ "${KEEP:-0}" = 1 ]; then say "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$PG_PORT" -U memberd -d memberd "$@"
}

say "starting PostgreSQL and memberd in $DIR (fsync $([ "$STACK_FAST" = 1 ] && echo off || echo on))"
"$REPO/tools/stack.sh" up >/dev/null
CONF=$DIR/memberd.conf
[ -z "${BATCH:-}" ] || printf 'webhooks_batch_size = %s\n' "$BATCH" >> "$CONF"
printf 'log_level = warn\n' >> "$CONF"

# The receiver: answers 204 to every POST, keep-alive, and counts.
node -e '
const http = require("node:http");
let n = 0;
const s = http.createServer((req, res) => { req.resume(); req.on("end", () => { n++; res.writeHead(204); res.end(); }); });
s.keepAliveTimeout = 60000;
s.listen(Number(process.argv[1]), "127.0.0.1");
process.on("SIGTERM", () => { console.error(`receiver: ${n} requests`); process.exit(0); });
' "$SINK_PORT" &
PIDS+=($!)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break; sleep 0.1; done

# An event body of the size the flows will send (an invite object).
DATA='{"invite": {"id": 123456, "client_id": 4242, "email": "zoe@example.org", "permissions": ["profile", "contacts", "products", "domains", "invoices", "tickets"], "status": "pending", "created_at": "2026-12-01T10:00:00Z", "expires_at": "2026-12-08T10:00:00Z", "last_sent_at": "2026-12-01T10:00:00Z", "sent_count": 1, "delivery": "queued", "invited_by": {"kind": "user", "name": "Ann Example"}}}'

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Deliverer: N events over k endpoints, emitted first, drained by -1.
deliver_round() {
	local k=$1 t0 t1 got
	psql_ -c "TRUNCATE webhook_deliveries" >/dev/null
	psql_ -c "SELECT memberd_webhook_emit('invite.created', '$DATA'::jsonb)
		FROM generate_series(1, $((N / k)))" >/dev/null
	psql_ -c "ANALYZE webhook_deliveries" >/dev/null	# as autovacuum would
	t0=$(now)
	${WRAP:-} "$BIN/memberd-webhooks" -1 -c "$CONF" 2>>"$DIR/webhooks.log"
	t1=$(now)
	got=$(psql_ -c "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'")
	[ "$got" -eq $(((N / k) * k)) ] || die "delivered $got of $(((N / k) * k))"
	awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# curl: the same number of POSTs of a body of the same size, one run
# (par: --parallel-max; 1 is one at a time, as one endpoint's lane).
curl_round() {
	local k=$1 par=${2:-$PARALLEL} t0 t1 i
	body=$(psql_ -c "SELECT payload::text FROM webhook_deliveries LIMIT 1")
	printf '%s' "$body" > "$DIR/body.json"
	: > "$DIR/urls"
	for i in $(seq 1 $(((N / k) * k))); do
		printf 'url = "http://127.0.0.1:%s/e%d"\noutput = "/dev/null"\n' "$SINK_PORT" $((i % k)) >> "$DIR/urls"
	done
	t0=$(now)
	curl -s --no-progress-meter --parallel --parallel-max "$par" -K "$DIR/urls" --data-binary @"$DIR/body.json" \
		-H 'Content-Type: application/json' -H 'webhook-id: msg_x' -H 'webhook-timestamp: 1' \
		-H 'webhook-signature: v1,AAAA' --fail
	t1=$(now)
	awk -v n=$(((N / k) * k)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }

for k in $ENDPOINTS; do
	psql_ -c "TRUNCATE webhook_endpoints CASCADE" >/dev/null
	for i in $(seq 0 $((k - 1))); do
		"$BIN/memberctl" -c "$CONF" webhook add "http://127.0.0.1:$SINK_PORT/e$i" --events 'invite.*' >/dev/null
	done
	: > "$DIR/d"; : > "$DIR/c"; : > "$DIR/ck"; : > "$DIR/r"; : > "$DIR/rk"
	for r in $(seq 1 "$ROUNDS"); do
		dr=$(deliver_round "$k"); cr=$(curl_round "$k")
		if [ "$k" -lt "$PARALLEL" ]; then ck=$(curl_round "$k" "$k"); else ck=$cr; fi
		echo "$dr" >> "$DIR/d"; echo "$cr" >> "$DIR/c"; echo "$ck" >> "$DIR/ck"
		ratio "$dr" "$cr" >> "$DIR/r"; ratio "$dr" "$ck" >> "$DIR/rk"
	done
	printf 'endpoints=%d events=%d  memberd-webhooks %s/s\n' "$k" $(((N / k) * k)) "$(median < "$DIR/d")"
	printf '  curl --parallel (%d at once) %s/s  ratio %s (per round: %s)%s\n' "$PARALLEL" \
		"$(median < "$DIR/c")" "$(median < "$DIR/r")" "$(tr '\n' ' ' < "$DIR/r" | sed 's/ $//')" \
		"$([ "$k" -ge "$PARALLEL" ] && echo '  target >= 0.70' || true)"
	[ "$k" -ge "$PARALLEL" ] ||
	printf '  curl --parallel-max %d (as many at once as memberd may send) %s/s  ratio %s (per round: %s)\n' \
		"$k" "$(median < "$DIR/ck")" "$(median < "$DIR/rk")" "$(tr '\n' ' ' < "$DIR/rk" | sed 's/ $//')"
done
printf 'load: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
