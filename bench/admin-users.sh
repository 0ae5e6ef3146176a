#!/usr/bin/env bash
# The Admin Area's Users directory at 100,000 users: GET
# /api/v1/admin/users?search=&page=1 per second through nginx (with an
# administrator's session cookie, as the Users page calls it) for a
# search that matches
# nothing, a few users and nearly everyone, beside the directory's own
# two statements (the count and the page, as src/domain/admin_users.c
# runs them: unnamed, planned for each pattern) in pgbench, in the same run. Target: p99 under
# 50 ms for each search.
#   bench/admin-users.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
USERS=${BENCH_USERS:-100000}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
make -C "$REPO" -s all
bench_up

# 100,000 users; every 20,000th is a "Quixote" (5 of them), every one an
# address at example.com; a tenth are members of an account.
psql_memberd <<SQL
INSERT INTO users (email, first_name, last_name, email_verified_at)
SELECT 'user' || i || '@example.com', 'First' || (i % 977),
       CASE WHEN i % 20000 = 0 THEN 'Quixote' ELSE 'Last' || (i % 1013) END,
       CASE WHEN i % 3 = 0 THEN now() END
FROM generate_series(1, $USERS) i;
BEGIN;
INSERT INTO clients (first_name, last_name, owner_user_id)
SELECT 'C', 'O', id FROM users WHERE id % 10 = 0;
INSERT INTO client_users (client_id, user_id, permissions)
SELECT id, owner_user_id, memberd_permission_keys() FROM clients;
COMMIT;
SQL
psql_memberd -c 'ANALYZE' >/dev/null
"$REPO/build/memberctl" -c "$CONF" admin add bench-admin@example.com --name Bench \
	<<<'correct horse battery staple' >/dev/null
COOKIE=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
	-d '{"email":"bench-admin@example.com","password":"correct horse battery staple"}' \
	"$URL/api/v1/admin/auth/login" | sed -n 's/^Set-Cookie: \(memberd_admin=[^;]*\).*/\1/ip')
[ -n "$COOKIE" ] || { echo "admin sign-in failed"; exit 1; }

# The directory's statements, as admin_users.c has them (st_count, st_page).
EXPR="lower(u.email || E'\\n' || u.first_name || ' ' || u.last_name)"
cat > "$BENCH_DIR/dir.sql" <<SQL
SELECT count(*) FROM (SELECT 1 FROM users u WHERE $EXPR LIKE lower(:pat) LIMIT 10000 + 1) m;
SELECT u.id, u.email, u.first_name, u.last_name, u.email_verified_at IS NOT NULL, rfc3339(u.created_at), rfc3339(u.last_login_at), u.status = 'disabled', u.totp_enabled_at IS NOT NULL, (SELECT count(*) FROM client_users cu WHERE cu.user_id = u.id) FROM users u WHERE $EXPR LIKE lower(:pat) ORDER BY lower(u.email), u.id LIMIT 25 OFFSET 0;
SQL

cat > "$BENCH_DIR/check.lua" <<'LUA'
local bad = 0
response = function(status) if status ~= 200 then bad = bad + 1 end end
done = function() if bad > 0 then io.stderr:write("non-200 answers: " .. bad .. "\n") end end
LUA

C=$((2 * ${BENCH_WORKERS:-2}))
printf '%-10s %8s %10s %9s %9s %12s %11s\n' search matches "http req/s" "http p50" "http p99" "pgbench tx/s" "pgbench avg"
for search in zzqqxxnone quixote example; do
	total=$(curl -s -H "Cookie: $COOKIE" "$URL/api/v1/admin/users?search=$search&page=1" |
	    sed -n 's/.*"total":\([0-9]*\),"total_capped":\(true\)\{0,1\}.*/\1\2/p' | sed 's/true$/+/')
	wrk -t1 -c"$C" -d"${SECS}s" --latency -s "$BENCH_DIR/check.lua" \
	    -H "Cookie: $COOKIE" "$URL/api/v1/admin/users?search=$search&page=1" >"$BENCH_DIR/wrk.txt"
	rps=$(wrk_rps <"$BENCH_DIR/wrk.txt")
	p50=$(awk '$1 == "50%" { print $2 }' "$BENCH_DIR/wrk.txt")
	p99=$(awk '$1 == "99%" { print $2 }' "$BENCH_DIR/wrk.txt")
	PGPASSWORD='' pgbench -n -M extended -h 127.0.0.1 -p "$PGPORT" -U memberd -c "$C" -j 1 -T "$SECS" \
	    -D pat="%$search%" -f "$BENCH_DIR/dir.sql" memberd >"$BENCH_DIR/pgbench.txt" 2>&1
	tps=$(awk '/^tps/ { print $3; exit }' "$BENCH_DIR/pgbench.txt")
	lat=$(awk '/^latency average/ { print $4 " " $5 }' "$BENCH_DIR/pgbench.txt")
	printf '%-10s %8s %10s %9s %9s %12s %11s\n' "$search" "$total" "$rps" "$p50" "$p99" "$tps" "$lat"
done
echo "users: $USERS; workers: ${BENCH_WORKERS:-2}; $C requests in flight; ${SECS}s each; index: users_search_trgm (pg_trgm GIN, sql/012)"
