#!/usr/bin/env bash
# Invitations created per second through nginx (wrk, unique emails, an
# administrator's bearer token, spread over ACCOUNTS accounts, 32
# connections) beside two ceilings measured against the same database in
# the same run: pgbench running the very SQL memberd runs for one
# invitation (bench/invite-sql.c prints it from the statements memberd
# uses), and pgbench running the minimal durable invitation (three inserts,
# one commit, 8 clients). Then GET /api/v1/account/users for an account
# with 1,000 members and 50 pending invitations.
#   bench/invite.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-15}
ACCOUNTS=${ACCOUNTS:-120}
export BENCH_WORKERS=${BENCH_WORKERS:-4}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -rV | head -1)
make -C "$REPO" -s all
LIBS=$(pkg-config --libs libpq fcgi libcjson libesmtp-1.0 libargon2 libsystemd libcrypto libssl)
cc -std=c17 -O2 -D_GNU_SOURCE $(for d in core domain api mail hooks cli; do printf -- "-I%s/include/%s " "$REPO" "$d"; done) $(pkg-config --cflags libcjson) \
	-o "$REPO/build/invite-sql" "$REPO/bench/invite-sql.c" "$REPO/build/libmemberd.a" $LIBS -lm
# the benchmark sends far more invitations a day than an account may
# (read whole first: grep -q would end the pipe early, and pipefail)
caps=""
keys=$("${BENCH_BIN:-$REPO/build}/memberctl" config 2>/dev/null || true)
case $keys in *invite_sends_per_day*) caps="invite_sends_per_day = 1000000" ;; esac
bench_up "invite_pending_limit = 100000
$caps
${BENCH_CONF:-}"

PW='correct horse battery staple'
json='content-type: application/json'
printf '%s\n' "$PW" | "$REPO/build/memberctl" -c "$CONF" admin add bench-admin@example.com >/dev/null
TOKEN=$("$REPO/build/memberctl" -c "$CONF" admin token bench-admin@example.com)
owner_id=$(curl -s -H "$json" -d "{\"email\":\"owner@example.com\",\"password\":\"$PW\",\"first_name\":\"Olga\",\"last_name\":\"Owner\"}" \
	"$URL/api/v1/auth/register" | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/')
new_client() {
	curl -s -H "$json" -H "authorization: Bearer $TOKEN" \
	    -d "{\"company_name\":\"$1\",\"first_name\":\"Olga\",\"last_name\":\"Owner\",\"owner\":{\"user_id\":$owner_id}}" \
	    "$URL/api/v1/admin/clients" | sed -E 's/.*"client":\{"id":([0-9]+).*/\1/'
}
first=$(new_client "Bench Hosting 1")
last=$first
for i in $(seq 2 "$ACCOUNTS"); do last=$(new_client "Bench Hosting $i"); done
big=$(new_client "Big Account")
admin_id=$(psql_memberd -c "SELECT id FROM admins WHERE email = 'bench-admin@example.com'")
jar=$BENCH_DIR/jar
csrf=$(curl -s -c "$jar" -H "$json" -d "{\"email\":\"owner@example.com\",\"password\":\"$PW\"}" "$URL/api/v1/auth/login" |
	sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
cookie=$(awk '$6 == "memberd_session" { print "memberd_session=" $7 }' "$jar")

cat > "$BENCH_DIR/invite.lua" <<LUA
local threads = {}
local counter = 0
function setup(thread) thread:set("tid", #threads + 1); table.insert(threads, thread) end
function request()
  counter = counter + 1
  local client = math.random($first, $last)
  local body = string.format('{"email":"w%d.%d.%d@example.com","permissions":["domains"],"send_invite":true}', tid, counter, os.time())
  return wrk.format("POST", "/api/v1/admin/clients/" .. client .. "/users",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $TOKEN"}, body)
end
local bad = 0
function response(status) if status ~= 201 then bad = bad + 1 end end
function done() end
LUA

"$REPO/build/invite-sql" "$CONF" memberd "$first" "$last" "$admin_id" > "$BENCH_DIR/invite.pgbench"
"$REPO/build/invite-sql" "$CONF" minimal "$first" "$last" "$admin_id" > "$BENCH_DIR/minimal.pgbench"
# run_pgbench SCRIPT CLIENTS SECONDS: transactions per second
run_pgbench() {
	"$PGBIN/pgbench" -n -M prepared -r -h 127.0.0.1 -p "$PGPORT" -U memberd -c "$2" -j 2 \
	    -T "$3" -f "$BENCH_DIR/$1.pgbench" memberd > "$BENCH_DIR/pgbench-$1.txt" 2>&1
	grep -q 'failed transactions: 0 ' "$BENCH_DIR/pgbench-$1.txt" ||
	    grep -E 'failed|error' "$BENCH_DIR/pgbench-$1.txt" >&2 || true
	awk '/^tps/ { print $3 }' "$BENCH_DIR/pgbench-$1.txt"
}
run_wrk() {
	wrk -t2 -c32 -d"$1s" --latency -s "$BENCH_DIR/invite.lua" "$URL" > "$BENCH_DIR/wrk.txt"
	wrk_rps < "$BENCH_DIR/wrk.txt"
}
# Warm up (plans, caches), let PostgreSQL see the grown tables, then
# alternate the measurements so that all see the same machine.
run_pgbench invite "$BENCH_WORKERS" 3 >/dev/null
run_pgbench minimal 8 3 >/dev/null
run_wrk 3 >/dev/null
ROUNDS=${ROUNDS:-2}
pgbs=() ; mins=() ; https=()
analyze() {
	psql_memberd -c "ANALYZE clients, client_users, users, invites, email_queue, audit_log, sessions" >/dev/null
}
# The mailers' wake-up, the trigger email_queue_notify: NOTIFY_MODES (each
# round, after the three above) runs the minimal invitation and the HTTP
# invitations again under each way of waking: "always" (a NOTIFY at every
# commit, as sql/001_core.sql had it), "idle" (sql/015: only when no mailer
# is awake; needs that migration), "off" (trigger disabled: nothing wakes
# the mailers but their poll, the floor). With BENCH_MAILER=1 a mailer runs
# and sends every invitation to the stack's SMTP catcher, as in production.
# The schema's own trigger is put back after each mode.
NOTIFY_MODES=${NOTIFY_MODES:-}
notify_mode() {
	case $1 in
	always) psql_memberd -c "CREATE OR REPLACE FUNCTION email_queue_notify() RETURNS trigger
		LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_notify('memberd_mail', ''); RETURN NULL; END \$\$" >/dev/null ;;
	idle) psql_memberd -c "CREATE OR REPLACE FUNCTION email_queue_notify() RETURNS trigger
		LANGUAGE plpgsql AS \$\$ BEGIN PERFORM memberd_wake('memberd_mail', 72853); RETURN NULL; END \$\$" >/dev/null ;;
	off) psql_memberd -c "ALTER TABLE email_queue DISABLE TRIGGER email_queue_notify" >/dev/null ;;
	esac
}
schema_notify=$(psql_memberd -c "SELECT pg_get_functiondef('email_queue_notify'::regproc)")
notify_restore() {
	psql_memberd -c "ALTER TABLE email_queue ENABLE TRIGGER email_queue_notify" >/dev/null
	printf '%s;\n' "$schema_notify" | psql_memberd >/dev/null
}
declare -A mode_mins mode_https
before=$(psql_memberd -c "SELECT count(*) FROM invites WHERE email LIKE 'w%'")
for r in $(seq 1 "$ROUNDS"); do
	analyze; pgbs+=("$(run_pgbench invite "$BENCH_WORKERS" "$SECS")")
	analyze; mins+=("$(run_pgbench minimal 8 "$SECS")")
	analyze; https+=("$(run_wrk "$SECS")")
	for m in $NOTIFY_MODES; do
		notify_mode "$m"
		analyze; mode_mins[$m]+="$(run_pgbench minimal 8 "$SECS") "
		analyze; mode_https[$m]+="$(run_wrk "$SECS") "
		notify_restore
	done
done
made=$(psql_memberd -c "SELECT count(*) FROM invites WHERE email LIKE 'w%'")
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
pgb=$(mean "${pgbs[@]}")
minimal=$(mean "${mins[@]}")
http=$(mean "${https[@]}")
non2xx=$(awk '/Non-2xx/ { print $5 }' "$BENCH_DIR/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$BENCH_DIR/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$BENCH_DIR/wrk.txt")
ratio=$(awk -v a="$http" -v b="$pgb" 'BEGIN { printf "%.3f", a / b }')
ratio_min=$(awk -v a="$http" -v b="$minimal" 'BEGIN { printf "%.3f", a / b }')

# The cost one webhook endpoint matching invite.* adds to an invitation's
# creation: the same SQL (pgbench) and the same request (wrk), alternating
# with the endpoint disabled and enabled. memberd-webhooks is not running
# (bench_up starts none): this is the emit in the transaction (the
# trigger, the delivery row, the NOTIFY at commit), not the delivery.
HOOK_ROUNDS=${HOOK_ROUNDS:-3}
hook_none=() ; hook_off=() ; hook_on=() ; hook_off_http=() ; hook_on_http=()
if [ "$HOOK_ROUNDS" -gt 0 ]; then
	hook_id=$("$REPO/build/memberctl" -c "$CONF" webhook add http://127.0.0.1:9/bench --events 'invite.*' |
		sed -nE 's/.*endpoint ([0-9]+).*/\1/p')
	hook() { "$REPO/build/memberctl" -c "$CONF" webhook "$1" "$hook_id" >/dev/null; }
	rows0=$(psql_memberd -c "SELECT count(*) FROM webhook_deliveries")
	# and the SQL with the invitation's trigger off: the cost of 011
	# itself when no endpoint listens
	trig() { psql_memberd -c "ALTER TABLE invites $1 TRIGGER invites_webhook_insert" >/dev/null; }
	# the invitation's own statement (the one whose trigger emits), as
	# pgbench -r timed it in the last run (it prints a statement's start): ms
	stmt_ms() { awk '$3 == "WITH" && $4 == "sa" { print $1; exit }' "$BENCH_DIR/pgbench-invite.txt"; }
	sql_off() { hook disable; analyze; hook_off+=("$(run_pgbench invite "$BENCH_WORKERS" "$SECS")"); lat_off+=("$(stmt_ms)"); }
	sql_on() { hook enable; analyze; hook_on+=("$(run_pgbench invite "$BENCH_WORKERS" "$SECS")"); lat_on+=("$(stmt_ms)"); }
	http_off() { hook disable; analyze; hook_off_http+=("$(run_wrk "$SECS")"); }
	http_on() { hook enable; analyze; hook_on_http+=("$(run_wrk "$SECS")"); }
	lat_none=() ; lat_off=() ; lat_on=()
	for r in $(seq 1 "$HOOK_ROUNDS"); do
		hook disable; trig DISABLE; analyze; hook_none+=("$(run_pgbench invite "$BENCH_WORKERS" "$SECS")")
		lat_none+=("$(stmt_ms)"); trig ENABLE
		# ABBA: the later of a pair sees a bigger table; alternate who
		if [ $((r % 2)) = 1 ]; then sql_off; sql_on; http_off; http_on
		else sql_on; sql_off; http_on; http_off; fi
	done
	hook disable
	hook_rows=$(( $(psql_memberd -c "SELECT count(*) FROM webhook_deliveries") - rows0 ))
fi

# an account with 1,000 members and 50 pending invitations
psql_memberd <<SQL >/dev/null
INSERT INTO users (email, first_name, last_name)
  SELECT 'member' || g || '@example.com', 'Member', 'N' || g FROM generate_series(1, 999) g;
INSERT INTO client_users (client_id, user_id, permissions)
  SELECT $big, id, '{domains,invoices}' FROM users WHERE email LIKE 'member%@example.com';
INSERT INTO invites (client_id, email, token_hash, permissions, created_by_kind, created_by_user_id,
    inviter_name, expires_at)
  SELECT $big, 'pending' || g || '@example.com', decode(md5(g::text) || md5('x' || g), 'hex'),
    '{domains}', 'user', $owner_id, 'Olga Owner', now() + interval '7 days' FROM generate_series(1, 50) g;
SQL
curl -s -o /dev/null -b "$jar" -H "$json" -H "x-csrf-token: $csrf" -d "{\"client_id\":$big}" "$URL/api/v1/me/active-account"
members=$(curl -s -b "$jar" "$URL/api/v1/account/users" | grep -o '"user_id"' | wc -l)
bytes=$(curl -s -b "$jar" "$URL/api/v1/account/users" | wc -c)
cat > "$BENCH_DIR/users.lua" <<LUA
wrk.headers["Cookie"] = "$cookie"
LUA
users=$(wrk -t2 -c8 -d"${SECS}s" --latency -s "$BENCH_DIR/users.lua" "$URL/api/v1/account/users" | tee "$BENCH_DIR/wrk-users.txt" | wrk_rps)
up50=$(awk '$1 == "50%" { print $2 }' "$BENCH_DIR/wrk-users.txt")
up99=$(awk '$1 == "99%" { print $2 }' "$BENCH_DIR/wrk-users.txt")

cat <<REPORT
workers: $BENCH_WORKERS; pgbench clients: $BENCH_WORKERS (the connections memberd holds), 8 for the minimal invitation; wrk: 32 connections over $ACCOUNTS accounts
pgbench, memberd's invite SQL:    ${pgb} tx/s   (same database, same run; rounds: ${pgbs[*]})
pgbench, minimal invite:          ${minimal} tx/s   (three inserts, one commit; rounds: ${mins[*]})
POST /api/v1/admin/clients/{id}/users: ${http} /s    (rounds: ${https[*]}; last round p50 ${p50}, p99 ${p99}; non-2xx: ${non2xx:-0}; invites made over HTTP: $((made - before)))
invites / memberd's SQL:          ${ratio}   (target >= 0.85)
invites / minimal invite:         ${ratio_min}   (target >= 0.35)
REPORT
for m in $NOTIFY_MODES; do
	# shellcheck disable=SC2086 # the rounds, one word each
	printf 'wake-up "%s": minimal invite %s tx/s, POST .../users %s /s   (rounds: %s/ %s)\n' "$m" \
	    "$(mean ${mode_mins[$m]})" "$(mean ${mode_https[$m]})" "${mode_mins[$m]}" "${mode_https[$m]}"
done
cat <<REPORT
GET /api/v1/account/users:        ${users} /s   (${members} members + 50 invites, ${bytes} bytes; p50 ${up50}, p99 ${up99})
REPORT
if [ "$HOOK_ROUNDS" -gt 0 ]; then
	mean2() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
	cost() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", (b - a) / a * 100 }'; }
	z=$(mean "${hook_none[@]}"); o=$(mean "${hook_off[@]}"); n=$(mean "${hook_on[@]}")
	oh=$(mean "${hook_off_http[@]}"); nh=$(mean "${hook_on_http[@]}")
	cat <<REPORT
one webhook endpoint on invite.* (deliverer stopped; $hook_rows delivery rows written), $HOOK_ROUNDS alternating rounds:
  pgbench, memberd's invite SQL:  none ${o} tx/s, one ${n} tx/s: $(cost "$o" "$n")   (rounds: ${hook_off[*]} / ${hook_on[*]})
  the trigger with no endpoint:   trigger off ${z} tx/s, on ${o} tx/s: $(cost "$z" "$o")   (rounds: ${hook_none[*]})
  the invitation's statement:     $(mean2 "${lat_none[@]}") ms trigger off, $(mean2 "${lat_off[@]}") ms no endpoint, $(mean2 "${lat_on[@]}") ms one endpoint   (pgbench -r, mean of rounds: ${lat_none[*]} / ${lat_off[*]} / ${lat_on[*]})
  POST .../users over HTTP:       none ${oh} /s, one ${nh} /s: $(cost "$oh" "$nh")   (rounds: ${hook_off_http[*]} / ${hook_on_http[*]}; target: no worse than -10 %)
REPORT
fi
