"""One keep-alive HTTP/1.1 connection to optd (standard library http.client), with retries.

Retries happen only where they cannot apply a change twice: on methods that are idempotent by
nature (GET, PUT, DELETE, PATCH merges, snapshot) and on POSTs that carry an ``Idempotency-Key``
(steps). A POST without a key (session creation) is retried only when the request certainly never
reached the server (connection refused) or when a reused keep-alive connection turns out to have
been closed by the server before it read anything, the case every HTTP client retries.
"""
import http.client
import random
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

from .errors import OptdConnectionError

# Statuses after which a request that is safe to repeat is repeated.
RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass
class Answer:
    status: int
    headers: Dict[str, str]  # lower-cased names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Transport:
    """Sends requests over one persistent connection; a lock serialises requests from threads."""

    def __init__(self, url: str, *, timeout: float = 60.0, retries: int = 5, backoff: float = 0.1,
                 max_backoff: float = 5.0, token: Optional[str] = None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"optd URL must be http://host[:port] or https://..., got {url!r}")
        self.scheme = parsed.scheme
        self.host = parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.prefix = parsed.path.rstrip("/")
        self.host_header = parsed.netloc.rsplit("@", 1)[-1]  # keeps IPv6 brackets
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.token = token
        self._conn: Optional[http.client.HTTPConnection] = None
        self._used = False  # whether the open connection already carried a request
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._used = False

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self.host, self.port, timeout=self.timeout)
            self._conn.connect()
            # Small requests (steps of small models) must not wait for Nagle's algorithm.
            self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._used = False
        return self._conn

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Mapping[str, str]] = None, *, retry_safe: bool) -> Answer:
        """One logical request. ``retry_safe``: repeating it cannot apply a change twice."""
        all_headers = {"Host": self.host_header, "User-Agent": "optd-client-python/0.1"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        target = self.prefix + path
        attempt = 0
        while True:
            with self._lock:
                reused = False
                try:
                    conn = self._connection()
                    reused = self._used
                    self._used = True
                    conn.request(method, target, body=body, headers=all_headers)
                    response = conn.getresponse()
                    payload = response.read()
                    answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
                    if response.will_close:
                        self._drop()
                except ConnectionRefusedError as error:
                    self._drop()
                    failure: Optional[BaseException] = error
                    may_retry = True  # nothing reached the server
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                    self._drop()
                    failure = error
                    # A server may close an idle keep-alive connection at any time; a request that
                    # met such a closed connection was not read. Fresh connections get no such pass.
                    may_retry = retry_safe or (reused and attempt == 0)
                except (OSError, http.client.HTTPException) as error:  # timeouts, other socket errors
                    self._drop()
                    failure = error
                    may_retry = retry_safe
                else:
                    failure = None
            if failure is None:
                if answer.status in RETRY_STATUSES and retry_safe and attempt < self.retries:
                    attempt += 1
                    self._sleep(attempt, answer.headers.get("retry-after"))
                    continue
                return answer
            if not may_retry or attempt >= self.retries:
                raise OptdConnectionError(
                    f"{method} {target} on {self.host}:{self.port} failed after {attempt + 1} attempt(s): {failure!r}"
                ) from failure
            attempt += 1
            self._sleep(attempt, None)

    def _sleep(self, attempt: int, retry_after: Optional[str]) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        delay *= 0.5 + random.random() / 2  # jitter: retrying clients do not arrive together
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), self.max_backoff))
            except ValueError:
                pass
        time.sleep(delay)
