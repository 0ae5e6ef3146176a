#!/usr/bin/env bash
# GET /api/v1/account/users?page=1 per second for an account with 10,000
# members beside the same for an account with 10, in the same run (the
# target: the large one at least 0.8 of the small one), alternating the
# two ROUNDS times; then, as the issue saw it, the answer without page
# (everyone) for an account with 1,000 members, and its size.
#   bench/account-users.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
ROUNDS=${ROUNDS:-3}
BIG=${BIG:-10000}
export BENCH_WORKERS=${BENCH_WORKERS:-2}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
make -C "$REPO" -s all
# the webhook receiver of the stack needs a port of its own too
export MEMBERD_HOOK_PORT=${MEMBERD_HOOK_PORT:-$(free_port)}
bench_up

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
small=$(new_client "Small Account")
large=$(new_client "Large Account")
mid=$(new_client "Thousand Account")
# members N-1 more than the owner, added one second apart, and 10 pending
# invitations each, as in bench/invite.sh
members() { # client count tag
	psql_memberd <<SQL >/dev/null
INSERT INTO users (email, first_name, last_name)
  SELECT '$3' || g || '@example.com', 'Member', 'N' || g FROM generate_series(1, $2) g;
INSERT INTO client_users (client_id, user_id, permissions, added_at)
  SELECT $1, id, '{domains,invoices}', now() + make_interval(secs => substring(email from '[0-9]+')::int)
  FROM users WHERE email LIKE '$3%@example.com';
INSERT INTO invites (client_id, email, token_hash, permissions, created_by_kind, created_by_user_id,
    inviter_name, expires_at)
  SELECT $1, '$3-pending' || g || '@example.com', decode(md5('$3' || g) || md5('x$3' || g), 'hex'),
    '{domains}', 'user', $owner_id, 'Olga Owner', now() + interval '7 days' FROM generate_series(1, 10) g;
SQL
}
members "$small" 9 s
members "$large" $((BIG - 1)) l
members "$mid" 999 m
psql_memberd -c "VACUUM ANALYZE users, client_users, clients, invites" >/dev/null

# one signed-in owner session per account, each with that account active
session() { # client -> cookie header
	local jar=$BENCH_DIR/jar-$1 csrf
	csrf=$(curl -s -c "$jar" -H "$json" -d "{\"email\":\"owner@example.com\",\"password\":\"$PW\"}" "$URL/api/v1/auth/login" |
		sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
	curl -s -o /dev/null -b "$jar" -c "$jar" -H "$json" -H "x-csrf-token: $csrf" -d "{\"client_id\":$1}" "$URL/api/v1/me/active-account"
	awk '$6 == "memberd_session" { print "memberd_session=" $7 }' "$jar"
}
c_small=$(session "$small")
c_large=$(session "$large")
c_mid=$(session "$mid")

# run_wrk COOKIE PATH SECONDS: requests per second (wrk's output kept)
run_wrk() {
	printf 'wrk.headers["Cookie"] = "%s"\n' "$1" > "$BENCH_DIR/cookie.lua"
	wrk -t2 -c8 -d"$3s" --latency -s "$BENCH_DIR/cookie.lua" "$URL$2" > "$BENCH_DIR/wrk.txt"
	if grep -q 'Non-2xx' "$BENCH_DIR/wrk.txt"; then echo "non-2xx answers for $2" >&2; grep Non-2xx "$BENCH_DIR/wrk.txt" >&2; fi
	wrk_rps < "$BENCH_DIR/wrk.txt"
}
size() { curl -s -b "$1" "$URL$2" | wc -c; }
count() { curl -s -b "$1" "$URL$2" | grep -o '"user_id"' | wc -l; }

# warm up both (plans, caches)
run_wrk "$c_small" "/api/v1/account/users?page=1" 2 >/dev/null
run_wrk "$c_large" "/api/v1/account/users?page=1" 2 >/dev/null
smalls=() ; larges=()
for r in $(seq 1 "$ROUNDS"); do
	smalls+=("$(run_wrk "$c_small" "/api/v1/account/users?page=1" "$SECS")")
	larges+=("$(run_wrk "$c_large" "/api/v1/account/users?page=1" "$SECS")")
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
s_rps=$(mean "${smalls[@]}")
l_rps=$(mean "${larges[@]}")
ratio=$(awk -v a="$l_rps" -v b="$s_rps" 'BEGIN { printf "%.3f", a / b }')
last=$(run_wrk "$c_large" "/api/v1/account/users?page=200" "$SECS")
mid_all=$(run_wrk "$c_mid" "/api/v1/account/users" "$SECS")

cat <<REPORT
workers: $BENCH_WORKERS; wrk: 2 threads, 8 connections, ${SECS} s a run, $ROUNDS rounds alternating
GET /account/users?page=1, 10 members:      ${s_rps} /s   (rounds: ${smalls[*]}; $(count "$c_small" "/api/v1/account/users?page=1") users, $(size "$c_small" "/api/v1/account/users?page=1") bytes)
GET /account/users?page=1, $BIG members:  ${l_rps} /s   (rounds: ${larges[*]}; $(count "$c_large" "/api/v1/account/users?page=1") users, $(size "$c_large" "/api/v1/account/users?page=1") bytes)
large / small:                              ${ratio}   (target >= 0.8)
GET /account/users?page=200, $BIG members: ${last} /s   (the last page; $(size "$c_large" "/api/v1/account/users?page=200") bytes)
GET /account/users (no page), 1,000 members: ${mid_all} /s   ($(count "$c_mid" "/api/v1/account/users") users, $(size "$c_mid" "/api/v1/account/users") bytes: everyone, as before)
REPORT
