"""Event types a host declares, and ``emit`` for its services.

    register_event("task.updated", TaskSerializer, "A task changed.")

    @transaction.atomic
    def task_update(*, task, **changes):
        ...
        emit("task.updated", task, tenant=task.project.organization)

``emit`` writes the message and one delivery row per subscribed endpoint in the caller's
transaction, and enqueues the deliveries when it commits (``transaction.on_commit``): a
rolled-back write sends nothing, a committed one loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

if TYPE_CHECKING:
    from drf_apifirst.webhooks.models import WebhookEndpoint, WebhookMessage

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

TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class EventType:
    """What a host sends: a name (``task.updated``), the serializer of ``data``, and a
    description for the OpenAPI document."""

    name: str
    serializer: type[serializers.BaseSerializer[Any]]
    description: str = ""


_EVENT_TYPES: dict[str, EventType] = {}


def register_event(
    name: str, serializer: type[serializers.BaseSerializer[Any]], description: str = ""
) -> EventType:
    """Declare an event type (call it from ``AppConfig.ready()``); returns it."""
    event = EventType(name, serializer, description)
    _EVENT_TYPES[name] = event
    return event


def unregister_event(name: str) -> None:
    """Forget a declared event type (tests that declare their own; a no-op for an
    unknown name)."""
    _EVENT_TYPES.pop(name, None)


def get_event_types() -> dict[str, EventType]:
    """Every declared event type by name (the test event included)."""
    return dict(_EVENT_TYPES)


def get_event_type(name: str) -> EventType:
    """The declared event type ``name``; a ``LookupError`` says how to declare it."""
    try:
        return _EVENT_TYPES[name]
    except KeyError:
        raise LookupError(
            f"{name!r} is not a declared webhook event type; declare it with "
            "drf_apifirst.webhooks.register_event()."
        ) from None


class TestEventSerializer(serializers.Serializer[Any]):
    """``data`` of the test event an endpoint's owner sends from the API."""

    endpoint: serializers.IntegerField = serializers.IntegerField(
        help_text="The endpoint this test was sent to."
    )
    message: serializers.CharField = serializers.CharField()


register_event(
    TEST_EVENT, TestEventSerializer, "Sent when the endpoint's owner asks for a test event."
)


def _payload(event: EventType, instance: Any, tenant: Any, now: Any) -> dict[str, Any]:
    data = event.serializer(instance, context={"tenant": tenant}).data
    # Plain JSON (dates, decimals and UUIDs as DRF renders them), stored as it is sent.
    plain = json.loads(json.dumps(data, cls=JSONEncoder))
    return {"type": event.name, "timestamp": now.isoformat(), "data": plain}


def _create_message(
    event: EventType, instance: Any, tenant: Any, endpoints: list[WebhookEndpoint]
) -> WebhookMessage:
    from drf_apifirst.webhooks.delivery import enqueue_deliveries
    from drf_apifirst.webhooks.models import WebhookDelivery, WebhookMessage

    now = timezone.now()
    with transaction.atomic():
        message: WebhookMessage = WebhookMessage.objects.create(
            event_type=event.name, payload=_payload(event, instance, tenant, now), created=now
        )
        deliveries = [
            WebhookDelivery.objects.create(message=message, endpoint=endpoint, created=now)
            for endpoint in endpoints
        ]
    ids = [delivery.pk for delivery in deliveries]
    # Robust: the rows are committed whatever happens; a queue that is down is logged,
    # not the API's error, and apifirst_webhooks sweep enqueues them later.
    transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return message


def emit(event_type: str, instance: Any, *, tenant: Any) -> WebhookMessage | None:
    """Send ``event_type`` about ``instance`` to the active endpoints of ``tenant`` that
    subscribe to it, once the current transaction commits. Returns the message (None
    when no endpoint wants it)."""
    from drf_apifirst.webhooks.models import WebhookEndpoint

    event = get_event_type(event_type)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.owned_by(tenant).filter(is_active=True)
        if endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return None
    return _create_message(event, instance, tenant, endpoints)


def send_test_event(endpoint: WebhookEndpoint) -> WebhookMessage:
    """The test event, to ``endpoint`` only, whatever it subscribes to."""
    data = {"endpoint": endpoint.pk, "message": "This is a test event."}
    return _create_message(get_event_type(TEST_EVENT), data, endpoint.owner, [endpoint])
