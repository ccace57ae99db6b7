"""Logging integration: put the request id on every log record.

LOGGING = {
    "filters": {"request_id": {"()": "drf_apifirst.logging.RequestIdFilter"}},
    "handlers": {"console": {..., "filters": ["request_id"]}},
    "formatters": {"plain": {"format": "%(levelname)s [%(request_id)s] %(message)s"}},
}

In production, ``JsonFormatter`` writes one JSON object per line for log collectors:
``"formatters": {"json": {"()": "drf_apifirst.logging.JsonFormatter"}}``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from drf_apifirst.request_id import get_request_id

__all__ = ["JsonFormatter", "RequestIdFilter"]

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
}


def _record_request_id(record: logging.LogRecord) -> str | None:
    """The request id of a record: set on it, current, or on the request it carries.

    Django logs 4xx/5xx responses after the middleware chain has returned (the id is no
    longer current), passing the request: the id is read from it."""
    return (
        getattr(record, "request_id", None)
        or get_request_id()
        or getattr(getattr(record, "request", None), "request_id", None)
    )


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (``"-"`` outside a request); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _record_request_id(record) or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``, ``request_id``, the ``extra=`` fields, and ``exception`` (the formatted
    traceback) when there is one. Values JSON cannot hold are written with ``str()``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _record_request_id(record),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                entry.setdefault(name, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
