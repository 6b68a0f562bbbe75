"""Starts the real optd binary (OPTD_BINARY, default .build/release/optd at the repository root) on a
free loopback port with a temporary data dir, waits for its "optd listening on" line, stops it by PID."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class Server:
    def __init__(self, url: str, data_dir: str, log_path: str, pid: int):
        self.url = url
        self.data_dir = data_dir
        self.log_path = log_path
        self.pid = pid

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_count(self, text: str, expected: int, timeout: float = 10.0) -> int:
        """How often ``text`` is in the log, polled until it reaches ``expected`` or the deadline:
        optd logs a request once its answer is sent, so the line may trail the client's answer."""
        deadline = time.monotonic() + timeout
        while True:
            count = self.log().count(text)
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.01)


def start_optd(*extra_args: str):
    binary = os.environ.get("OPTD_BINARY", os.path.join(ROOT, ".build", "release", "optd"))
    if not os.path.isabs(binary):
        binary = os.path.abspath(binary)
    work = tempfile.mkdtemp(prefix="optd-client-")
    data = os.path.join(work, "data")
    log_path = os.path.join(work, "optd.log")
    # stderr goes to a file, not a pipe: one log line per request would fill a pipe nobody reads.
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--data-dir", data,
                                 "--snapshot-interval", "0", *extra_args], stderr=log)
    deadline = time.monotonic() + 30
    port = None
    while time.monotonic() < deadline and port is None and proc.poll() is None:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            match = re.search(r"^optd listening on .*:(\d+)$", f.read(), re.MULTILINE)
        if match:
            port = int(match.group(1))
        else:
            time.sleep(0.02)  # polling the log file for the line, with a deadline
    if port is None:
        proc.kill()
        proc.wait()
        raise RuntimeError("optd did not report its port:\n" + open(log_path).read())
    return proc, Server(f"http://127.0.0.1:{port}", data, log_path, proc.pid), work


def stop_optd(proc, work):
    os.kill(proc.pid, signal.SIGTERM)
    code = proc.wait(timeout=20)
    shutil.rmtree(work, ignore_errors=True)
    assert code == 0, f"optd exited with {code}"


@pytest.fixture
def optd():
    """A fresh optd per test: sessions of one test never meet another's."""
    proc, server, work = start_optd()
    try:
        yield server
    finally:
        stop_optd(proc, work)


class FaultyProxy:
    """A real TCP proxy in front of optd that spoils the first ``spoil`` connections it accepts.

    ``mode="drop_answer"``: the request goes through to optd, optd's answer is thrown away and the
    connection closed (a network failure after the server applied the request).
    ``mode="answer_503"``: the request never reaches optd; the proxy answers 503 itself.
    Later connections are relayed untouched. ``connections`` counts accepted connections.
    ``drop_next_answer()`` arms the proxy to throw away the next answer on any connection (and close it).
    """

    def __init__(self, upstream_url: str, mode: str, spoil: int = 1):
        import socket
        import threading
        host, port = upstream_url.rsplit("//", 1)[1].split(":")
        self.upstream = (host, int(port))
        self.mode = mode
        self.spoil = spoil
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._threads = []
        self._closed = False
        self._armed = 0
        self._lock = threading.Lock()
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    def drop_next_answer(self):
        with self._lock:
            self._armed += 1

    def _take_armed(self):
        with self._lock:
            if self._armed:
                self._armed -= 1
                return True
            return False

    def _accept(self):
        import threading
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            spoiled = self.connections <= self.spoil
            thread = threading.Thread(target=self._serve, args=(client, spoiled), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client, spoiled):
        import socket
        import threading
        if spoiled and self.mode == "answer_503":
            self._read_request(client)
            body = b'{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"proxy","code":"proxy_busy"}'
            client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Type: application/problem+json\r\n"
                           b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            client.close()
            return
        server = socket.create_connection(self.upstream)

        def pump(src, dst, drop):
            try:
                while True:
                    data = src.recv(65536)
                    if not data or (drop and (spoiled or self._take_armed())):
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        up = threading.Thread(target=pump, args=(client, server, False), daemon=True)
        up.start()
        pump(server, client, self.mode == "drop_answer")
        up.join(timeout=10)
        client.close()
        server.close()

    @staticmethod
    def _read_request(sock):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return
            rest += chunk

    def close(self):
        self._closed = True
        self.listener.close()
        for thread in self._threads:
            thread.join(timeout=10)


@pytest.fixture
def faulty_proxy():
    proxies = []

    def make(upstream_url, mode, spoil=1):
        proxy = FaultyProxy(upstream_url, mode, spoil)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()
