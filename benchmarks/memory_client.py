"""Memory benchmark client for benchmarks/run: steps one big Adam session from many connections.

Creates an Adam session of SIZE parameters in optd, then CONNECTIONS threads, each on its own
keep-alive connection, send STEPS raw float32 gradients (all at once, so uploads queue) and read
each answer (the raw parameters) in pieces. While they run, optd's VmHWM (peak RSS) is read from
/proc/PID/status; printed beside the session state (params + Adam's m and v = 3 x 4 x SIZE bytes).
Then checks every step was applied exactly once (the session's step = CONNECTIONS x STEPS).
"""
import argparse, http.client, json, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("--size", type=int, default=100_000_000)
ap.add_argument("--connections", type=int, default=16)
ap.add_argument("--steps-per-connection", type=int, default=2)
args = ap.parse_args()


def status(field):
    for line in open(f"/proc/{args.pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def connection():
    return http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)


c = connection()
c.request("POST", "/v1/sessions", json.dumps({"id": "mem", "optimizer": "adam", "size": args.size}),
          {"Content-Type": "application/json"})
r = c.getresponse(); r.read()
assert r.status == 201, r.status
state = 3 * 4 * args.size
before = status("VmHWM")
# A small, finite gradient: 1e-3 as float32 little-endian, repeated.
gradient = memoryview(b"\x6f\x12\x83\x3a" * args.size)
errors, answered = [], [0]
lock = threading.Lock()


def client():
    conn = connection()
    for _ in range(args.steps_per_connection):
        try:
            conn.request("POST", "/v1/sessions/mem/step", body=gradient,
                         headers={"Content-Type": "application/octet-stream"})
            resp = conn.getresponse()
            got = 0
            while chunk := resp.read(1 << 20):
                got += len(chunk)
            if resp.status != 200 or got != 4 * args.size:
                errors.append(f"status {resp.status}, {got} bytes")
            else:
                with lock:
                    answered[0] += 1
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
            conn = connection()


t0 = time.monotonic()
threads = [threading.Thread(target=client) for _ in range(args.connections)]
for t in threads: t.start()
peak_rss = 0
while any(t.is_alive() for t in threads):
    peak_rss = max(peak_rss, status("VmRSS"))
    time.sleep(0.05)
for t in threads: t.join()
elapsed = time.monotonic() - t0
hwm = status("VmHWM")
c = connection()  # the first one sat idle past the keep-alive timeout
c.request("GET", "/v1/sessions/mem"); r = c.getresponse(); meta = json.loads(r.read())
expected = args.connections * args.steps_per_connection
bound = 1.1 * state + 30e6
print(f"memory: Adam session of {args.size:,} parameters, state (params + m + v) {state / 1e6:,.0f} MB; "
      f"{args.connections} connections x {args.steps_per_connection} raw steps of {4 * args.size / 1e6:,.0f} MB, "
      f"{elapsed:.1f} s ({answered[0] / elapsed:.2f} steps/s)")
print(f"memory: VmHWM after create {before / 1e6:,.0f} MB; VmHWM after the steps {hwm / 1e6:,.0f} MB = "
      f"{hwm / state:.3f}x the state; bound 1.1x + 30 MB = {bound / 1e6:,.0f} MB: {'met' if hwm <= bound else 'NOT met'}")
print(f"memory: answered {answered[0]}/{expected}, errors {len(errors)} {errors[:3]}; session step {meta['step']} "
      f"(expected {expected}): {'exactly once' if meta['step'] == expected else 'MISMATCH'}")
