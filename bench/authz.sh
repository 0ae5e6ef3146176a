#!/usr/bin/env bash
# What memberd's authorization costs another service of the portal
# (DESIGN §10.1): requests to the echo service (tools/echo-upstream.mjs)
# through nginx under /billing/invoices/, with auth_request asking
# memberd (nginx/snippets/memberd-authz.conf, permission invoices), beside
# the same service without auth_request (/_echo/), GET /api/v1/health and
# a static return 200, in the same run; then GET /api/v1/authz alone
# against GET /health. Requests per second, p50 and p99 (wrk --latency),
# and memberd's statements per request (pg_stat_database.xact_commit:
# every statement of the request path is its own transaction) and
# session rows written per request.
#   bench/authz.sh [seconds]    (ROUNDS=2, BENCH_WORKERS=2)
# Target: /billing/ with auth_request >= 0.8 x GET /health.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
ROUNDS=${ROUNDS:-2}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
export STACK_WEBHOOKS=0 STACK_RECEIVER=0 STACK_BILLING=1
bench_up

PW='correct horse battery staple'
json='content-type: application/json'
printf '%s\n' "$PW" | "$REPO/build/memberctl" -c "$CONF" admin add bench-admin@example.com >/dev/null
TOKEN=$("$REPO/build/memberctl" -c "$CONF" admin token bench-admin@example.com)
reg() {
	curl -s -H "$json" -d "{\"email\":\"$1\",\"password\":\"$PW\",\"first_name\":\"B\",\"last_name\":\"User\"}" \
		"$URL/api/v1/auth/register" | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/'
}
owner_id=$(reg owner@example.com)
client=$(curl -s -H "$json" -H "authorization: Bearer $TOKEN" \
	-d "{\"company_name\":\"Bench Hosting\",\"first_name\":\"B\",\"last_name\":\"Owner\",\"owner\":{\"user_id\":$owner_id}}" \
	"$URL/api/v1/admin/clients" | sed -E 's/.*"client":\{"id":([0-9]+).*/\1/')
# a member holding invoices among others: the common case, not the owner's shortcut
member_id=$(reg member@example.com)
curl -s -o /dev/null -H "$json" -H "authorization: Bearer $TOKEN" \
	-d "{\"user_id\":$member_id,\"permissions\":[\"domains\",\"invoices\",\"tickets\"],\"send_invite\":false}" \
	"$URL/api/v1/admin/clients/$client/users"
jar=$BENCH_DIR/jar
csrf=$(curl -s -c "$jar" -H "$json" -d "{\"email\":\"member@example.com\",\"password\":\"$PW\"}" "$URL/api/v1/auth/login" |
	sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
cookie=$(awk '$6 == "memberd_session" { print "memberd_session=" $7 }' "$jar")
curl -s -o /dev/null -b "$jar" -H "$json" -H "x-csrf-token: $csrf" -d "{\"client_id\":$client}" "$URL/api/v1/me/active-account"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$URL/billing/invoices/1")
[ "$code" = 200 ] || { echo "GET /billing/invoices/1 answered $code, not 200" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$URL/api/v1/authz?permission=invoices")
[ "$code" = 204 ] || { echo "GET /api/v1/authz answered $code, not 204" >&2; exit 1; }

# wrk's "50%  1.23ms" as milliseconds
lat_ms() {
	awk -v q="$1" '$1 == q {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
		printf "%.2f", v }'
}

xact() { psql_memberd -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'memberd'"; }
upd() { psql_memberd -c "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sessions'"; }

declare -A rps p50 p99 reqs
measure() {	# name path [cookie]
	local out=$BENCH_DIR/wrk-$1-$r.txt hdr=()
	[ -n "${3:-}" ] && hdr=(-H "Cookie: $3")
	wrk -t2 -c32 -d"${SECS}s" --latency "${hdr[@]}" "$URL$2" > "$out"
	grep -q "Non-2xx" "$out" && { echo "non-2xx answers in $out" >&2; grep Non-2xx "$out" >&2; }
	rps[$1,$r]=$(wrk_rps < "$out")
	p50[$1,$r]=$(lat_ms 50% < "$out")
	p99[$1,$r]=$(lat_ms 99% < "$out")
	reqs[$1,$r]=$(awk '/requests in/ { print $1 }' "$out")
}

NAMES=(static echo billing health authz)
wrk -t2 -c32 -d2s -H "Cookie: $cookie" "$URL/billing/invoices/1" >/dev/null	# warm up
for r in $(seq 1 "$ROUNDS"); do
	order=("${NAMES[@]}")
	[ $((r % 2)) -eq 0 ] && order=(authz health billing echo static)
	for n in "${order[@]}"; do
		case $n in
		static)  measure static /_static_ok ;;
		echo)    measure echo /_echo/invoices/1 ;;
		billing) measure billing /billing/invoices/1 "$cookie" ;;
		health)  measure health /api/v1/health ;;
		authz)   measure authz "/api/v1/authz?permission=invoices" "$cookie" ;;
		esac
	done
done

# Statements per request: one more authz run, the counters read after
# PostgreSQL's statistics have been flushed (at most every 10 s when idle).
sleep 11
x0=$(xact); u0=$(upd)
r=stmts
measure authz_count "/api/v1/authz?permission=invoices" "$cookie"
sleep 11
x1=$(xact); u1=$(upd)
n=${reqs[authz_count,stmts]}
per_req=$(awk -v a="$x0" -v b="$x1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / n }')
upd_req=$(awk -v a="$u0" -v b="$u1" -v n="$n" 'BEGIN { printf "%.5f", (b - a) / n }')

# memberd's own time per request (its duration histogram: sum / count),
# which the load of the machine disturbs less than the rates
metrics=$(curl -s "$URL/metrics")
own_us() {
	printf '%s\n' "$metrics" | awk -v r="$1" '
		index($0, "memberd_http_request_duration_seconds_sum{method=\"GET\",route=\"" r "\"}") == 1 { s = $2 }
		index($0, "memberd_http_request_duration_seconds_count{method=\"GET\",route=\"" r "\"}") == 1 { n = $2 }
		END { if (n > 0) printf "%.0f", s / n * 1e6; else print "-" }'
}

mean() { local name=$1 arr=$2 r list=(); for r in $(seq 1 "$ROUNDS"); do eval "list+=(\"\${$arr[$name,$r]}\")"; done
	printf '%s\n' "${list[@]}" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
ratio() { awk -v a="$(mean "$1" rps)" -v b="$(mean "$2" rps)" 'BEGIN { printf "%.3f", a / b }'; }
rounds_of() { local r list=(); for r in $(seq 1 "$ROUNDS"); do list+=("${rps[$1,$r]}"); done; echo "${list[*]}"; }

echo "bench/authz ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)); workers: $STACK_WORKERS;"
echo "wrk: 2 threads, 32 connections, ${SECS}s per figure; rounds: $ROUNDS (mean of rounds)"
printf '%-44s %10s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
line() { printf '%-44s %10s %9s %9s\n' "$1" "$(mean "$2" rps)" "$(mean "$2" p50)" "$(mean "$2" p99)"; }
line "static return 200 (nginx alone)" static
line "echo service, no auth_request (/_echo/)" echo
line "echo service behind auth_request (/billing/)" billing
line "GET /api/v1/health" health
line "GET /api/v1/authz alone" authz
echo "auth_request / health:          $(ratio billing health)   (target >= 0.8)"
echo "auth_request / no auth_request: $(ratio billing echo)"
echo "authz alone / health:           $(ratio authz health)"
echo "memberd's own time per request: authz $(own_us /api/v1/authz) us, health $(own_us /api/v1/health) us (mean, /metrics)"
echo "statements per authz request:   $per_req   (pg_stat_database.xact_commit over $n requests)"
echo "sessions rows updated per authz request: $upd_req"
for n in "${NAMES[@]}"; do echo "  $n rounds: $(rounds_of "$n")"; done
