#!/usr/bin/env bash
# Throughput and memory under many clients: wrk on the queue page and a request page with 1, 8,
# 32 and 50 connections, signed in. Prints requests/s, requests/s per core used (server CPU
# seconds over wall seconds), CPU ms per request, p50/p99 and the server's RSS and PSS after
# each run, then the load average. With two binaries they run interleaved, each on its own copy
# of one seeded database.
#
# Usage: benches/load.sh REQUESTS [BINARY_AFTER [BINARY_BEFORE]]
# BENCH_SECONDS (default 8) per run; BENCH_SEEDED=path reuses a seeded SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:?how many requests to seed}
after=${2:-target/release/goalkeeper}
before=${3:-}
seconds=${BENCH_SECONDS:-8}
. benches/common.sh
require_wrk
build_if_ours "$after"
seed_sqlite "$after" "$requests"

start() { # name binary port → a signed-in server on its own copy; its cookie in cookie_NAME
  serve "$1" "$2" "$3" "$(database_for "$1")"
  sign_in "$3" "$work/$1.jar"
  eval "cookie_$1=$(awk '$6 ~ /goalkeeper_session/ { print $6 "=" $7 }' "$work/$1.jar")"
}
memory() { # pid → "RSS PSS" in MiB
  awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { printf "%6.0f %6.0f", r / 1024, p / 1024 }' "/proc/$1/smaps_rollup"
}
measure() { # name port path connections
  local pid_var="pid_$1" cookie_var="cookie_$1" pid t0 t1 out="$work/wrk.out" threads=2
  pid=${!pid_var}
  [ "$4" -lt 2 ] && threads=1
  t0=$(cpu_ticks "$pid")
  wrk -t"$threads" -c"$4" -d"${seconds}s" --latency -H "Cookie: ${!cookie_var}" "http://127.0.0.1:$2$3" > "$out"
  t1=$(cpu_ticks "$pid")
  local n rate p50 p99 cpu_s errors
  read -r n rate p50 p99 errors <<< "$(wrk_figures "$out")"
  cpu_s=$(echo "($t1 - $t0) / $hz" | bc -l)
  printf '%-7s %-18s %4s %8s %9.0f %8.2f %8s %8s %s %6s %s\n' "$1" "$3" "$4" "$rate" \
    "$(echo "$n / $cpu_s" | bc -l)" "$(echo "$cpu_s * 1000 / $n" | bc -l)" "$p50" "$p99" "$(memory "$pid")" \
    "$(cut -d' ' -f1 /proc/loadavg)" "${errors:+($errors failed)}"
}

start after "$after" 18341
[ -n "$before" ] && start before "$before" 18342
backend=SQLite
[ -n "${BENCH_POSTGRES_URL:-}" ] && backend=PostgreSQL
echo "== $backend, $requests requests, wrk ${seconds}s per run =="
for name in after ${before:+before}; do
  pid_var="pid_$name"
  echo "$name: at start RSS/PSS $(memory "${!pid_var}") MiB"
done
printf '%-7s %-18s %4s %8s %9s %8s %8s %8s %6s %6s %6s\n' build page conns "req/s" "req/core" "CPU ms" "p50 ms" "p99 ms" RSS PSS load
for path in /queue "/requests/$((requests / 2))"; do
  for conns in 1 8 32 50; do
    [ -n "$before" ] && measure before 18342 "$path" "$conns"
    measure after 18341 "$path" "$conns"
  done
done
