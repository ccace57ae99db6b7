"""Serializers of the endpoint API: endpoints, their deliveries and attempts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from drf_apifirst.validators import PublicURLValidator
from drf_apifirst.webhooks.events import get_event_types
from drf_apifirst.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "EventTypesField",
    "RotateSecretSerializer",
    "WebhookAttemptSerializer",
    "WebhookDeliverySerializer",
    "WebhookEndpointSecretSerializer",
    "WebhookEndpointSerializer",
]


class EventTypesField(serializers.ListField):
    """Names of declared event types. The serializer checks them (one error naming every
    unknown one); the document lists the names declared when it is generated."""


class EventTypesFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EventTypesField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field = self.target
        items: dict[str, Any] = {"type": "string", "enum": sorted(get_event_types())}
        child_max_length = getattr(field.child, "max_length", None)
        if child_max_length is not None:
            items["maxLength"] = child_max_length  # as before the enum: no change to clients
        schema: dict[str, Any] = {"type": "array", "items": items}
        if field.max_length is not None:
            schema["maxItems"] = field.max_length
        if field.help_text:
            schema["description"] = str(field.help_text)
        return schema


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    # The SSRF guard alone (one error, "unsafe_url"): it also refuses what is not a URL.
    url: serializers.CharField = serializers.CharField(
        max_length=2000, validators=[PublicURLValidator()]
    )
    event_types: EventTypesField = EventTypesField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=100,
        help_text="Event types this endpoint receives; empty: every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields: list[str] = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_reason",
            "failing_since",
            "created",
            "updated",
        ]
        read_only_fields: list[str] = ["disabled_reason", "failing_since", "created", "updated"]

    def validate_event_types(self, value: list[str]) -> list[str]:
        known = get_event_types()
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown event types: {', '.join(unknown)}.", code="invalid_choice"
            )
        return sorted(set(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("is_active"):
            # Enabling an endpoint again clears why it was disabled.
            attrs["disabled_reason"] = ""
            attrs["failing_since"] = None
        return attrs


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """The endpoint with its signing secret: only in the answer that creates it."""

    secret: serializers.CharField = serializers.CharField(
        read_only=True, help_text="Shown once: keep it to verify signatures (whsec_...)."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields: list[str] = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(serializers.Serializer[Any]):
    overlap_seconds: serializers.IntegerField = serializers.IntegerField(
        min_value=0,
        max_value=7 * 86400,
        default=86400,
        write_only=True,
        help_text="How long the old secret keeps signing beside the new one.",
    )
    secret: serializers.CharField = serializers.CharField(
        read_only=True, help_text="The new secret, shown once."
    )
    previous_secret_expires: serializers.DateTimeField = serializers.DateTimeField(
        read_only=True, allow_null=True
    )


class WebhookAttemptSerializer(serializers.ModelSerializer[WebhookAttempt]):
    class Meta:
        model = WebhookAttempt
        fields: list[str] = [
            "started_at",
            "duration_ms",
            "result",
            "status_code",
            "error",
            "response_excerpt",
            "next_attempt_at",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    message_id: serializers.CharField = serializers.CharField(read_only=True)
    event_type: serializers.CharField = serializers.CharField(
        source="message.event_type", read_only=True
    )
    # "state", not "status": a host's own "status" enum keeps its name in the document.
    state: serializers.ChoiceField = serializers.ChoiceField(
        source="status", choices=WebhookDelivery.Status.choices, read_only=True
    )
    attempts: WebhookAttemptSerializer = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = [
            "id",
            "message_id",
            "event_type",
            "state",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "created",
            "delivered_at",
            "attempts",
        ]
        read_only_fields = fields
