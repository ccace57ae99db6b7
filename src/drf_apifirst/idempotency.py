"""``Idempotency-Key``: safe retries of POST (and PATCH), per the IETF draft and Stripe.

The first completed response to a key — status, body, the headers that matter — is kept
(in the Django cache, ``IDEMPOTENCY_TTL`` seconds) per principal, method, path and key,
with a fingerprint of the body. A retry gets it back byte for byte with
``Idempotent-Replayed: true``; the same key with another body is a 422 problem; a retry
while the first request still runs is a 409 problem (a lock per key, which expires after
``IDEMPOTENCY_LOCK_SECONDS`` should a worker die). Failed validation (400), auth and
rate-limit refusals and server errors are not kept, so the client can fix and retry.

    class OrderViewSet(ApiModelViewSet):
        idempotency = "required"    # True (optional, the default), "required" or False
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_apifirst.exceptions import Problem, ShortCircuit
from drf_apifirst.settings import apifirst_settings
from drf_apifirst.throttling import principal_ident

__all__ = [
    "IdempotencyKeyInUse",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyRequired",
    "IdempotencyMixin",
]

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Responses that are kept: what the endpoint decided, not a refusal to start it.
_NOT_KEPT = {400, 401, 403, 409, 412, 422, 428, 429}
# Headers a replay repeats.
_KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Link", "Content-Language")


class IdempotencyKeyRequired(Problem):
    default_code = "idempotency_key_required"
    default_detail = _("This endpoint needs an Idempotency-Key header.")
    title = _("Idempotency-Key required.")


class IdempotencyKeyInvalid(Problem):
    default_code = "idempotency_key_invalid"
    default_detail = _("An Idempotency-Key is 1 to 255 printable ASCII characters.")
    title = _("Invalid Idempotency-Key.")


class IdempotencyKeyMismatch(Problem):
    status_code = 422  # type: ignore[assignment]
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used with another request body.")
    title = _("Idempotency-Key reused.")


class IdempotencyKeyInUse(Problem):
    status_code = 409  # type: ignore[assignment]
    default_code = "idempotency_key_in_use"
    default_detail = _("A request with this Idempotency-Key is still being processed.")
    title = _("Request in progress.")


class CacheStore:
    """Kept responses in the Django cache; the lock is an atomic ``cache.add``."""

    def __init__(self) -> None:
        self.cache = caches[apifirst_settings.IDEMPOTENCY_CACHE]

    def get(self, scope: str) -> dict[str, Any] | None:
        stored: dict[str, Any] | None = self.cache.get(f"drf_apifirst:idem:{scope}")
        return stored

    def lock(self, scope: str) -> bool:
        lock = f"drf_apifirst:idem-lock:{scope}"
        return bool(self.cache.add(lock, 1, apifirst_settings.IDEMPOTENCY_LOCK_SECONDS))

    def save(self, scope: str, record: dict[str, Any]) -> None:
        self.cache.set(f"drf_apifirst:idem:{scope}", record, apifirst_settings.IDEMPOTENCY_TTL)

    def release(self, scope: str) -> None:
        self.cache.delete(f"drf_apifirst:idem-lock:{scope}")


class DatabaseStore:
    """Kept responses in the ``IdempotencyRecord`` table; the lock is the row itself,
    inserted under a unique constraint. Outside ``ATOMIC_REQUESTS``, so other workers see
    the lock at once."""

    def get(self, scope: str) -> dict[str, Any] | None:
        from drf_apifirst.models import IdempotencyRecord

        row = (
            IdempotencyRecord.objects.filter(scope=scope, expires__gt=timezone.now())
            .exclude(status=None)
            .first()
        )
        if row is None:
            return None
        return {
            "fingerprint": row.fingerprint,
            "status": row.status,
            "headers": row.headers,
            "content": bytes(row.content),
        }

    def lock(self, scope: str) -> bool:
        from drf_apifirst.models import IdempotencyRecord

        now = timezone.now()
        # An expired record, or the lock of a worker that died, frees the key.
        IdempotencyRecord.objects.filter(scope=scope, expires__lte=now).delete()
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    scope=scope,
                    expires=now + timedelta(seconds=apifirst_settings.IDEMPOTENCY_LOCK_SECONDS),
                )
        except IntegrityError:
            return False
        return True

    def save(self, scope: str, record: dict[str, Any]) -> None:
        from drf_apifirst.models import IdempotencyRecord

        IdempotencyRecord.objects.filter(scope=scope).update(
            expires=timezone.now() + timedelta(seconds=apifirst_settings.IDEMPOTENCY_TTL),
            **record,
        )

    def release(self, scope: str) -> None:
        from drf_apifirst.models import IdempotencyRecord

        IdempotencyRecord.objects.filter(scope=scope, status=None).delete()


def _store() -> CacheStore | DatabaseStore:
    return DatabaseStore() if apifirst_settings.IDEMPOTENCY_STORE == "database" else CacheStore()


class IdempotencyMixin:
    """Applies ``Idempotency-Key`` to ``IDEMPOTENT_METHODS``; see the module docstring."""

    # True: honoured when sent; "required": 400 without it; False: ignored.
    idempotency: bool | str = True

    def _idempotency_scope(self, request: Any, key: str) -> str:
        principal = principal_ident(request, request.META.get("REMOTE_ADDR", ""))
        raw = "\n".join((principal, request.method, request.path, key))
        return hashlib.sha256(raw.encode()).hexdigest()

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not self.idempotency or request.method not in apifirst_settings.IDEMPOTENT_METHODS:
            return
        key = request.headers.get(HEADER)
        if key is None:
            if self.idempotency == "required":
                raise IdempotencyKeyRequired()
            return
        if not (1 <= len(key) <= MAX_KEY_LENGTH) or not key.isprintable() or not key.isascii():
            raise IdempotencyKeyInvalid()
        scope = self._idempotency_scope(request, key)
        fingerprint = hashlib.sha256(request.body).hexdigest()
        store = _store()
        _replay_if_stored(store.get(scope), fingerprint)
        if not store.lock(scope):
            raise IdempotencyKeyInUse()
        # The first request may have finished between our read and our lock: read again.
        try:
            _replay_if_stored(store.get(scope), fingerprint)
        except (ShortCircuit, IdempotencyKeyMismatch):
            store.release(scope)
            raise
        self.__dict__["_apifirst_idempotency"] = (store, scope, fingerprint)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        pending = self.__dict__.pop("_apifirst_idempotency", None)
        if pending is None:
            return response
        store, scope, fingerprint = pending
        try:
            if response.status_code < 500 and response.status_code not in _NOT_KEPT:
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                kept = {n: response[n] for n in _KEPT_HEADERS if response.has_header(n)}
                store.save(
                    scope,
                    {
                        "fingerprint": fingerprint,
                        "status": response.status_code,
                        "headers": kept,
                        "content": response.content,
                    },
                )
        finally:
            store.release(scope)
        return response


def _replay_if_stored(stored: dict[str, Any] | None, fingerprint: str) -> None:
    if stored is None:
        return
    if stored["fingerprint"] != fingerprint:
        raise IdempotencyKeyMismatch()
    raise ShortCircuit(_replay(stored))


def _replay(stored: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(stored["content"], status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response
