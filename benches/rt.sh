#!/usr/bin/env bash
# Goalkeeper side by side with Request Tracker 5 on this machine: both on SQLite, both seeded
# with the same number of requests, both driven through their browser forms and pages, run
# interleaved figure by figure. For each: server CPU ms per request (utime+stime of the server's
# processes from /proc), p50/p99 wall, the load average; at the end each server's PSS.
#
# Needs Debian's packages: apt-get install request-tracker5 rt5-db-sqlite rt5-standalone
# Usage: benches/rt.sh [REQUESTS [BINARY]]   (default 500 requests, target/release/goalkeeper)
# BENCH_RUNS (default 200) sequential requests per page; BENCH_FILINGS (default 100) filings
# per client count.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-500}
goalkeeper=${2:-target/release/goalkeeper}
runs=${BENCH_RUNS:-200}
filings=${BENCH_FILINGS:-100}
rt_server=/usr/share/request-tracker5/libexec/rt-server
rt_lib=/usr/share/request-tracker5/lib
rt_template=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
if [ ! -x "$rt_server" ] || [ ! -f "$rt_template" ]; then
  echo "Request Tracker 5 is missing: apt-get install request-tracker5 rt5-db-sqlite rt5-standalone" >&2
  exit 1
fi
. benches/common.sh
build_if_ours "$goalkeeper"
gk_port=18351 rt_port=18352

# --- Request Tracker: its Debian database copied, configured for a loopback port, seeded. ---
cp "$rt_template" "$work/rt.db"
mkdir -p "$work/rt.d"
cat > "$work/rt.pm" <<EOF
Set(\$rtname, 'bench');
Set(\$Organization, 'bench');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$work/rt.db');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $rt_port);
Set(\$WebBaseURL, 'http://127.0.0.1:$rt_port');
Set(\$RestrictReferrer, 0);
Set(\$LogToSTDERR, 'error');
Set(\$LogToSyslog, undef);
Set(\$Timezone, 'UTC');
1;
EOF
export RT_SITE_CONFIG="$work/rt.pm" RT_SITE_CONFIG_DIR="$work/rt.d"
echo "seeding Request Tracker with $requests tickets…" >&2
perl -I"$rt_lib" -e '
  use RT; RT::LoadConfig(); RT::Init();
  my $root = RT::User->new(RT->SystemUser); $root->Load("root"); $root->SetPassword("bench-password");
  my @words = qw(vpn disk dns deploy certificate backup database network printer mail cache queue);
  for my $n (1 .. $ARGV[0]) {
    my $t = RT::Ticket->new(RT->SystemUser);
    my $w = $words[$n % @words];
    my ($id, undef, $err) = $t->Create(Queue => "General", Subject => "$w problem number $n",
      Requestor => ["dev$n\@example.com"], Status => ($n % 3 ? "resolved" : "new"),
      MIMEObj => MIME::Entity->build(Type => "text/plain", Charset => "UTF-8", Data => ["The $w does not work since this morning.\n"]));
    die "ticket $n: $err" unless $id;
  }' "$requests"
"$rt_server" --port "$rt_port" >"$work/rt.log" 2>&1 &
pids+=($!)
rt_pid=$!

# --- Goalkeeper: seeded with the same number of requests. ---
echo "seeding Goalkeeper with $requests requests…" >&2
"$goalkeeper" seed --requests "$requests" --seed 42 --database-url "sqlite://$work/gk.db" >/dev/null
serve gk "$goalkeeper" "$gk_port" "sqlite://$work/gk.db"
gk_pid=$pid_gk

for _ in $(seq 600); do curl -fs -o /dev/null "http://127.0.0.1:$rt_port/" && break; sleep 0.1; done
gk_jar="$work/gk.jar" rt_jar="$work/rt.jar"
sign_in "$gk_port" "$gk_jar"
gk_csrf=$(curl -fs -b "$gk_jar" "http://127.0.0.1:$gk_port/requests/new" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -c "$rt_jar" -b "$rt_jar" --data "user=root&pass=bench-password" "http://127.0.0.1:$rt_port/NoAuth/Login.html"

# CPU of a server and all its processes (Request Tracker's workers are children); replaces the
# one-process reading of common.sh.
cpu_ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
pss_mib() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0) ))
  done
  echo $(( total / 1024 ))
}

# One request of each kind (stdin of xargs: a sequence number).
gk_file() {
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -b "$gk_jar" --data-urlencode "csrf_token=$gk_csrf" \
    --data-urlencode "title=VPN drops on build agent $1" --data-urlencode "description=Since this morning." \
    --data-urlencode "category=1" --data-urlencode "service=" --data-urlencode "urgency=normal" \
    --data-urlencode "checked=1" "http://127.0.0.1:$gk_port/requests"
}
rt_file() {
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -b "$rt_jar" --data-urlencode "id=new" --data-urlencode "Queue=1" \
    --data-urlencode "Subject=VPN drops on build agent $1" --data-urlencode "Content=Since this morning." \
    --data-urlencode "Requestors=root@localhost" --data-urlencode "SubmitTicket=Create" \
    "http://127.0.0.1:$rt_port/Ticket/Create.html"
}
export -f gk_file rt_file
export gk_jar rt_jar gk_csrf gk_port rt_port

# figure label, server pid, how many, parallel clients, command → "cpu_ms rate p50 p99"
measure() {
  local pid=$1 count=$2 clients=$3 t0 t1 started ended
  shift 3
  t0=$(cpu_ticks "$pid")
  started=$(date +%s.%N)
  seq "$count" | xargs -P "$clients" -I{} bash -c "$* {}" > "$work/times"
  ended=$(date +%s.%N)
  t1=$(cpu_ticks "$pid")
  if awk '$2 !~ /^(200|302|303)$/ { bad = 1 } END { exit !bad }' "$work/times"; then
    echo "failed answers: $(awk '$2 !~ /^(200|302|303)$/' "$work/times" | sort | uniq -c | head -3)" >&2
  fi
  sort -n "$work/times" | awk -v cpu=$(( t1 - t0 )) -v hz="$hz" -v n="$count" -v wall="$(echo "$ended - $started" | bc -l)" \
    '{ t[NR] = $1 * 1000 } END { printf "%.2f %.1f %.1f %.1f", cpu * 1000 / hz / n, n / wall, t[int((NR + 1) / 2)], t[int(NR * 0.99 + 0.999)] }'
}
page() { # port jar path → one timing line per call
  echo "curl -s -o /dev/null -w '%{time_total} %{http_code}\\n' -b $2 'http://127.0.0.1:$1$3' #"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f×", a / b; else printf "–" }'; }
row() { # label rt_result gk_result
  read -r rc rr r50 r99 <<< "$2"
  read -r gc gr g50 g99 <<< "$3"
  printf '%-26s %9s %8s %8s %8s | %9s %8s %8s %8s | %7s %7s %5s\n' "$1" "$rc" "$rr" "$r50" "$r99" "$gc" "$gr" "$g50" "$g99" \
    "$(ratio "$rc" "$gc")" "$(ratio "$r50" "$g50")" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}

rt_queue="/Search/Results.html?Query=Status%20%3D%20%27__Active__%27&OrderBy=Priority%7CCreated&Order=DESC%7CASC&RowsPerPage=50"
middle=$(( requests / 2 ))
echo "== Request Tracker 5 and Goalkeeper, SQLite, $requests requests; pages: $runs sequential calls, filings: $filings =="
printf '%-26s %9s %8s %8s %8s | %9s %8s %8s %8s | %7s %7s %5s\n' figure "RT CPU ms" "RT /s" "RT p50" "RT p99" \
  "GK CPU ms" "GK /s" "GK p50" "GK p99" "CPU" "p50" load
# A first call of each page, so neither side pays its warm-up in the figures.
curl -s -o /dev/null -b "$rt_jar" "http://127.0.0.1:$rt_port$rt_queue"
curl -s -o /dev/null -b "$gk_jar" "http://127.0.0.1:$gk_port/queue"
rt=$(measure "$rt_pid" "$runs" 1 "$(page "$rt_port" "$rt_jar" "$rt_queue")")
gk=$(measure "$gk_pid" "$runs" 1 "$(page "$gk_port" "$gk_jar" /queue)")
row "queue page" "$rt" "$gk"
rt=$(measure "$rt_pid" "$runs" 1 "$(page "$rt_port" "$rt_jar" "/Ticket/Display.html?id=$middle")")
gk=$(measure "$gk_pid" "$runs" 1 "$(page "$gk_port" "$gk_jar" "/requests/$middle")")
row "request page" "$rt" "$gk"
rt=$(measure "$rt_pid" "$filings" 1 rt_file)
gk=$(measure "$gk_pid" "$filings" 1 gk_file)
row "filing, one client" "$rt" "$gk"
rt=$(measure "$rt_pid" "$filings" 8 rt_file)
gk=$(measure "$gk_pid" "$(( filings * 4 ))" 8 gk_file)
row "filing, 8 clients" "$rt" "$gk"
echo "memory (PSS): Request Tracker $(pss_mib "$rt_pid") MiB, Goalkeeper $(pss_mib "$gk_pid") MiB"
