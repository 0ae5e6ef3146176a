#!/usr/bin/env bash
# bench/mailer.sh: memberd-mailer throughput and latency against a local SMTP
# sink, beside Postfix's smtp-source sending the same message the same number
# of times to the same sink. See bench/README.md.
#
# Environment:
#   N=10000        messages for the throughput runs
#   ROUNDS=3       alternating mailer / smtp-source rounds; medians reported
#   MAILERS=1      memberd-mailer processes draining the queue together
#   BATCH=20       mailer_batch_size
#   SOURCE_S=1     smtp-source parallel sessions (-s)
#   LAT_N=200      messages for the latency run, one at a time ...
#   LAT_RATE=10    ... at this many per second
#   BENCH_FAST=0   1: PostgreSQL without fsync (as the tests run it)
#   KEEP=0         1: keep the stack directory for inspection
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(round) stops the bench too

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000}
ROUNDS=${ROUNDS:-3}
MAILERS=${MAILERS:-1}
BATCH=${BATCH:-20}
SOURCE_S=${SOURCE_S:-1}
LAT_N=${LAT_N:-200}
LAT_RATE=${LAT_RATE:-10}
BIN=$REPO/build

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null ||
	die "smtp-sink and smtp-source are missing: apt-get install postfix (see bench/README.md)"
[ "$(id -u)" -eq 0 ] || die "run as root: the stack runs PostgreSQL as postgres, smtp-sink drops to nobody"
make -C "$REPO" -s all >/dev/null

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

DIR=$(mktemp -d /tmp/memberd-bench-XXXXXX)
chmod 755 "$DIR"
HTTP_PORT=$(free_port); PG_PORT=$(free_port); SINK_PORT=$(free_port); CATCH_PORT=$(free_port)
export STACK_DIR=$DIR STACK_BIN=$BIN STACK_MAILER=0 STACK_CATCHER=0 STACK_WORKERS=1
export STACK_FAST=${BENCH_FAST:-0}
export MEMBERD_HTTP_PORT=$HTTP_PORT MEMBERD_PG_PORT=$PG_PORT MEMBERD_SMTP_PORT=$SINK_PORT
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	"$REPO/tools/stack.sh" down >/dev/null 2>&1 ||
		"$REPO/tools/stack.sh" pg-stop >/dev/null 2>&1 || true
	if [ "${KEEP:-0}" = 1 ]; then say "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U memberd -d memberd "$@"
}

say "starting PostgreSQL and memberd in $DIR (fsync $([ "$STACK_FAST" = 1 ] && echo off || echo on))"
"$REPO/tools/stack.sh" up >/dev/null
CONF=$DIR/memberd.conf
cat >> "$CONF" <<-EOF
	mailer_batch_size = $BATCH
	mailer_poll_interval = 1s
	EOF

# The message both clients send: an invitation-sized multipart mail, as the
# mailer renders it (caught once by the test catcher).
TEXT=$(printf 'Hello Zoë,\n\nAnn Example invited you to manage the account "Example Hosting Ltd"\nwith the permissions: profile, contacts, products, domains, invoices, tickets.\n\nAccept the invitation within 7 days:\n\n  https://portal.example.com/invite#7hQe3yKq0bV1xQk2s9dJ4uP6mN8rT5wZ1aB3cD5eF7g\n\nIf you did not expect this, ignore this message.\n%.0s' 1 2)
HTML="<html><body>$(printf '%s' "$TEXT" | sed 's/$/<br>/' | tr -d '\n')</body></html>"
enqueue_sql() {
	printf "INSERT INTO email_queue (template, recipient, recipient_name, subject, body_text, body_html)
	  SELECT 'invite', 'bench' || g || '@example.org', 'Zoë Example',
	         'Account Access Invitation: Example Hosting Ltd', %s, %s
	  FROM generate_series(1, %d) g;" \
	    "\$t\$$TEXT\$t\$" "\$h\$$HTML\$h\$" "$1"
}

mkdir -p "$DIR/sample"
node "$REPO/tools/smtp-catcher.mjs" --port "$CATCH_PORT" --dir "$DIR/sample" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$CATCH_PORT") 2>/dev/null && break; sleep 0.1; done
psql_ -c "$(enqueue_sql 1)"
sed "s/^smtp_port = .*/smtp_port = $CATCH_PORT/" "$CONF" > "$DIR/sample.conf"
"$BIN/memberd-mailer" -c "$DIR/sample.conf" -1 2>>"$DIR/log/mailer-sample.log"
SAMPLE=$(ls "$DIR"/sample/new/*.eml | head -1)
[ -s "$SAMPLE" ] || die "no sample message was caught"
SIZE=$(stat -c %s "$SAMPLE")
# smtp-source -F appends CRLF to every line itself
tr -d '\r' < "$SAMPLE" > "$DIR/sample.lf"
psql_ -c "DELETE FROM email_queue"
say "message size: $SIZE bytes (multipart text + HTML, quoted-printable)"

# One sink for both runs, as fast as Postfix makes one.
smtp-sink -u nobody "127.0.0.1:$SINK_PORT" 1024 >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break; sleep 0.1; done

# 1. memberd-mailer: N rows queued, then MAILERS mailers drain them.
mailer_round() {
	local pids=() i p
	# every round starts from a fresh table, not one bloated by the last
	psql_ -c "TRUNCATE email_queue CASCADE"
	psql_ -c "$(enqueue_sql "$N")"
	psql_ -c "VACUUM ANALYZE email_queue"
	for i in $(seq "$MAILERS"); do
		"$BIN/memberd-mailer" -c "$CONF" 2>>"$DIR/log/mailer-$i.log" &
		pids+=($!)
		PIDS+=($!)
	done
	until [ "$(psql_ -c "SELECT count(*) FROM email_queue WHERE state = 'sent'")" = "$N" ]; do
		sleep 0.2
		[ "$(psql_ -c "SELECT count(*) FROM email_queue WHERE state IN ('failed', 'dead')")" = 0 ] ||
			die "some messages failed: see $DIR/log (KEEP=1)"
	done
	for p in "${pids[@]}"; do kill "$p"; wait "$p" || true; done
	# from the first claim to the last acceptance, as PostgreSQL saw them
	psql_ -c "SELECT $N / extract(epoch FROM max(sent_at) - min(last_attempt_at)) FROM email_queue"
}

# 2. smtp-source: the same message, N times, to the same sink.
source_round() {
	local t0 t1
	t0=$(date +%s.%N)
	smtp-source -d -s "$SOURCE_S" -m "$N" -F "$DIR/sample.lf" -f memberd@example.com \
		-t bench@example.org -M bench.example "127.0.0.1:$SINK_PORT"
	t1=$(date +%s.%N)
	echo "$N / ($t1 - $t0)" | bc -l
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "throughput: $ROUNDS rounds of $N messages: $MAILERS mailer(s), batch $BATCH; smtp-source -s $SOURCE_S -d"
MRATES=() SRATES=() RATIOS=()
for r in $(seq "$ROUNDS"); do
	MRATES+=("$(mailer_round)")
	SRATES+=("$(source_round)")
	# a round's two runs are minutes apart at most: compare within a round
	RATIOS+=("$(echo "${MRATES[-1]} / ${SRATES[-1]}" | bc -l)")
	say "round $r: mailer $(printf '%.0f' "${MRATES[-1]}") msg/s, smtp-source $(printf '%.0f' "${SRATES[-1]}") msg/s, ratio $(printf '%.2f' "${RATIOS[-1]}")"
done
MAILER_RATE=$(printf '%s\n' "${MRATES[@]}" | median)
SOURCE_RATE=$(printf '%s\n' "${SRATES[@]}" | median)
RATIO=$(printf '%s\n' "${RATIOS[@]}" | median)

# 3. Latency: one message at a time at a low rate, enqueue commit to 250.
say "latency: $LAT_N messages at $LAT_RATE/s"
psql_ -c "TRUNCATE email_queue CASCADE"
"$BIN/memberd-mailer" -c "$CONF" 2>>"$DIR/log/mailer-latency.log" &
PIDS+=($!)
sleep 1
INTERVAL=$(echo "1 / $LAT_RATE" | bc -l)
for i in $(seq "$LAT_N"); do
	psql_ -c "$(enqueue_sql 1)"
	sleep "$INTERVAL"
done
until [ "$(psql_ -c "SELECT count(*) FROM email_queue WHERE state = 'sent'")" = "$LAT_N" ]; do sleep 0.2; done
# created_at is the inserting statement's time (autocommit: its commit);
# sent_at is taken as the 250 is read.
read -r P50 P99 MAX <<<"$(psql_ -F ' ' -c "SELECT
	round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 1),
	round((percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::numeric, 1),
	round(max(ms)::numeric, 1)
	FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM email_queue) t")"

printf '\nmemberd-mailer bench (%s, %d CPUs, load %s, fsync %s)\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$([ "$STACK_FAST" = 1 ] && echo off || echo on)"
printf '  message size              %d bytes\n' "$SIZE"
printf '  memberd-mailer            %8.0f msg/s  (median of %d x %d messages, %d mailer(s), batch %d)\n' \
	"$MAILER_RATE" "$ROUNDS" "$N" "$MAILERS" "$BATCH"
printf '  smtp-source               %8.0f msg/s  (median of %d x %d messages, -s %d -d)\n' \
	"$SOURCE_RATE" "$ROUNDS" "$N" "$SOURCE_S"
printf '  ratio mailer/smtp-source  %8.2f         (median of per-round ratios; target >= 0.70)\n' "$RATIO"
printf '  commit -> 250 latency     p50 %s ms, p99 %s ms, max %s ms  (%d messages at %s/s)\n' \
	"$P50" "$P99" "$MAX" "$LAT_N" "$LAT_RATE"
