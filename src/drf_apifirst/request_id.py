"""The request id: one token per request, on the response, in problem bodies and log records."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

__all__ = ["MAX_LENGTH", "generate_request_id", "get_request_id", "is_valid_request_id"]

# A client's id is kept only if it is a short token: no header injection, no log flooding.
MAX_LENGTH = 128
_VALID = re.compile(rf"^[A-Za-z0-9._-]{{1,{MAX_LENGTH}}}$")

_current: ContextVar[str | None] = ContextVar("drf_apifirst_request_id", default=None)


def generate_request_id() -> str:
    """A new random id: 32 lowercase hex digits."""
    return uuid.uuid4().hex


def is_valid_request_id(value: str | None) -> bool:
    """Whether a client's ``X-Request-ID`` is kept: 1 to ``MAX_LENGTH`` characters of
    letters, digits, ``.``, ``_`` and ``-``. Any other value is replaced by a new id."""
    return value is not None and bool(_VALID.match(value))


def get_request_id() -> str | None:
    """The id of the request being handled in this thread or task, if any."""
    return _current.get()
