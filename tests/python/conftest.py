"""Starts the real optd binary on a free loopback port with a temporary data dir, stops it by PID."""
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def optd():
    binary = os.environ.get("OPTD_BINARY", os.path.join(ROOT, ".build", "release", "optd"))
    data = tempfile.mkdtemp(prefix="optd-py-")
    proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--data-dir", data,
                             "--snapshot-interval", "0"], stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"optd listening on .*:(\d+)$", line.strip())
        if match:
            port = int(match.group(1))
            break
    assert port, "optd did not report its port"
    yield f"http://127.0.0.1:{port}", data
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
