#!/usr/bin/env bash
# The cost of db_prepared_statements = false (unnamed statements, for
# PgBouncer in transaction mode): GET /api/v1/health and
# POST /api/v1/account/invites through nginx, with memberd restarted in
# each mode on the same stack, the modes alternating within the same run.
#   named      db_prepared_statements = true (the default)
#   unnamed    db_prepared_statements = false (the request path's timeouts
#              then travel with each autocommit statement: set_config in
#              the same round trip)
#   unnamed0   false, with db_statement_timeout = db_lock_timeout = 0: the
#              cost of unnamed statements alone
# Ratios are mode / named, per round, then averaged.
#   bench/statements.sh [seconds]    (ROUNDS=2, BENCH_WORKERS=4)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-8}
ROUNDS=${ROUNDS:-2}
export BENCH_WORKERS=${BENCH_WORKERS:-4}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
make -C "$REPO" -s all
bench_up "invite_pending_limit = 100000"

PW='correct horse battery staple'
json='content-type: application/json'
printf '%s\n' "$PW" | "$REPO/build/memberctl" -c "$CONF" admin add bench-admin@example.com >/dev/null
TOKEN=$("$REPO/build/memberctl" -c "$CONF" admin token bench-admin@example.com)
owner_id=$(curl -s -H "$json" -d "{\"email\":\"owner@example.com\",\"password\":\"$PW\",\"first_name\":\"Olga\",\"last_name\":\"Owner\"}" \
	"$URL/api/v1/auth/register" | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/')
client=$(curl -s -H "$json" -H "authorization: Bearer $TOKEN" \
	-d "{\"company_name\":\"Bench Hosting\",\"first_name\":\"Olga\",\"last_name\":\"Owner\",\"owner\":{\"user_id\":$owner_id}}" \
	"$URL/api/v1/admin/clients" | sed -E 's/.*"client":\{"id":([0-9]+).*/\1/')
jar=$BENCH_DIR/jar
csrf=$(curl -s -c "$jar" -H "$json" -d "{\"email\":\"owner@example.com\",\"password\":\"$PW\"}" "$URL/api/v1/auth/login" |
	sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
cookie=$(awk '$6 == "memberd_session" { print "memberd_session=" $7 }' "$jar")
curl -s -o /dev/null -b "$jar" -H "$json" -H "x-csrf-token: $csrf" -d "{\"client_id\":$client}" "$URL/api/v1/me/active-account"

cat > "$BENCH_DIR/invite.lua" <<LUA
local threads = {}
local counter = 0
function setup(thread) thread:set("tid", #threads + 1); table.insert(threads, thread) end
function request()
  counter = counter + 1
  local body = string.format('{"email":"s%d.%d.%d@example.com","permissions":["domains"]}', tid, counter, os.time())
  return wrk.format("POST", "/api/v1/account/invites",
    {["Content-Type"] = "application/json", ["Cookie"] = "$cookie", ["X-CSRF-Token"] = "$csrf"}, body)
end
LUA

mode_conf() {
	case $1 in
	named)    echo "db_prepared_statements = true" ;;
	unnamed)  echo "db_prepared_statements = false" ;;
	unnamed0) printf '%s\n' "db_prepared_statements = false" \
	              "db_statement_timeout = 0" "db_lock_timeout = 0" ;;
	esac
}

# memberd again, in mode $1, on the same database and nginx
restart_in() {
	local pid i
	sed -i -E '/^(db_prepared_statements|db_statement_timeout|db_lock_timeout)[[:space:]]*=/d' "$CONF"
	mode_conf "$1" >> "$CONF"
	pid=$(cat "$BENCH_DIR/run/memberd.pid")
	kill -TERM "$pid"
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	"$REPO/tools/stack.sh" up >/dev/null
	for i in $(seq 1 50); do curl -fs -o /dev/null "$URL/api/v1/health" && break; sleep 0.1; done
}

measure() {
	local out=$BENCH_DIR/wrk-$1-$2-$3.txt
	case $2 in
	health)  wrk -t2 -c32 -d"${SECS}s" "$URL/api/v1/health" > "$out" ;;
	invites) wrk -t2 -c32 -d"${SECS}s" -s "$BENCH_DIR/invite.lua" "$URL" > "$out" ;;
	esac
	grep -q "Non-2xx" "$out" && { echo "non-2xx answers in $out" >&2; grep Non-2xx "$out" >&2; }
	wrk_rps < "$out"
}

MODES=(named unnamed unnamed0)
declare -A rps
for r in $(seq 1 "$ROUNDS"); do
	# alternate the order, so that no mode always meets the bigger tables
	order=("${MODES[@]}")
	[ $((r % 2)) -eq 0 ] && order=(unnamed0 unnamed named)
	for m in "${order[@]}"; do
		restart_in "$m"
		wrk -t2 -c32 -d2s "$URL/api/v1/health" >/dev/null	# warm up
		rps[$m,health,$r]=$(measure "$m" health "$r")
		rps[$m,invites,$r]=$(measure "$m" invites "$r")
	done
done

mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
ratio() {	# mean over rounds of mode/named
	local m=$1 what=$2 r list=()
	for r in $(seq 1 "$ROUNDS"); do
		list+=("$(awk -v a="${rps[$m,$what,$r]}" -v b="${rps[named,$what,$r]}" 'BEGIN { printf "%.4f", a / b }')")
	done
	printf '%s\n' "${list[@]}" | awk '{ s += $1 } END { printf "%.3f", s / NR }'
}
rounds_of() {
	local m=$1 what=$2 r list=()
	for r in $(seq 1 "$ROUNDS"); do list+=("${rps[$m,$what,$r]}"); done
	echo "${list[*]}"
}
echo "workers: $BENCH_WORKERS; wrk: 2 threads, 32 connections, ${SECS}s per figure; rounds: $ROUNDS"
printf '%-10s %12s %12s %14s %14s\n' mode "health/s" "invites/s" "health/named" "invites/named"
for m in "${MODES[@]}"; do
	h=($(rounds_of "$m" health)); i=($(rounds_of "$m" invites))
	printf '%-10s %12s %12s %14s %14s\n' "$m" "$(mean "${h[@]}")" "$(mean "${i[@]}")" \
	    "$(ratio "$m" health)" "$(ratio "$m" invites)"
done
for m in "${MODES[@]}"; do
	echo "  $m rounds: health $(rounds_of "$m" health); invites $(rounds_of "$m" invites)"
done
