#!/usr/bin/env bash
# Logins per second through nginx beside the raw Argon2id rate of the same
# parameters on the same machine, in the same run: the hash should be the
# only real cost of a login. And logins with two-factor authentication
# (the password, then the code: two requests) beside password-only logins,
# both driven by the same client (bench/login-2fa.mjs, since each code is
# an HMAC of the time): the second step should cost under 5 % on top.
#   bench/login.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-15}
WORKERS=${BENCH_WORKERS:-$(nproc)}
export BENCH_WORKERS=$WORKERS
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
make -C "$REPO" -s all
cc -std=c17 -O2 -D_GNU_SOURCE $(for d in core domain api mail hooks cli; do printf -- "-I%s/include/%s " "$REPO" "$d"; done) $(pkg-config --cflags libcjson) \
	-o "$REPO/build/argon2-rate" "$REPO/bench/argon2-rate.c" "$REPO/build/libmemberd.a" \
	$(pkg-config --libs libpq fcgi libcjson libesmtp-1.0 libargon2 libsystemd libcrypto libssl)
bench_up

USERS=200
PW='correct horse battery staple'
for i in $(seq 1 $USERS); do
	curl -s -o /dev/null -H 'content-type: application/json' \
	    -d "{\"email\":\"bench$i@example.com\",\"password\":\"$PW\",\"first_name\":\"B\",\"last_name\":\"$i\"}" \
	    "$URL/api/v1/auth/register" &
	[ $((i % 8)) -eq 0 ] && wait
done
wait
cat > "$BENCH_DIR/login.lua" <<LUA
local i = 0
request = function()
  i = (i % $USERS) + 1
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"},
    string.format('{"email":"bench%d@example.com","password":"$PW"}', i))
end
local bad = 0
response = function(status) if status ~= 200 then bad = bad + 1 end end
done = function() if bad > 0 then io.stderr:write("non-200 answers: " .. bad .. "\n") end end
LUA

# Users with 2FA on, enough that none needs a code of a step it used:
# each code works once, so N users allow at most N logins per 30-second
# step (200 capped the 2FA rate at 6.7/s, and slices collapsed to it once
# every user had used the current step). 2,000 last 44 s at 45 logins/s.
USERS_2FA=${USERS_2FA:-2000}
node "$REPO/bench/login-2fa.mjs" setup "$URL" "$USERS_2FA" "$BENCH_DIR/users-2fa.json"
seq 1 $USERS | awk 'BEGIN { printf "[" } { printf "%s{\"email\":\"bench%d@example.com\"}", (NR > 1 ? "," : ""), $1 } END { print "]" }' \
    > "$BENCH_DIR/users.json"

# Alternate the measurements so that all see the same machine; the
# figures are the means of ROUNDS rounds. wrk keeps twice as many requests
# in flight as there are workers, so no worker waits for the next request.
ROUNDS=${ROUNDS:-2}
raws=() ; rates=()
for r in $(seq 1 "$ROUNDS"); do
	raws+=("$("$REPO/build/argon2-rate" "$CONF" "$WORKERS" "$SECS")")
	rates+=("$(wrk -t1 -c$((2 * WORKERS)) -d"${SECS}s" --latency -s "$BENCH_DIR/login.lua" "$URL" |
	    tee "$BENCH_DIR/wrk.txt" | wrk_rps)")
done
# 2FA logins against password-only ones: PAIRS alternating slices of
# SLICE seconds each, by the same client, so load drift hits both alike.
PAIRS=${PAIRS:-8}
SLICE=${SLICE:-5}
node "$REPO/bench/login-2fa.mjs" compare "$URL" "$SLICE" "$PAIRS" $((2 * WORKERS)) \
    "$BENCH_DIR/users.json" "$BENCH_DIR/users-2fa.json" > "$BENCH_DIR/compare.txt"
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
raw=$(mean "${raws[@]}")
logins=$(mean "${rates[@]}")
ratio=$(awk -v a="$logins" -v b="$raw" 'BEGIN { printf "%.3f", a / b }')
read -r _ psum tsum < <(grep '^sum' "$BENCH_DIR/compare.txt")
plain=$(awk -v s="$psum" -v n="$PAIRS" 'BEGIN { printf "%.2f", s / n }')
twofa=$(awk -v s="$tsum" -v n="$PAIRS" 'BEGIN { printf "%.2f", s / n }')
cost=$(awk -v a="$psum" -v b="$tsum" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')
read -r _ pmed tmed < <(grep '^median' "$BENCH_DIR/compare.txt")
mcost=$(awk -v a="$pmed" -v b="$tmed" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
pairs=$(grep -Ev '^(sum|median)' "$BENCH_DIR/compare.txt" | awk '{ printf "%s%s/%s", (NR > 1 ? ", " : ""), $1, $2 }')
p50=$(awk '$1 == "50%" { print $2 }' "$BENCH_DIR/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$BENCH_DIR/wrk.txt")
cat <<REPORT
Argon2id parameters:     $(grep -E '^argon2' "$CONF" || echo "m=19456 KiB, t=2, p=1 (defaults)")
workers / raw processes: $WORKERS / $WORKERS
raw Argon2id verify:     ${raw} /s   (the ceiling, same machine, same run; rounds: ${raws[*]})
POST /api/v1/auth/login: ${logins} /s   (rounds: ${rates[*]}; last round p50 ${p50}, p99 ${p99})
login / raw:             ${ratio}   (target >= 0.9)
the same client (bench/login-2fa.mjs, $((2 * WORKERS)) at once, $PAIRS pairs of ${SLICE} s slices):
  password only:         ${plain} /s
  password + 2FA code:   ${twofa} /s   (two requests each)
  pairs (plain/2fa):     ${pairs}
  2FA on top:            ${cost} %   (logins per second; target < 5)
  median login:          ${pmed} ms password only, ${tmed} ms with the code: ${mcost} % on top
REPORT
