#!/usr/bin/env bash
# Median and p99 over 200 sequential requests for the report, the JSON report, insights, the
# queue, a request page, search and the filing form's answer suggestions, on a release build
# with a large seeded history.
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
sign_in() { # jar email
  local token
  token=$(curl -fs -c "$1" -b "$1" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -o /dev/null -c "$1" -b "$1" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$2" --data-urlencode "password=goalkeeper-demo" "http://127.0.0.1:$port/login"
}
engineer="$work/engineer" requester="$work/requester"
sign_in "$engineer" gina@example.com
sign_in "$requester" alex.backend0@example.com

week=$(date -u +%G-W%V)
middle=$((requests / 2))
echo "== ${GOALKEEPER_DATABASE_URL%%:*}: $requests requests; $runs sequential requests each; milliseconds =="
printf '%-44s %8s %8s\n' page median p99
measure() { # jar label path
  for _ in $(seq "$runs"); do
    curl -s -o /dev/null -b "$1" -w '%{time_total}\n' "http://127.0.0.1:$port$3"
  done | sort -n | awk -v label="$2" '{ t[NR] = $1 * 1000 } END {
      median = t[int((NR + 1) / 2)]; p99 = t[int(NR * 0.99 + 0.999)];
      printf "%-44s %8.1f %8.1f\n", label, median, p99 }'
}
for path in "/reports/weekly/$week" "/reports/weekly/$week.json" "/insights" "/queue" "/requests/$middle" \
  "/search?q=replica+lag" "/search?q=vendor+ticket+switch"; do
  measure "$engineer" "$path" "$path"
done
# What a requester does: search their own requests and the answers; suggestions as they type.
for path in "/search?q=replica+lag" "/answers?q=vpn+keepalive" "/answers/suggest?q=vpn+drops+for+the+mobile+team" \
  "/answers/suggest?q=replica+lag+on+login" "/answers/suggest?q=how+do+I+get+access+to+production+logs" \
  "/requests/new"; do
  measure "$requester" "$path (requester)" "$path"
done
ps -o rss= -p "$server" | awk '{ printf "server RSS after the run: %.0f MiB\n", $1 / 1024 }'
