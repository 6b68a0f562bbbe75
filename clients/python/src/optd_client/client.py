"""Client and Session: the optd HTTP API as Python calls, vectors as float32 numpy arrays."""
import json
import uuid
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote

import numpy as np

from .errors import SessionNotFound, error_from_answer
from .transport import Answer, Transport

RAW = "application/octet-stream"
JSON = "application/json"

Vector = Union[np.ndarray, List[float]]


def _etag_step(answer: Answer) -> Optional[int]:
    tag = answer.headers.get("etag")
    if tag and len(tag) >= 2 and tag.startswith('"') and tag.endswith('"') and tag[1:-1].isdigit():
        return int(tag[1:-1])
    return None


def _if_match(step: Union[int, str, None]) -> Dict[str, str]:
    if step is None:
        return {}
    return {"If-Match": "*" if step == "*" else f'"{int(step)}"'}


class Client:
    """A connection to one optd server.

    ``url``: e.g. ``http://127.0.0.1:8080``. ``token``: sent as ``Authorization: Bearer`` (servers
    started with ``--auth-token``). ``wire``: ``"raw"`` (little-endian float32, the default: exact
    and compact) or ``"json"`` for vectors. ``retries``: how many times a request that is safe to
    repeat is repeated after a connection error or a 500/502/503/504 (exponential backoff from
    ``backoff`` seconds, honouring ``Retry-After``).

    One keep-alive connection; a Client may be shared between threads, its requests then take
    turns. Use one Client per thread to run requests in parallel.
    """

    def __init__(self, url: str, *, token: Optional[str] = None, wire: str = "raw",
                 timeout: float = 60.0, retries: int = 5, backoff: float = 0.1):
        if wire not in ("raw", "json"):
            raise ValueError("wire must be 'raw' or 'json'")
        self.url = url
        self.wire = wire
        self.transport = Transport(url, timeout=timeout, retries=retries, backoff=backoff, token=token)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, body: Optional[bytes] = None, content_type: Optional[str] = None,
              accept: str = JSON, headers: Optional[Dict[str, str]] = None, retry_safe: bool = True) -> Answer:
        all_headers = {"Accept": accept}
        if content_type:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        answer = self.transport.request(method, path, body, all_headers, retry_safe=retry_safe)
        if answer.status >= 400:
            problem: Any = None
            try:
                problem = json.loads(answer.body.decode("utf-8")) if answer.body else None
            except (UnicodeDecodeError, ValueError):
                problem = answer.body.decode("utf-8", "replace")
            raise error_from_answer(answer.status, problem, method, path)
        return answer

    def _json(self, method: str, path: str, document: Any = None, **kwargs: Any) -> Any:
        body = None if document is None else json.dumps(document, allow_nan=False).encode("utf-8")
        answer = self._call(method, path, body=body, content_type=JSON if body is not None else None, **kwargs)
        return json.loads(answer.body) if answer.body else None

    def _encode(self, vector: Vector) -> Tuple[bytes, str]:
        array = np.ascontiguousarray(vector, dtype="<f4").ravel()
        if self.wire == "raw":
            return array.tobytes(), RAW
        # float32 -> shortest repr of the float64 of the same value: parses back to the same bits.
        return json.dumps(array.tolist(), allow_nan=True).encode("utf-8"), JSON

    def _decode(self, answer: Answer) -> np.ndarray:
        if answer.content_type == RAW:
            return np.frombuffer(answer.body, dtype="<f4").astype(np.float32)
        document = json.loads(answer.body)
        values = document["params"] if isinstance(document, dict) else document
        return np.array([np.nan if v is None else v for v in values], dtype=np.float32)

    @property
    def _accept(self) -> str:
        return RAW if self.wire == "raw" else JSON

    # -- server-wide ------------------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        return self._json("GET", "/healthz")

    def optimizers(self) -> List[Dict[str, Any]]:
        """The catalogue: every optimizer, its hyperparameters and their defaults per convention."""
        return self._json("GET", "/v1/optimizers")["optimizers"]

    def sessions(self) -> List[Dict[str, Any]]:
        """Metadata of every session."""
        return self._json("GET", "/v1/sessions")["sessions"]

    def session(self, session_id: str) -> "Session":
        """A handle on an existing session (no request is made)."""
        return Session(self, session_id)

    def create_session(self, *, optimizer: Union[str, Dict[str, Any]] = "adam", params: Optional[Vector] = None,
                       size: Optional[int] = None, id: Optional[str] = None, convention: Optional[str] = None,
                       **hyperparameters: Any) -> "Session":
        """POST /v1/sessions. Starts from ``params`` or from ``size`` zeros.

        ``optimizer`` is a name (hyperparameters as keyword arguments, Keras names:
        ``learning_rate``, ``beta_1``, ``epsilon``, ...) or a full ``{"name": ..., ...}`` object.
        Raises SessionExists (409) if ``id`` is taken.
        """
        if isinstance(optimizer, str):
            spec: Dict[str, Any] = {"name": optimizer, **hyperparameters}
        else:
            spec = {**optimizer, **hyperparameters}
        document: Dict[str, Any] = {"optimizer": spec}
        if id is not None:
            document["id"] = id
        if convention is not None:
            document["convention"] = convention
        if params is not None:
            array = np.asarray(params, dtype=np.float32).ravel()
            document["params"] = array.tolist()  # float32 values are exact in a Python float
        if size is not None:
            document["size"] = size
        # Creation is not repeated after an ambiguous failure: a repeat could answer 409 for the
        # session the first attempt made (see transport.py).
        info = self._json("POST", "/v1/sessions", document, retry_safe=False)
        session = Session(self, info["id"])
        session.info_cache = info
        session.step_count = info.get("step")
        return session

    def upload_checkpoint(self, session_id: str, data: bytes, *, if_match: Union[int, str, None] = None) -> "Session":
        """PUT /v1/sessions/{id}/checkpoint: create or replace a session from a checkpoint file."""
        session = Session(self, session_id)
        session.restore(data, if_match=if_match)
        return session


class Session:
    """One optimizer session on the server. Vectors come back as float32 numpy arrays.

    ``step_count`` is the session's step as of the last answer seen (from its ETag), the value to
    pass as ``if_match`` to make the next change conditional.
    """

    def __init__(self, client: Client, session_id: str):
        self.client = client
        self.id = session_id
        self.path = "/v1/sessions/" + quote(session_id, safe="")
        self.step_count: Optional[int] = None
        self.info_cache: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return f"Session({self.id!r}, url={self.client.url!r})"

    def _note(self, answer: Answer) -> None:
        step = _etag_step(answer)
        if step is not None:
            self.step_count = step

    def info(self) -> Dict[str, Any]:
        """GET /v1/sessions/{id}: metadata (resolved optimizer, convention, size, step, times)."""
        self.info_cache = self.client._json("GET", self.path)
        self.step_count = self.info_cache["step"]
        return self.info_cache

    def exists(self) -> bool:
        try:
            self.info()
            return True
        except SessionNotFound:
            return False

    def step(self, gradient: Vector, *, idempotency_key: Optional[str] = None,
             if_match: Union[int, str, None] = None, minimal: bool = False) -> Optional[np.ndarray]:
        """POST /v1/sessions/{id}/step: apply one gradient, return the parameters right after it.

        Every call carries an ``Idempotency-Key`` (a fresh UUID unless one is given), so the
        transport's retries after a lost connection or a 5xx can never apply the step twice.
        ``minimal=True`` asks for no body (``Prefer: return=minimal``) and returns None.
        """
        body, content_type = self.client._encode(gradient)
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex, **_if_match(if_match)}
        if minimal:
            headers["Prefer"] = "return=minimal"
        answer = self.client._call("POST", self.path + "/step", body=body, content_type=content_type,
                                   accept=self.client._accept, headers=headers, retry_safe=True)
        self._note(answer)
        return None if answer.status == 204 else self.client._decode(answer)

    def params(self, *, ema: bool = False) -> np.ndarray:
        """GET /v1/sessions/{id}/params (``ema=True``: the Keras EMA of sessions with use_ema)."""
        answer = self.client._call("GET", self.path + "/params" + ("?ema=true" if ema else ""),
                                   accept=self.client._accept)
        self._note(answer)
        return self.client._decode(answer)

    def put_params(self, params: Vector, *, if_match: Union[int, str, None] = None) -> np.ndarray:
        """PUT /v1/sessions/{id}/params: overwrite the parameters; optimizer state and step are kept."""
        body, content_type = self.client._encode(params)
        answer = self.client._call("PUT", self.path + "/params", body=body, content_type=content_type,
                                   accept=self.client._accept, headers=_if_match(if_match))
        self._note(answer)
        return self.client._decode(answer)

    def patch(self, **hyperparameters: Any) -> Dict[str, Any]:
        """PATCH /v1/sessions/{id}: merge hyperparameters (state kept); returns the new metadata."""
        self.info_cache = self.client._json("PATCH", self.path, {"optimizer": hyperparameters})
        self.step_count = self.info_cache["step"]
        return self.info_cache

    def snapshot(self) -> Dict[str, int]:
        """POST /v1/sessions/{id}/snapshot: write the snapshot file now; ``{"step", "bytes"}``."""
        return self.client._json("POST", self.path + "/snapshot")

    def checkpoint(self) -> bytes:
        """GET /v1/sessions/{id}/checkpoint: the whole state as one safetensors file."""
        answer = self.client._call("GET", self.path + "/checkpoint", accept=RAW)
        self._note(answer)
        return answer.body

    def restore(self, data: bytes, *, if_match: Union[int, str, None] = None) -> Dict[str, Any]:
        """PUT /v1/sessions/{id}/checkpoint: create or replace this session from a checkpoint file."""
        answer = self.client._call("PUT", self.path + "/checkpoint", body=bytes(data), content_type=RAW,
                                   headers=_if_match(if_match))
        self.info_cache = json.loads(answer.body)
        self.step_count = self.info_cache["step"]
        return self.info_cache

    def delete(self) -> None:
        """DELETE /v1/sessions/{id}. A repeat after a lost answer that finds no session counts as done."""
        try:
            self.client._call("DELETE", self.path, retry_safe=False)
        except ConnectionError:
            # The first attempt may or may not have arrived; repeating is safe, and a 404 now means
            # it did.
            try:
                self.client._call("DELETE", self.path)
            except SessionNotFound:
                pass
