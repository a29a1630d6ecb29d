# Shared by the benchmark scripts (sourced, not run): a work folder and the servers started,
# both cleaned up at exit; waiting for a server, signing in, reading CPU time and wrk's times.

work=$(mktemp -d)
pids=()
# A stopped server drains for a moment while still listening: waiting for it keeps the next
# script from finding its port taken (and measuring the old server).
trap 'for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
export GOALKEEPER_LOG=warn
hz=$(getconf CLK_TCK)

# Builds the release binary when it is the one measured.
build_if_ours() { [ "$1" != target/release/goalkeeper ] || cargo build --release --quiet; }

# Seeds REQUESTS into $work/seeded.db with BINARY, or copies BENCH_SEEDED.
seed_sqlite() { # binary requests
  if [ -n "${BENCH_SEEDED:-}" ]; then
    cp "$BENCH_SEEDED" "$work/seeded.db"
  else
    echo "seeding $2 requests…" >&2
    /usr/bin/time -f "seed: %e s" "$1" seed --requests "$2" --seed 42 --database-url "sqlite://$work/seeded.db" >/dev/null
  fi
}

require_wrk() { command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }; }

# The database a server named NAME uses: its own copy of the seeded SQLite file, or the shared
# PostgreSQL database of BENCH_POSTGRES_URL.
database_for() { # name
  if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    echo "$BENCH_POSTGRES_URL"
  else
    cp "$work/seeded.db" "$work/$1.db"
    echo "sqlite://$work/$1.db"
  fi
}

# Starts BINARY serving URL on PORT and waits for it; its pid goes to pid_NAME.
serve() { # name binary port url
  # Whoever answers must be this server, not another one still draining on the port.
  if curl -s -o /dev/null "http://127.0.0.1:$3/healthz"; then echo "port $3 is taken" >&2; return 1; fi
  GOALKEEPER_DATABASE_URL="$4" "$2" serve --bind "127.0.0.1:$3" >/dev/null 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
  wait_up "$3"
}

# "after: server RSS after the run … MiB" for each server started.
report_rss() { # names…
  local name pid_var
  for name in "$@"; do
    pid_var="pid_$name"
    ps -o rss= -p "${!pid_var}" | awk -v n="$name" '{ printf "%s: server RSS after the run %.0f MiB\n", n, $1 / 1024 }'
  done
}

wait_up() { # port
  for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done
  echo "no server answered on port $1" >&2
  return 1
}

sign_in() { # port cookie-jar [email]
  local token
  token=$(curl -fs -c "$2" -b "$2" "http://127.0.0.1:$1/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=${3:-gina@example.com}" --data-urlencode "password=goalkeeper-demo" "http://127.0.0.1:$1/login"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The CPU ticks of every PostgreSQL process on this machine (its share of a request's work).
postgres_ticks() { cat /proc/[0-9]*/stat 2>/dev/null | awk '$2 == "(postgres)" { t += $14 + $15 } END { print t + 0 }'; }

# wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds.
to_ms() { awk '{ v = $1; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; printf "%.1f", v }'; }

# The figures of one wrk run: requests, requests/s, p50 ms, p99 ms, non-2xx answers.
wrk_figures() { # wrk output file
  printf '%s %s %s %s %s\n' "$(awk '/requests in/ { print $1 }' "$1")" "$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$1")" \
    "$(awk '$1 == "50%" { print $2 }' "$1" | to_ms)" "$(awk '$1 == "99%" { print $2 }' "$1" | to_ms)" \
    "$(awk '/Non-2xx/ { print $5 }' "$1")"
}
