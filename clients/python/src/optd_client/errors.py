"""Exceptions raised by the optd client.

Every refusal by the server is an :class:`OptdError` carrying the problem+json fields (RFC 9457):
``status`` (the HTTP status), ``code`` (optd's stable snake_case code, e.g. ``session_not_found``),
``detail``, ``title`` and ``type``. A few common codes have their own subclasses so that callers can
``except SessionNotFound`` instead of comparing strings; the catch-all stays ``OptdError``.
"""
from typing import Any, Dict, Optional


class OptdError(Exception):
    """The server answered with an error (4xx/5xx, normally application/problem+json)."""

    def __init__(self, status: int, code: Optional[str], detail: Optional[str], *,
                 title: Optional[str] = None, type: Optional[str] = None,
                 method: str = "", path: str = "", body: Any = None):
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title
        self.type = type
        self.method = method
        self.path = path
        self.body = body
        super().__init__(f"{method} {path}: {status} {code or title or 'error'}: {detail or ''}".strip())


class SessionNotFound(OptdError):
    """404 ``session_not_found``."""


class SessionExists(OptdError):
    """409 ``session_exists``."""


class PreconditionFailed(OptdError):
    """412 ``precondition_failed``: the session is not at the step named by ``If-Match``."""


class InvalidRequest(OptdError):
    """A 400 or 422 the request itself caused (bad hyperparameter, wrong length, non-finite values...)."""


class ServerUnavailable(OptdError):
    """A 5xx that persisted through every retry (shutting down, overloaded, ...)."""


class OptdConnectionError(ConnectionError):
    """The server could not be reached, or the connection broke, through every retry."""


_BY_CODE: Dict[str, type] = {
    "session_not_found": SessionNotFound,
    "session_exists": SessionExists,
    "precondition_failed": PreconditionFailed,
}


def error_from_answer(status: int, problem: Any, method: str, path: str) -> OptdError:
    """Builds the most specific exception for an error answer (``problem`` is the parsed body or None)."""
    fields = problem if isinstance(problem, dict) else {}
    code = fields.get("code")
    cls = _BY_CODE.get(code)
    if cls is None:
        if status in (400, 422):
            cls = InvalidRequest
        elif status >= 500:
            cls = ServerUnavailable
        else:
            cls = OptdError
    return cls(status, code, fields.get("detail"), title=fields.get("title"), type=fields.get("type"),
               method=method, path=path, body=problem)
