#!/usr/bin/env bash
# Filing through the API under load: wrk posts new requests with 1 and 8 connections (then 32)
# for a few seconds each and prints filings/s, p50/p99 wall, the server's CPU ms per filing (and on
# PostgreSQL, its processes' CPU ms per filing; utime+stime from /proc) and the load average. Every
# filing is durable when it is answered (SQLite: WAL, synchronous=FULL). With two binaries they run
# interleaved, each on its own copy of one seeded database.
#
# Usage: benches/filing.sh REQUESTS [BINARY_AFTER [BINARY_BEFORE]]
# BENCH_SECONDS (default 8) per run; BENCH_SEEDED=path reuses a seeded SQLite file;
# BENCH_POSTGRES_URL=postgres://… runs against that (seeded here, shared) database instead
# (BENCH_POSTGRES_SEEDED=1: it holds a seeded history already, e.g. one moved there by `copy`).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:?how many requests to seed}
after=${2:-target/release/goalkeeper}
before=${3:-}
seconds=${BENCH_SECONDS:-8}
. benches/common.sh
require_wrk
build_if_ours "$after"
# Monitoring files alerts in bursts: the per-token limit is lifted for the measurement.
export GOALKEEPER_API_RATE_PER_MINUTE=0
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  [ -n "${BENCH_POSTGRES_SEEDED:-}" ] || "$after" seed --requests "$requests" --seed 42 --database-url "$BENCH_POSTGRES_URL" >/dev/null
else
  seed_sqlite "$after" "$requests"
fi

cat > "$work/file.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = '{"title":"Disk almost full on db-' .. n .. '","description":"Alert from monitoring: /var at 93 %.","category_id":1}'
  return wrk.format(nil, "/api/v1/requests", nil, body)
end
LUA

start() { # name binary port → a server and an API token for it (token_NAME)
  local url
  url=$(database_for "$1")
  eval "token_$1=$("$2" token create --email alex.backend0@example.com --name "bench $1" --database-url "$url" 2>/dev/null)"
  serve "$1" "$2" "$3" "$url"
}
measure() { # name port connections
  local pid_var="pid_$1" token_var="token_$1" pid t0 t1 out="$work/wrk.out" threads=2
  pid=${!pid_var}
  [ "$3" -lt 2 ] && threads=1
  t0=$(cpu_ticks "$pid")
  local pg0 pg1 pg_ms=""
  pg0=$(postgres_ticks)
  BENCH_TOKEN=${!token_var} wrk -t"$threads" -c"$3" -d"${seconds}s" --latency -s "$work/file.lua" "http://127.0.0.1:$2" > "$out"
  t1=$(cpu_ticks "$pid")
  pg1=$(postgres_ticks)
  local done_n rate p50 p99 errors
  read -r done_n rate p50 p99 errors <<< "$(wrk_figures "$out")"
  [ -n "${BENCH_POSTGRES_URL:-}" ] && pg_ms=$(printf '%.2f' "$(echo "($pg1 - $pg0) * 1000 / $hz / $done_n" | bc -l)")
  printf '%-10s %5s %10s %9.2f %8s %8s %8s %6s %s\n' "$1" "$3" "$rate" "$(echo "($t1 - $t0) * 1000 / $hz / $done_n" | bc -l)" \
    "${pg_ms:--}" "$p50" "$p99" "$(cut -d' ' -f1 /proc/loadavg)" "${errors:+($errors failed)}"
}

start after "$after" 18321
[ -n "$before" ] && start before "$before" 18322
backend=SQLite
[ -n "${BENCH_POSTGRES_URL:-}" ] && backend=PostgreSQL
echo "== $backend, $requests requests seeded, filing through the API for ${seconds}s per run =="
printf '%-10s %5s %10s %9s %8s %8s %8s %6s\n' build clients "filings/s" "CPU ms" "PG ms" "p50 ms" "p99 ms" load
for clients in 1 8 32; do
  [ -n "$before" ] && measure before 18322 "$clients"
  measure after 18321 "$clients"
done
report_rss after ${before:+before}
