#!/usr/bin/env bash
# The FastCGI overhead: GET /api/v1/health (nginx -> memberd -> SELECT 1)
# beside a static `return 200` location of the same nginx, in the same run,
# and the idle resident memory of one worker.
#   bench/health.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
bench_up

# idle RSS of a worker, after it has served requests and settled
for i in $(seq 1 50); do curl -s -o /dev/null "$URL/api/v1/health"; done
sleep 1
parent=$(cat "$BENCH_DIR/run/memberd.pid")
rss=$(ps -o rss= --ppid "$parent" | sort -n | tail -1)

static=$(wrk -t2 -c32 -d"${SECS}s" "$URL/_static_ok" | wrk_rps)
health=$(wrk -t2 -c32 -d"${SECS}s" "$URL/api/v1/health" | wrk_rps)
ratio=$(awk -v a="$health" -v b="$static" 'BEGIN { printf "%.3f", a / b }')
cat <<REPORT
workers:                 ${STACK_WORKERS} (2 cores shared by wrk, nginx, memberd, PostgreSQL)
idle worker RSS:         ${rss} KiB
static return 200:       ${static} req/s   (the ceiling, same nginx, same run)
GET /api/v1/health:      ${health} req/s
health / static:         ${ratio}
REPORT
