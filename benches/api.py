#!/usr/bin/env python3
"""The JSON API on a large history: reading a request and filing one (with an Idempotency-Key),
N sequential calls each. Prints p50/p99 wall time, the server's CPU ms per call (utime+stime
from /proc over the calls) and the load average.
Usage: benches/api.py BASE_URL TOKEN SERVER_PID MAX_ID [N]  (an engineer's token: it reads any request)"""
import json, os, random, sys, time, urllib.request

base, token, pid, max_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = int(sys.argv[5]) if len(sys.argv) > 5 else 200
ticks = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / ticks

def call(method, path, body=None, headers=()):
    request = urllib.request.Request(base + path, method=method, data=body)
    request.add_header("Authorization", f"Bearer {token}")
    for name, value in headers:
        request.add_header(name, value)
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        response.read()
    return (time.perf_counter() - started) * 1000

def measure(label, make):
    before = cpu_ms()
    times = sorted(make(i) for i in range(runs))
    cpu = (cpu_ms() - before) / runs
    p = lambda q: times[max(0, -(-len(times) * q // 100) - 1)]
    print(f"{label:<34} {p(50):8.2f} {p(99):8.2f} {cpu:8.2f}")

rng = random.Random(42)
print(f"{'call':<34} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8}")
measure("GET /api/v1/requests/{id}", lambda i: call("GET", f"/api/v1/requests/{rng.randint(1, max_id)}"))
body = lambda i: json.dumps({"title": f"Alert {i}: disk full", "description": "From monitoring.", "category_id": 1}).encode()
stamp = int(time.time())
measure("POST /api/v1/requests", lambda i: call("POST", "/api/v1/requests", body(i),
        [("Content-Type", "application/json"), ("Idempotency-Key", f"bench-{stamp}-{i}")]))
print("load average:", open("/proc/loadavg").read().split()[:3])
