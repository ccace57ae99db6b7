"""Webhook endpoints, the events sent to them, and the log of every delivery attempt.

The schedule lives here, not in a worker's memory: a delivery is a row with a
``next_attempt_at``, and a worker that dies mid-attempt leaves a row whose lease runs out
(``locked_until``) and is sent again (``manage.py apifirst_webhooks sweep``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_apifirst.validators import PublicURLValidator
from drf_apifirst.webhooks.signing import generate_secret

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookMessage"]


def new_message_id() -> str:
    """``msg_`` and 24 random URL-safe characters: the ``webhook-id`` receivers dedupe on."""
    return "msg_" + secrets.token_urlsafe(18)


class WebhookEndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def owned_by(self, owner: Any) -> WebhookEndpointQuerySet:
        """The endpoints of ``owner`` (a tenant, a user: any model instance); none for None."""
        endpoints: WebhookEndpointQuerySet
        if owner is None:
            endpoints = self.none()
        else:
            owner_type = ContentType.objects.get_for_model(owner)
            endpoints = self.filter(owner_type=owner_type, owner_id=str(owner.pk))
        return endpoints


class WebhookEndpoint(models.Model):
    """A URL a tenant (or user) receives events at, with its signing secret."""

    # The owner: the host's tenant (an organization) or a user, any model.
    owner_type: models.ForeignKey[ContentType, ContentType] = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    owner_id: models.CharField[str, str] = models.CharField(max_length=64)
    owner: GenericForeignKey = GenericForeignKey("owner_type", "owner_id")
    # Checked by the SSRF guard when saved, and again (resolved) at each delivery.
    url: models.URLField[str, str] = models.URLField(
        _("URL"), max_length=2000, validators=[PublicURLValidator()]
    )
    description: models.CharField[str, str] = models.CharField(
        _("description"), max_length=200, blank=True
    )
    # Event type names this endpoint receives; empty: every event type.
    event_types: models.JSONField[Any, Any] = models.JSONField(
        _("event types"), default=list, blank=True
    )
    secret: models.CharField[str, str] = models.CharField(
        max_length=100, default=generate_secret, editable=False
    )
    # The secret a rotation replaced; it signs too until previous_secret_expires.
    previous_secret: models.CharField[str, str] = models.CharField(
        max_length=100, blank=True, editable=False
    )
    previous_secret_expires: models.DateTimeField[datetime | None, datetime | None] = (
        models.DateTimeField(null=True, blank=True, editable=False)
    )
    is_active: models.BooleanField[bool, bool] = models.BooleanField(_("active"), default=True)
    # Why the library disabled it (410 Gone, failing for too long); empty when enabled.
    disabled_reason: models.CharField[str, str] = models.CharField(
        max_length=300, blank=True, editable=False
    )
    # When the first of the current run of failed attempts happened; None when healthy.
    failing_since: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True, editable=False
    )
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    updated: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["owner_type", "owner_id"])]
        verbose_name: ClassVar[StrOrPromise] = _("webhook endpoint")
        verbose_name_plural: ClassVar[StrOrPromise] = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets that sign now: the current one, and the previous during overlap."""
        now = now or timezone.now()
        found = [self.secret]
        expires = self.previous_secret_expires
        if self.previous_secret and expires is not None and expires > now:
            found.append(self.previous_secret)
        return found

    def rotate_secret(self, *, overlap: timedelta) -> str:
        """A new secret; the current one keeps signing for ``overlap``. Returns the new."""
        self.previous_secret = self.secret
        self.previous_secret_expires = timezone.now() + overlap
        self.secret = generate_secret()
        self.save(update_fields=["secret", "previous_secret", "previous_secret_expires"])
        return self.secret

    def disable(self, reason: str) -> None:
        self.is_active = False
        self.disabled_reason = reason[:300]
        self.save(update_fields=["is_active", "disabled_reason", "updated"])


class WebhookMessage(models.Model):
    """One event, as sent to every endpoint subscribed to it (same id, same body)."""

    id: models.CharField[str, str] = models.CharField(
        primary_key=True, max_length=40, default=new_message_id
    )
    event_type: models.CharField[str, str] = models.CharField(max_length=100)
    # The body: {"type": ..., "timestamp": ..., "data": {...}}.
    payload: models.JSONField[Any, Any] = models.JSONField()
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now, db_index=True
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["created"]
        verbose_name: ClassVar[StrOrPromise] = _("webhook message")

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class WebhookDelivery(models.Model):
    """A message on its way to one endpoint: its state and when to try next."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    message: models.ForeignKey[WebhookMessage, WebhookMessage] = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint: models.ForeignKey[WebhookEndpoint, WebhookEndpoint] = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status: models.CharField[str, str] = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempt_count: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(default=0)
    # When the next attempt is due; None once delivered or failed for good.
    next_attempt_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True, default=timezone.now
    )
    # A worker's claim on the delivery while it sends; a dead worker's claim runs out.
    locked_until: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )
    # The receiver's last HTTP status (None: no answer).
    last_status_code: models.PositiveSmallIntegerField[int | None, int | None] = (
        models.PositiveSmallIntegerField(null=True, blank=True)
    )
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(default=timezone.now)
    delivered_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-created", "-id"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name: ClassVar[StrOrPromise] = _("webhook delivery")
        verbose_name_plural: ClassVar[StrOrPromise] = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.message_id} to {self.endpoint_id}: {self.status}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered, how long it took."""

    class Result(models.TextChoices):
        # Written when the attempt starts: a worker that died mid-request leaves this.
        IN_PROGRESS = "in_progress"
        DELIVERED = "delivered"
        RETRYING = "retrying"
        FAILED = "failed"

    delivery: models.ForeignKey[WebhookDelivery, WebhookDelivery] = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts"
    )
    started_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now
    )
    duration_ms: models.PositiveIntegerField[int | None, int | None] = models.PositiveIntegerField(
        null=True, blank=True
    )
    result: models.CharField[str, str] = models.CharField(
        max_length=12, choices=Result.choices, default=Result.IN_PROGRESS
    )
    status_code: models.PositiveSmallIntegerField[int | None, int | None] = (
        models.PositiveSmallIntegerField(null=True, blank=True)
    )
    # Why it failed without an HTTP answer (timeout, refused, unsafe URL); bounded.
    error: models.CharField[str, str] = models.CharField(max_length=300, blank=True)
    # The first bytes of the receiver's answer (WEBHOOK_RESPONSE_EXCERPT).
    response_excerpt: models.TextField[str, str] = models.TextField(blank=True)
    # When the attempt after this one is due (None: none is).
    next_attempt_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "id"]
        verbose_name: ClassVar[StrOrPromise] = _("webhook attempt")

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.started_at}: {self.result}"
