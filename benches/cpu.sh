#!/usr/bin/env bash
# Server CPU per request (utime+stime of the server process over the requests, from /proc) beside
# p50/p99 wall time and the load average, for the heavy pages, on one seeded SQLite database.
# With two binaries it runs them interleaved, page by page, each on its own copy of the same
# database, so "before" and "after" are measured in one run on the same data.
#
# Usage: benches/cpu.sh REQUESTS [BINARY_AFTER [BINARY_BEFORE]]
#   REQUESTS       how many requests `goalkeeper seed --requests` makes (e.g. 100000)
#   BINARY_AFTER   default target/release/goalkeeper (built here)
#   BINARY_BEFORE  an older build to compare with (optional)
# BENCH_RUNS (default 200) requests per page; BENCH_PAGES="/queue /search?q=x" measures only those; BENCH_SEEDED=path reuses a seeded SQLite file;
# BENCH_POSTGRES_URL=postgres://… seeds that (empty) database instead, and both servers share it
# (BENCH_POSTGRES_SEEDED=1: it holds a seeded history already, e.g. one moved there by `copy`).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:?how many requests to seed}
after=${2:-target/release/goalkeeper}
before=${3:-}
runs=${BENCH_RUNS:-200}
. benches/common.sh
build_if_ours "$after"

if [ -n "${BENCH_POSTGRES_URL:-}" ] && [ -n "${BENCH_POSTGRES_SEEDED:-}" ]; then
  echo "using the requests already in $BENCH_POSTGRES_URL" >&2
elif [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  echo "seeding $requests requests into PostgreSQL…" >&2
  /usr/bin/time -f "seed: %e s" "$after" seed --requests "$requests" --seed 42 \
    --database-url "$BENCH_POSTGRES_URL" >/dev/null
else
  seed_sqlite "$after" "$requests"
fi

start() { # name binary port → a signed-in server on its own copy of the database (or the shared PostgreSQL one)
  serve "$1" "$2" "$3" "$(database_for "$1")"
  sign_in "$3" "$work/$1.jar"
}
measure() { # name port path → one line
  local pid_var="pid_$1" pid jar="$work/$1.jar" t0 t1
  pid=${!pid_var}
  # One request first: the page's first view may compute and keep what later views reuse.
  curl -s -o /dev/null -b "$jar" "http://127.0.0.1:$2$3"
  t0=$(cpu_ticks "$pid")
  for _ in $(seq "$runs"); do
    curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' "http://127.0.0.1:$2$3"
  done | sort -n > "$work/times"
  t1=$(cpu_ticks "$pid")
  awk -v label="$1 $3" -v cpu=$(( t1 - t0 )) -v hz="$hz" -v runs="$runs" -v loadavg="$(cut -d' ' -f1 /proc/loadavg)" \
    '{ t[NR] = $1 * 1000 } END {
      printf "%-48s %9.2f %9.1f %9.1f %6s\n", label, cpu * 1000 / hz / runs, t[int((NR + 1) / 2)], t[int(NR * 0.99 + 0.999)], loadavg }' \
    "$work/times"
}

start after "$after" 18301
[ -n "$before" ] && start before "$before" 18302
week=$(date -u +%G-W%V)
last_week=$(date -u -d '7 days ago' +%G-W%V)
backend=SQLite
[ -n "${BENCH_POSTGRES_URL:-}" ] && backend=PostgreSQL
echo "== $backend, $requests requests, $runs sequential requests per page =="
printf '%-48s %9s %9s %9s %6s\n' "server page" "CPU ms" "p50 ms" "p99 ms" "load"
pages=("/insights" "/insights?weeks=52" "/reports/weekly/$week" "/reports/weekly/$last_week.json" "/queue"
  "/requests/$((requests / 2))" "/search?q=vpn+timeout" "/answers/suggest?q=vpn+drops")
[ -n "${BENCH_PAGES:-}" ] && read -r -a pages <<< "$BENCH_PAGES"
for path in "${pages[@]}"; do
  [ -n "$before" ] && measure before 18302 "$path"
  measure after 18301 "$path"
done
report_rss after ${before:+before}
