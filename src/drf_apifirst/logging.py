"""Logging integration: put the request id on every log record.

LOGGING = {
    "filters": {"request_id": {"()": "drf_apifirst.logging.RequestIdFilter"}},
    "handlers": {"console": {..., "filters": ["request_id"]}},
    "formatters": {"plain": {"format": "%(levelname)s [%(request_id)s] %(message)s"}},
}
"""

from __future__ import annotations

import logging

from drf_apifirst.request_id import get_request_id

__all__ = ["RequestIdFilter"]


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (``"-"`` outside a request); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = get_request_id() or "-"
        return True
