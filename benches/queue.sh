#!/usr/bin/env bash
# Median and p99 of GET /queue (and one request page) on a release build with 10,000 requests
# stored. Needs sqlite3, curl and wrk (apt-get install sqlite3 curl wrk).
# Usage: benches/queue.sh [REQUESTS] [OPEN_SHARE_PERCENT]
# On PostgreSQL: BENCH_POSTGRES_URL=postgres://…/empty_db benches/queue.sh (the SQLite data is
# generated as usual, then moved over with `goalkeeper copy --replace`).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-10000}
open_percent=${2:-15}
port=${BENCH_PORT:-18181}
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/goalkeeper
export GOALKEEPER_DATABASE_URL="sqlite://$work/bench.db" GOALKEEPER_LOG=warn
$bin migrate >/dev/null
echo "bench-password" | $bin user add --email gk@example.com --name Goalkeeper --role engineer >/dev/null
echo "bench-password" | $bin user add --email dev@example.com --name Developer --role requester >/dev/null

# A spread of categories, urgencies and ages; open_percent of them still open.
sqlite3 "$work/bench.db" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $requests)
INSERT INTO requests (title, description, category_id, service_id, urgency, state, requester_id, owner_id,
                      tier_rank, urgency_rank, version, created_at, updated_at, closed_at)
SELECT 'Synthetic request ' || i, 'Generated for the benchmark.', 1 + i % 7, NULL,
       CASE i % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'normal' ELSE 'high' END,
       CASE WHEN i % 100 < $open_percent THEN (CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'in_progress' ELSE 'waiting' END)
            ELSE 'resolved' END,
       2, CASE WHEN i % 100 < $open_percent AND i % 3 = 0 THEN NULL ELSE 1 END,
       1, CASE i % 3 WHEN 0 THEN 2 WHEN 1 THEN 1 ELSE 0 END, 1,
       datetime('now', '-' || (i * 7 % 86400) || ' minutes'), datetime('now'), NULL
FROM n;
INSERT INTO events (request_id, actor_id, at, kind, from_state, to_state, request_version)
SELECT id, 2, created_at, 'filed', NULL, 'new', 1 FROM requests;
COMMIT;
ANALYZE;
SQL

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  $bin copy --from "$GOALKEEPER_DATABASE_URL" --to "$BENCH_POSTGRES_URL" --replace >/dev/null
  export GOALKEEPER_DATABASE_URL="$BENCH_POSTGRES_URL"
fi

$bin serve --bind "127.0.0.1:$port" & server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

jar="$work/cookies"
token=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=gk@example.com" --data-urlencode "password=bench-password" "http://127.0.0.1:$port/login"
cookie=$(awk '$6 == "goalkeeper_session" { print $6 "=" $7 }' "$jar")

echo "== ${GOALKEEPER_DATABASE_URL%%:*}: $requests requests stored, ${open_percent}% open; one connection, sequential =="
for path in /queue "/queue?page=3" "/queue?owner=me" /requests/5000; do
  echo "-- GET $path"
  wrk -t1 -c1 -d10s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$path" | grep -E '^\s+(50|99)%|Requests/sec|Non-2xx'
done
