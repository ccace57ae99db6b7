"""The declared event types in the OpenAPI document, so partners generate receiver types.

A drf-spectacular postprocessing hook (``drf_apifirst.spectacular_settings()`` lists it):
each event type is a webhook whose request body is ``{"type", "timestamp", "data"}`` with
``data`` the event's serializer, in the response direction (what is sent, read-only fields
included). OpenAPI 3.1 documents get them under ``webhooks``; 3.0 documents, which have no
such section, under ``x-webhooks`` (Redoc shows it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import build_mocked_view
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from drf_apifirst.webhooks.events import EventType, get_event_types

__all__ = ["document_webhooks", "envelope_serializer"]

SIGNATURE_HEADERS = [
    ("webhook-id", "The message id; the same on every retry: deduplicate on it."),
    ("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
    (
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret.",
    ),
]


def _component_name(name: str) -> str:
    words = name.replace("_", ".").replace("-", ".").split(".")
    return "".join(word[:1].upper() + word[1:] for word in words) + "Event"


def envelope_serializer(event: EventType) -> type[serializers.Serializer[Any]]:
    """``{"type", "timestamp", "data"}`` for one event type, named ``<Name>Event``."""
    return type(
        _component_name(event.name),
        (serializers.Serializer,),
        {
            "__doc__": event.description or f"The {event.name} event.",
            "type": serializers.ChoiceField(choices=[event.name]),
            "timestamp": serializers.DateTimeField(help_text="When the event happened."),
            "data": event.serializer(),
        },
    )


def _webhook_operation(event: EventType, schema: Any) -> dict[str, Any]:
    component = schema.resolve_serializer(envelope_serializer(event), "response")
    return {
        "post": {
            "operationId": f"webhook_{event.name.replace('.', '_')}",
            "summary": event.name,
            "description": event.description,
            "tags": ["webhooks"],
            # The receiver authenticates the message by its signature headers, not a scheme.
            "security": [],
            "parameters": [
                {
                    "in": "header",
                    "name": name,
                    "required": True,
                    "schema": {"type": "string"},
                    "description": description,
                }
                for name, description in SIGNATURE_HEADERS
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": component.ref}},
            },
            "responses": {
                "2XX": {"description": "Received. Any other answer is retried or fails."},
                "410": {"description": "Gone: the endpoint is disabled."},
            },
        }
    }


def document_webhooks(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Add every declared event type to the document (``webhooks`` or ``x-webhooks``)."""
    events = get_event_types()
    if not events:
        return result
    view = build_mocked_view("POST", "/", extend_schema(), generator.registry)
    webhooks = {name: _webhook_operation(events[name], view.schema) for name in sorted(events)}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    built = generator.registry.build({}).get("schemas", {})
    for name, schema in built.items():
        schemas.setdefault(name, schema)
    key = "webhooks" if str(spectacular_settings.OAS_VERSION).startswith("3.1") else "x-webhooks"
    result[key] = webhooks
    return result
