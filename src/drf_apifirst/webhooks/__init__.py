"""Outgoing webhooks: signed (Standard Webhooks), queued on Django's Tasks framework,
retried with backoff, logged, replayable and documented in the OpenAPI document.

    from drf_apifirst.webhooks import emit, register_event

See docs/webhooks.md. The models live in ``drf_apifirst.webhooks.models`` (app label
``drf_apifirst``), the endpoint API in ``drf_apifirst.webhooks.views``.

The names below are imported on first use: ``django.setup()`` loads the models, which
must not pull in DRF's serializers (and the schema machinery behind them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drf_apifirst.webhooks.events import (
        TEST_EVENT,
        EventType,
        emit,
        get_event_type,
        get_event_types,
        register_event,
        send_test_event,
        unregister_event,
    )

__all__ = [
    "TEST_EVENT",
    "EventType",
    "emit",
    "get_event_type",
    "get_event_types",
    "register_event",
    "send_test_event",
    "unregister_event",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("drf_apifirst.webhooks.events"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
