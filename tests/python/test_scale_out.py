"""Scale-out (README "Scaling out"): 3 optd instances behind a real nginx that uses
deploy/nginx.conf's consistent hashing on the session id. Sessions created through the proxy
live on exactly one instance (the one deploy/optd_scale.py predicts); a stopped instance's
sessions answer 502 (never 404 or a fresh copy elsewhere) and come back intact; adding a 4th
instance moves about a quarter of them, which the fenced checkpoint procedure moves without
losing or repeating a step, even while a client keeps stepping one of them."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "deploy"))
import optd_scale  # noqa: E402

BINARY = os.environ.get("OPTD_BINARY", os.path.join(ROOT, ".build", "release", "optd"))
SESSIONS = 200


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if isinstance(body, (dict, list)):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def wait_for(condition, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Optd:
    """One optd process on loopback with its own data dir; restartable on the same port."""

    def __init__(self, name, workdir):
        self.name = name
        self.data = os.path.join(workdir, name)
        self.port = 0
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BINARY, "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data,
                                      "--wal", "always", "--snapshot-interval", "0"],
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            match = re.search(r"optd listening on .*:(\d+)$", line.strip())
            if match:
                self.port = int(match.group(1))
                break
        assert self.port, f"{self.name} did not report its port"
        # Keep draining stderr so the access log never fills the pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        wait_for(lambda: call(self.url + "/readyz")[0] == 200, f"{self.name} ready")
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def server(self):
        return f"127.0.0.1:{self.port}"

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.wait(timeout=20) == 0

    def session_ids(self):
        status, body, _ = call(self.url + "/v1/sessions")
        assert status == 200
        return {s["id"] for s in json.loads(body)["sessions"]}


class Nginx:
    """nginx with its own prefix and a config made from deploy/nginx.conf (the upstream servers
    and the listen address replaced, temp and log paths moved into the prefix)."""

    def __init__(self, workdir):
        self.prefix = os.path.join(workdir, "nginx")
        os.makedirs(os.path.join(self.prefix, "logs"))
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.prefix, d))
            os.chmod(os.path.join(self.prefix, d), 0o777)
        os.chmod(workdir, 0o755)
        os.chmod(self.prefix, 0o755)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        self.port = free_port()
        self.proc = None

    def write(self, servers):
        with open(os.path.join(ROOT, "deploy", "nginx.conf")) as f:
            text = f.read()
        lines = [f"        server {s} max_fails=0;" for s in servers]
        text, n = re.subn(r"(?m)^        server optd-\S+ max_fails=0;\n(        server optd-\S+ max_fails=0;\n)*",
                          "\n".join(lines) + "\n", text)
        assert n == 1, "deploy/nginx.conf's upstream block changed shape"
        text, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{self.port};", text)
        assert n == 1
        p = self.prefix
        text = text.replace("worker_processes auto;", f"worker_processes 2;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log;")
        text = text.replace("http {\n", "http {\n" + "".join(
            f"    {kind}_temp_path {p}/{d};\n" for kind, d in
            (("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"), ("scgi", "scgi")))
            + f"    access_log {p}/logs/access.log;\n", 1)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, servers):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        assert os.path.exists(nginx), "nginx is not installed (.ci/run installs it from Debian)"
        self.write(servers)
        subprocess.run([nginx, "-t", "-p", self.prefix, "-c", self.conf], check=True, capture_output=True)
        self.proc = subprocess.Popen([nginx, "-p", self.prefix, "-c", self.conf, "-g", "daemon off;"])
        wait_for(lambda: self._answers(), "nginx listening")
        return self

    def _answers(self):
        try:
            return call(self.url + "/healthz")[0] == 200
        except OSError:
            return False

    def reload(self, servers):
        self.write(servers)
        self.proc.send_signal(signal.SIGHUP)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(timeout=20)


def expected_params(steps):
    # sgd, learning_rate 1, gradient [1, 2, 3, 4]: exact in float32.
    return [-1.0 * steps, -2.0 * steps, -3.0 * steps, -4.0 * steps]


def step_through(url, session_id, key):
    return call(f"{url}/v1/sessions/{session_id}/step", "POST", [1, 2, 3, 4], {"Idempotency-Key": key})


@pytest.fixture
def cluster():
    workdir = tempfile.mkdtemp(prefix="optd-scale-")
    instances = {name: Optd(name, workdir) for name in ("a", "b", "c", "d")}
    nginx = Nginx(workdir)
    try:
        yield instances, nginx
    finally:
        nginx.stop()
        for optd in instances.values():
            if optd.proc and optd.proc.poll() is None:
                optd.proc.kill()
                optd.proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def test_sessions_live_on_one_instance_survive_restart_and_move(cluster):
    instances, nginx = cluster
    a, b, c, d = (instances[n].start() for n in "abcd")
    servers = [a.server, b.server, c.server]
    by_server = {o.server: o for o in instances.values()}
    nginx.start(servers)

    # 200 sessions created through the proxy at ids the client chose; each stepped a few times.
    ids = [f"run-{i:03d}" for i in range(SESSIONS)]
    steps = {}
    for i, sid in enumerate(ids):
        status, body, _ = call(f"{nginx.url}/v1/sessions/{sid}", "PUT",
                               {"optimizer": {"name": "sgd", "learning_rate": 1}, "size": 4})
        assert status == 201, body
        steps[sid] = i % 3 + 1
        for k in range(steps[sid]):
            status, body, headers = step_through(nginx.url, sid, f"{sid}-{k}")
            assert status == 200 and headers["ETag"] == f'"{k + 1}"', body

    # Each on exactly one instance: the one nginx's ring (as deploy/optd_scale.py computes it) picks.
    held = {o.server: o.session_ids() for o in (a, b, c)}
    assert sorted(sum((sorted(s) for s in held.values()), [])) == ids, "every session on exactly one instance"
    ring = optd_scale.ring(servers)
    for sid in ids:
        assert sid in held[optd_scale.owner(ring, sid)], f"{sid} is not where the ring puts it"
    print("sessions per instance:", {by_server[s].name: len(v) for s, v in held.items()})
    assert all(len(v) >= 30 for v in held.values()), "the ring spreads sessions over all three"

    # Stop b abruptly: its sessions answer 502 through the proxy (not 404 from another
    # instance), and a session that b would own is not created elsewhere meanwhile.
    b_ids = sorted(held[b.server])
    b.kill()
    assert call(f"{nginx.url}/v1/sessions/{b_ids[0]}")[0] == 502
    orphan = next(f"new-{i}" for i in range(1000) if optd_scale.owner(ring, f"new-{i}") == b.server)
    assert call(f"{nginx.url}/v1/sessions/{orphan}", "PUT", {"optimizer": "sgd", "size": 4})[0] == 502
    assert all(orphan not in o.session_ids() for o in (a, c))
    other = next(i for i in ids if i not in held[b.server])
    assert call(f"{nginx.url}/v1/sessions/{other}")[0] == 200
    # Restarted on its data dir and port: every session of b is back, intact.
    b.start()
    for sid in b_ids:
        status, body, headers = call(f"{nginx.url}/v1/sessions/{sid}/params")
        assert status == 200 and headers["ETag"] == f'"{steps[sid]}"'
        assert json.loads(body)["params"] == expected_params(steps[sid])

    # The checkpoint fence by hand: a step that lands after the copy makes DELETE If-Match fail.
    sid = b_ids[0]
    status, _, headers = call(f"{b.url}/v1/sessions/{sid}/checkpoint")
    assert status == 200
    stale = headers["ETag"]
    assert step_through(nginx.url, sid, f"{sid}-late")[0] == 200
    steps[sid] += 1
    status, body, _ = call(f"{b.url}/v1/sessions/{sid}", "DELETE", headers={"If-Match": stale})
    assert status == 412 and json.loads(body)["code"] == "precondition_failed"
    # ... and DELETE with Accept: application/octet-stream answers the state at the deletion.
    status, final, headers = call(f"{b.url}/v1/sessions/{sid}", "DELETE", headers={"Accept": "application/octet-stream"})
    assert status == 200 and headers["ETag"] == f'"{steps[sid]}"'
    assert call(f"{b.url}/v1/sessions/{sid}")[0] == 404
    status, body, _ = call(f"{b.url}/v1/sessions/{sid}/checkpoint", "PUT", final, {"Content-Type": "application/octet-stream"})
    assert status == 201, body

    # Add d: about a quarter of the sessions change owner, all of them to d.
    new_servers = servers + [d.server]
    new_ring = optd_scale.ring(new_servers)
    moves = {sid: optd_scale.owner(ring, sid) for sid in ids if optd_scale.owner(new_ring, sid) != optd_scale.owner(ring, sid)}
    assert all(optd_scale.owner(new_ring, sid) == d.server for sid in moves)
    print(f"adding a 4th instance moves {len(moves)} of {SESSIONS} sessions")
    assert SESSIONS // 8 <= len(moves) <= SESSIONS // 2

    # A client keeps stepping one moving session through the proxy while it moves, retrying a
    # refused step (404 between the fence and the reload) with the same Idempotency-Key.
    busy = sorted(moves)[0]
    acknowledged = []
    refused = []
    stop_stepping = threading.Event()

    def stepper():
        k = 0
        while not stop_stepping.is_set() or k < 20:
            key = f"{busy}-busy-{k}"
            deadline = time.time() + 30
            while True:
                status, body, headers = step_through(nginx.url, busy, key)
                if status == 200:
                    acknowledged.append(int(headers["ETag"].strip('"')))
                    break
                assert status in (404, 502) and time.time() < deadline, (status, body)
                refused.append(status)
                time.sleep(0.01)  # a client's retry back-off
            k += 1

    thread = threading.Thread(target=stepper)
    thread.start()
    wait_for(lambda: len(acknowledged) >= 3, "the stepper running")
    for sid, source in sorted(moves.items()):
        at = optd_scale.move(sid, by_server[source].url, d.url)
        assert at >= steps[sid]
    nginx.reload(new_servers)
    # The reload is asynchronous: wait until the busy session is served from d.
    # (The source answers 404 for it since the fence; d answers 200.)
    wait_for(lambda: call(f"{nginx.url}/v1/sessions/{busy}")[0] == 200, "the proxy routing to d")
    stop_stepping.set()
    thread.join(timeout=120)
    assert not thread.is_alive()

    # Nothing lost, nothing applied twice: the busy session's step counts every acknowledged
    # step exactly once; its parameters are exactly -step * gradient.
    status, body, headers = call(f"{nginx.url}/v1/sessions/{busy}/params")
    final = int(headers["ETag"].strip('"'))
    assert acknowledged == sorted(acknowledged) and len(set(acknowledged)) == len(acknowledged)
    assert final == steps[busy] + len(acknowledged)
    assert json.loads(body)["params"] == expected_params(final)
    steps[busy] = final
    print(f"busy session: {len(acknowledged)} steps acknowledged while it moved, {len(refused)} refused and retried")
    # Every session through the proxy: where the new ring puts it, only there, intact.
    held = {o.server: o.session_ids() for o in (a, b, c, d)}
    for sid in ids:
        assert [s for s, v in held.items() if sid in v] == [optd_scale.owner(new_ring, sid)], sid
        status, body, headers = call(f"{nginx.url}/v1/sessions/{sid}/params")
        assert status == 200 and headers["ETag"] == f'"{steps[sid]}"', (sid, status, body)
        assert json.loads(body)["params"] == expected_params(steps[sid])
    for o in (a, b, c, d):
        o.stop()
