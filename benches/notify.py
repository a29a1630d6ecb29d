#!/usr/bin/env python3
"""What notifications cost: filing a request through the API on a build without the outbox
(BEFORE) and with it (AFTER: a goalkeeper on duty and a webhook channel, so every filing writes
an inbox row, an e-mail row and a channel row), then how fast the server's worker delivers a
backlog to a local webhook receiver. Both servers run one after the other on this machine.
Usage: benches/notify.py BEFORE_BINARY AFTER_BINARY [N]"""
import datetime, http.server, json, os, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

before, after = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 300
ticks = os.sysconf("SC_CLK_TCK")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass

hook_port = free_port()
threading.Thread(target=http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Receiver).serve_forever, daemon=True).start()

def goalkeeper(binary, db, *args, stdin=None):
    env = dict(os.environ, GOALKEEPER_DATABASE_URL=f"sqlite://{db}", GOALKEEPER_LOG="warn")
    return subprocess.run([binary, *args], env=env, input=stdin, capture_output=True, text=True, check=True).stdout

def cpu_ms(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / ticks

def bench(label, binary, with_outbox):
    work = tempfile.mkdtemp()
    db = os.path.join(work, "bench.db")
    goalkeeper(binary, db, "user", "add", "--email", "gina@example.com", "--name", "Gina", "--role", "engineer", stdin="a long bench password\n")
    goalkeeper(binary, db, "user", "add", "--email", "rita@example.com", "--name", "Rita", "--role", "requester", stdin="a long bench password\n")
    token = goalkeeper(binary, db, "token", "create", "--email", "rita@example.com", "--name", "bench", "--scope", "write").strip()
    if with_outbox:
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        with sqlite3.connect(db) as c:
            c.execute("INSERT INTO rotation_versions (effective_from, anchor_date, handover_time, timezone, engineers, created_by, created_at) VALUES (?, ?, '00:00', 'UTC', '[1]', 1, ?)",
                      ((now - datetime.timedelta(days=1)).isoformat(" "), (now - datetime.timedelta(days=1)).date().isoformat(), now.isoformat(" ")))
            c.execute("INSERT INTO channels (name, kind, url, secret, topics, enabled, created_at) VALUES ('bench', 'webhook', ?, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'new_request,new_critical', 1, ?)",
                      (f"http://127.0.0.1:{hook_port}/", now.isoformat(" ")))
    port = free_port()
    env = dict(os.environ, GOALKEEPER_DATABASE_URL=f"sqlite://{db}", GOALKEEPER_BIND=f"127.0.0.1:{port}", GOALKEEPER_LOG="warn",
               GOALKEEPER_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    server = subprocess.Popen([binary, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        def file(i):
            body = json.dumps({"title": f"Alert {i}: disk full", "description": "From monitoring.", "category_id": 1}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/requests", method="POST", data=body)
            request.add_header("Authorization", f"Bearer {token}")
            request.add_header("Content-Type", "application/json")
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                response.read()
            return (time.perf_counter() - started) * 1000
        for i in range(20):
            file(-i - 1)
        cpu = cpu_ms(server.pid)
        times = sorted(file(i) for i in range(runs))
        cpu = (cpu_ms(server.pid) - cpu) / runs
        p = lambda q: times[max(0, -(-len(times) * q // 100) - 1)]
        print(f"{label:<28} {p(50):8.2f} {p(99):8.2f} {cpu:8.2f}")
        if with_outbox:
            started = time.perf_counter()
            with sqlite3.connect(db) as c:
                total = c.execute("SELECT count(*) FROM deliveries WHERE medium = 'channel'").fetchone()[0]
                while c.execute("SELECT count(*) FROM deliveries WHERE medium = 'channel' AND status = 'delivered'").fetchone()[0] < total:
                    time.sleep(0.05)
            print(f"worker delivered {total} webhook posts (some during filing) in {time.perf_counter() - started:.2f} s after the last filing")
    finally:
        server.terminate()
        server.wait()

print(f"{'POST /api/v1/requests':<28} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8}")
bench("before (no outbox)", before, False)
bench("after (outbox: 3 rows)", after, True)
bench("before (no outbox), again", before, False)
print("load average:", open("/proc/loadavg").read().split()[:3])
