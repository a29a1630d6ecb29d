#!/usr/bin/env bash
# Median and p99 over 200 sequential requests for the report, the JSON report, insights, the
# queue and a request page, on a release build with a large seeded history.
# Usage: benches/reports.sh [REQUESTS]   (default 1,000,000; needs curl)
# BENCH_DATABASE_URL=… reuses an already seeded database instead of seeding a new SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-1000000}
port=${BENCH_PORT:-18182}
runs=${BENCH_RUNS:-200}
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/goalkeeper
export GOALKEEPER_LOG=warn
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  export GOALKEEPER_DATABASE_URL="$BENCH_DATABASE_URL"
else
  export GOALKEEPER_DATABASE_URL="sqlite://$work/bench.db"
  echo "seeding $requests requests…"
  /usr/bin/time -f "seed: %e s, %M KiB max RSS" $bin seed --requests "$requests" --seed 42 >/dev/null
fi

$bin serve --bind "127.0.0.1:$port" & server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
jar="$work/cookies"
token=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=gina@example.com" --data-urlencode "password=goalkeeper-demo" "http://127.0.0.1:$port/login"

week=$(date -u +%G-W%V)
middle=$((requests / 2))
echo "== ${GOALKEEPER_DATABASE_URL%%:*}: $requests requests; $runs sequential requests each; milliseconds =="
printf '%-32s %8s %8s\n' page median p99
for path in "/reports/weekly/$week" "/reports/weekly/$week.json" "/insights" "/queue" "/requests/$middle" "/search?q=replica+lag" "/search?q=vendor+ticket+switch"; do
  for _ in $(seq "$runs"); do
    curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' "http://127.0.0.1:$port$path"
  done | sort -n | awk -v path="$path" '{ t[NR] = $1 * 1000 } END {
      median = t[int((NR + 1) / 2)]; p99 = t[int(NR * 0.99 + 0.999)];
      printf "%-32s %8.1f %8.1f\n", path, median, p99 }'
done
ps -o rss= -p "$server" | awk '{ printf "server RSS after the run: %.0f MiB\n", $1 / 1024 }'
