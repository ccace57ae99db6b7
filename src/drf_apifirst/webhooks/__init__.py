"""Outgoing webhooks: signed (Standard Webhooks), queued on Django's Tasks framework,
retried with backoff, logged, replayable and documented in the OpenAPI document.

    from drf_apifirst.webhooks import emit, register_event

See docs/webhooks.md. The models live in ``drf_apifirst.webhooks.models`` (app label
``drf_apifirst``), the endpoint API in ``drf_apifirst.webhooks.views``.
"""

from __future__ import annotations

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
