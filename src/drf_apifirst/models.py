"""API keys for integrations, on djangorestframework-api-key.

Keys are stored only as hashes; the plaintext is returned once, by ``create_key`` (or
``manage.py apifirst_apikey create``). ``APIKey`` belongs to a user; to bind keys to
something else (an organization), subclass ``AbstractAPIKey`` with an ``owner`` foreign
key and set ``DRF_APIFIRST["API_KEY_MODEL"] = "yourapp.YourKey"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey as _PackageAbstractAPIKey

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["APIKey", "AbstractAPIKey", "IdempotencyRecord", "get_api_key_model"]

# Fields a successor does not copy from the key it replaces.
_NOT_COPIED = {"id", "prefix", "hashed_key", "created", "revoked", "last_used_at", "replaces"}


class AbstractAPIKey(_PackageAbstractAPIKey):
    """An API key with scopes, expiry, revocation, rotation and last use.

    Subclass it with an ``owner`` foreign key (to an organization, say) and point
    ``DRF_APIFIRST["API_KEY_MODEL"]`` at the subclass to have keys owned by something
    else than a user. Only a hash is stored: ``objects.create_key(...)`` returns the row
    and the plaintext, which is shown once.
    """

    # Scopes granted, e.g. ["tasks:read", "tasks:write"]; see drf_apifirst.permissions.
    scopes: models.JSONField[Any, Any] = models.JSONField(_("scopes"), default=list, blank=True)
    last_used_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("last used"), null=True, blank=True, editable=False
    )
    replaces: models.OneToOneField[Any, Any] = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        verbose_name=_("replaces"),
        help_text=_("The key this one rotated out."),
    )

    class Meta(_PackageAbstractAPIKey.Meta):
        abstract = True

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired

    def revoke(self) -> None:
        """Revoke for good; cached lookups of this key are dropped (post_save)."""
        self.revoked = True
        self.save(update_fields=["revoked"])

    @transaction.atomic
    def rotate(self, *, overlap: timedelta = timedelta(days=7)) -> tuple[AbstractAPIKey, str]:
        """Create a successor with the same owner and scopes; this key stays valid for
        ``overlap`` more (or until its own earlier expiry). Returns (successor, plaintext)."""
        copied = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in _NOT_COPIED
        }
        successor, plaintext = type(self).objects.create_key(**copied, replaces=self)
        overlap_end = timezone.now() + overlap
        if self.expiry_date is None or self.expiry_date > overlap_end:
            self.expiry_date = overlap_end
            self.save(update_fields=["expiry_date"])
        return successor, plaintext


class APIKey(AbstractAPIKey):
    """The default API key, owned by a user (``DRF_APIFIRST["API_KEY_MODEL"]``'s
    default). Create keys with ``manage.py apifirst_apikey create`` or
    ``APIKey.objects.create_key(name=..., owner=user, scopes=[...])``."""

    owner: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("owner"),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name: ClassVar[StrOrPromise] = _("API key")  # type: ignore[assignment]
        verbose_name_plural: ClassVar[StrOrPromise] = _("API keys")  # type: ignore[assignment]


def get_api_key_model() -> Any:
    """The API key model in use: ``DRF_APIFIRST["API_KEY_MODEL"]``."""
    from drf_apifirst.settings import apifirst_settings

    return django_apps.get_model(apifirst_settings.API_KEY_MODEL, require_ready=False)


class IdempotencyRecord(models.Model):
    """A kept response for ``Idempotency-Key`` in the ``DatabaseStore``.

    ``status`` is null while the first request runs (the row is the lock).
    """

    # A digest of who, where and which Idempotency-Key (IdempotencyMixin.get_record_key).
    record_key: models.CharField[str, str] = models.CharField(max_length=64, unique=True)
    fingerprint: models.CharField[str, str] = models.CharField(max_length=64, blank=True)
    status: models.PositiveSmallIntegerField[int | None, int | None] = (
        models.PositiveSmallIntegerField(null=True)
    )
    headers: models.JSONField[Any, Any] = models.JSONField(default=dict)
    content: models.BinaryField[bytes, bytes | memoryview] = models.BinaryField(default=b"")
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    expires: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name: ClassVar[StrOrPromise] = _("idempotency record")
        verbose_name_plural: ClassVar[StrOrPromise] = _("idempotency records")

    def __str__(self) -> str:
        return self.record_key


# The webhook models belong to this app; defined beside the rest of webhooks.
from drf_apifirst.webhooks.models import (  # noqa: E402
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)

__all__ += ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookMessage"]
