"""``Idempotency-Key``: safe retries of POST (and PATCH), per the IETF draft and Stripe.

The first completed response to a key — status, body, the headers that matter — is kept
(``IDEMPOTENCY_STORE``, ``IDEMPOTENCY_TTL`` seconds) per principal, resolved tenant,
method, path, canonical query string and key, with a fingerprint of the body. A retry
gets it back byte for byte with ``Idempotent-Replayed: true``; the same key with another
body is a 422 problem; a retry while the first request still runs is a 409 problem (a
lock per key, which expires after ``IDEMPOTENCY_LOCK_SECONDS`` should a worker die).
Failed validation (400), auth and rate-limit refusals and server errors are not kept, so
the client can fix and retry.

When the store cannot be reached (Redis down for the ``CacheStore``), a request that
carries a key is refused with a 503 ``service_unavailable`` problem and ``Retry-After``
before the view runs: without the lock, a retry could create a second row. Requests
without a key go on. The ``DatabaseStore`` keeps working while the cache is down.

    class OrderViewSet(ApiModelViewSet):
        idempotency = "required"    # True (optional, the default), "required" or False

Hooks: ``get_record_key(request, key)`` (what one record is shared by) and
``get_idempotency_store()``; stores are classes named by ``IDEMPOTENCY_STORE``.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import BaseCache, caches
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from drf_apifirst.context import canonical_query, request_context
from drf_apifirst.exceptions import Problem, ServiceUnavailable, ShortCircuit
from drf_apifirst.faults import (
    CACHE_ERRORS,
    DATABASE_ERRORS,
    TransactionRolledBack,
    cache_failed,
    refuse_success_rolled_back,
    rollback_pending,
)
from drf_apifirst.principals import get_principal, get_tenant, tenant_ident
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CacheStore",
    "DatabaseStore",
    "IdempotencyKeyInUse",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyRequired",
    "IdempotencyMixin",
    "IdempotencyStore",
    "idempotency_store_class",
]

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Responses that are kept: what the endpoint decided, not a refusal to start it.
_NOT_KEPT = {400, 401, 403, 409, 412, 422, 428, 429}


def is_kept_status(status: int) -> bool:
    """Whether a response with this status is kept for replays (and can be a replay)."""
    return status < 500 and status not in _NOT_KEPT


# What a store raises when it cannot be reached: the cache's errors, the database's.
_STORE_ERRORS = CACHE_ERRORS + DATABASE_ERRORS
# Headers a replay repeats.
_KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Link", "Content-Language")


class IdempotencyKeyRequired(Problem):
    """400: a view with ``idempotency = "required"`` got a request in
    ``IDEMPOTENT_METHODS`` (POST and PATCH by default) without an ``Idempotency-Key``."""

    default_code = "idempotency_key_required"
    default_detail: StrOrPromise = _("This endpoint needs an Idempotency-Key header.")
    title: StrOrPromise = _("Idempotency-Key required.")


class IdempotencyKeyInvalid(Problem):
    """400: the ``Idempotency-Key`` is empty, longer than 255 characters or not
    printable ASCII."""

    default_code = "idempotency_key_invalid"
    default_detail: StrOrPromise = _("An Idempotency-Key is 1 to 255 printable ASCII characters.")
    title: StrOrPromise = _("Invalid Idempotency-Key.")


class IdempotencyKeyMismatch(Problem):
    """422: the key was already used, on the same method and URL, with another body;
    replaying the first response would answer a request the client did not send."""

    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail: StrOrPromise = _("This Idempotency-Key was used with another request body.")
    title: StrOrPromise = _("Idempotency-Key reused.")


class IdempotencyKeyInUse(Problem):
    """409: the first request with this key is still running; the client retries later
    and then gets its replay."""

    status_code = 409
    default_code = "idempotency_key_in_use"
    default_detail: StrOrPromise = _(
        "A request with this Idempotency-Key is still being processed."
    )
    title: StrOrPromise = _("Request in progress.")


class IdempotencyStore:
    """Where kept responses live. ``lock`` must be atomic across processes."""

    # True when the store writes through the default database: a keyed request then runs
    # in one transaction with its lock and record (IdempotencyMixin.dispatch).
    atomic = False

    def get(self, record_key: str) -> dict[str, Any] | None:
        """The kept response (fingerprint, status, headers, content), or None."""
        raise NotImplementedError("IdempotencyStore.get() must be implemented.")

    def lock(self, record_key: str) -> bool:
        """Take the in-flight lock of a key; False when another request holds it."""
        raise NotImplementedError("IdempotencyStore.lock() must be implemented.")

    def save(self, record_key: str, record: dict[str, Any]) -> None:
        raise NotImplementedError("IdempotencyStore.save() must be implemented.")

    def release(self, record_key: str) -> None:
        raise NotImplementedError("IdempotencyStore.release() must be implemented.")


class CacheStore(IdempotencyStore):
    """Kept responses in the Django cache (``IDEMPOTENCY_CACHE``); the lock is an atomic
    ``cache.add``."""

    record_prefix = "drf_apifirst:idem:"
    lock_prefix = "drf_apifirst:idem-lock:"

    def __init__(self) -> None:
        self.cache: BaseCache = caches[apifirst_settings.IDEMPOTENCY_CACHE]

    def get(self, record_key: str) -> dict[str, Any] | None:
        stored: dict[str, Any] | None = self.cache.get(self.record_prefix + record_key)
        return stored

    def lock(self, record_key: str) -> bool:
        seconds = apifirst_settings.IDEMPOTENCY_LOCK_SECONDS
        return bool(self.cache.add(self.lock_prefix + record_key, 1, seconds))

    def save(self, record_key: str, record: dict[str, Any]) -> None:
        self.cache.set(self.record_prefix + record_key, record, apifirst_settings.IDEMPOTENCY_TTL)

    def release(self, record_key: str) -> None:
        self.cache.delete(self.lock_prefix + record_key)


class DatabaseStore(IdempotencyStore):
    """Kept responses in the ``IdempotencyRecord`` table; the lock is the row itself,
    inserted under a unique constraint, in the request's own transaction with the write
    and the record: a worker or host that dies mid-request leaves no row, no lock and no
    record (the database rolls them back together), so the client's retry runs once. A
    concurrent request with the same key waits for that transaction, then gets a 409."""

    atomic = True

    def get(self, record_key: str) -> dict[str, Any] | None:
        from drf_apifirst.models import IdempotencyRecord

        row = (
            IdempotencyRecord.objects.filter(record_key=record_key, expires__gt=timezone.now())
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

    def lock(self, record_key: str) -> bool:
        from drf_apifirst.models import IdempotencyRecord

        now = timezone.now()
        # An expired record, or the lock of a worker that died, frees the key.
        IdempotencyRecord.objects.filter(record_key=record_key, expires__lte=now).delete()
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    record_key=record_key,
                    expires=now + timedelta(seconds=apifirst_settings.IDEMPOTENCY_LOCK_SECONDS),
                )
        except IntegrityError:
            return False
        return True

    def save(self, record_key: str, record: dict[str, Any]) -> None:
        from drf_apifirst.models import IdempotencyRecord

        if rollback_pending():
            # No query runs in a failed transaction, and its write will not commit.
            raise TransactionRolledBack("The request's transaction is marked for rollback.")
        IdempotencyRecord.objects.filter(record_key=record_key).update(
            expires=timezone.now() + timedelta(seconds=apifirst_settings.IDEMPOTENCY_TTL),
            **record,
        )

    def release(self, record_key: str) -> None:
        from drf_apifirst.models import IdempotencyRecord

        if rollback_pending():
            # The request's transaction failed (a statement timed out) and no query can
            # run in it; the lock row it inserted is undone with it: nothing to free.
            return
        IdempotencyRecord.objects.filter(record_key=record_key, status=None).delete()


# The names IDEMPOTENCY_STORE took before it was an import string.
_STORE_ALIASES = {
    "cache": "drf_apifirst.idempotency.CacheStore",
    "database": "drf_apifirst.idempotency.DatabaseStore",
}


def idempotency_store_class() -> type[IdempotencyStore]:
    """The class ``IDEMPOTENCY_STORE`` names."""
    path = apifirst_settings.IDEMPOTENCY_STORE
    store_class: type[IdempotencyStore] = import_string(_STORE_ALIASES.get(path, path))
    return store_class


class IdempotencyMixin:
    """Applies ``Idempotency-Key`` to ``IDEMPOTENT_METHODS``, in every
    ``ApiGenericViewSet``: a key is honoured when a client sends one.
    ``idempotency = "required"`` on a viewset makes it a 400 to leave it out (payments,
    orders), ``False`` ignores it. The module docstring above says what is kept and
    replayed."""

    # True: honoured when sent; "required": 400 without it; False: ignored.
    idempotency: bool | str = True

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """With an ``atomic`` store (``DatabaseStore``), a keyed request runs in one
        transaction with its lock and its record: when it fails (a 5xx, the database
        going away mid-request) or its host dies, its writes go with it, so the retry
        the client is entitled to cannot duplicate them. The ``CacheStore`` saves its
        record just after the write commits: a crash in between, or a 5xx after a
        write, leaves a row a retry repeats. A success whose transaction is marked for
        rollback (a statement failed on a connection that went away, and the request
        survived the error) is a 503, not a 201 for a row that never commits."""
        if (
            self.idempotency
            and request.method in apifirst_settings.IDEMPOTENT_METHODS
            and request.headers.get(HEADER) is not None
            and self.get_idempotency_store().atomic
        ):
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                refuse_success_rolled_back(response)
                return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_idempotency_store(self) -> IdempotencyStore:
        return idempotency_store_class()()

    def get_record_key(self, request: Any, key: str) -> str:
        """What one kept response is shared by: the caller, the tenant it acts for, the
        method, the path, the canonical query string and the client's key. Two requests
        that differ in any of them never see each other's response."""
        scoped = getattr(self, "tenant_field", None) is not None
        parts = (
            get_principal(request).ident,
            tenant_ident(get_tenant(request)) if scoped else "",
            request.method,
            request.path,
            canonical_query(request),
            key,
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def begin_idempotent_request(self, request: Any) -> None:
        """Pipeline step: replay a kept response (a ``ShortCircuit``), refuse a reused or
        in-flight key, or take the key's lock for this request."""
        if not self.idempotency or request.method not in apifirst_settings.IDEMPOTENT_METHODS:
            return
        key = request.headers.get(HEADER)
        if key is None:
            if self.idempotency == "required":
                raise IdempotencyKeyRequired()
            return
        if not (1 <= len(key) <= MAX_KEY_LENGTH) or not key.isprintable() or not key.isascii():
            raise IdempotencyKeyInvalid()
        record_key = self.get_record_key(request, key)
        fingerprint = hashlib.sha256(request.body).hexdigest()
        store = self.get_idempotency_store()
        try:
            _replay_if_stored(store.get(record_key), fingerprint)
            locked = store.lock(record_key)
        except _STORE_ERRORS as exc:
            cache_failed("idempotency store", exc)
            raise ServiceUnavailable() from exc
        if not locked:
            raise IdempotencyKeyInUse()
        # The first request may have finished between our read and our lock: read again.
        try:
            _replay_if_stored(store.get(record_key), fingerprint)
        except (ShortCircuit, IdempotencyKeyMismatch):
            _release(store, record_key)
            raise
        except _STORE_ERRORS as exc:
            cache_failed("idempotency store", exc)
            _release(store, record_key)
            raise ServiceUnavailable() from exc
        request_context(request).idempotency = (store, record_key, fingerprint)

    def finish_idempotent_request(self, request: Any, response: Any) -> None:
        """Pipeline step: keep the response of a request that took a key; free the key."""
        context = request_context(request)
        pending, context.idempotency = context.idempotency, None
        if pending is None:
            return
        store, record_key, fingerprint = pending
        try:
            # A success whose transaction will not commit is a 503, and is not kept: the
            # retry the client is owed must run, not replay a write that never happened.
            refuse_success_rolled_back(response)
            if is_kept_status(response.status_code):
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                kept = {n: response[n] for n in _KEPT_HEADERS if response.has_header(n)}
                record = {
                    "fingerprint": fingerprint,
                    "status": response.status_code,
                    "headers": kept,
                    "content": response.content,
                }
                try:
                    store.save(record_key, record)
                except _STORE_ERRORS as exc:
                    if store.atomic:
                        # Write and record commit together or not at all: not a success.
                        # (Outside DRF's handler here: ProblemMiddleware answers the 503.)
                        raise
                    # The write is done: answer it. A retry of this key cannot be
                    # replayed; the lock, if it survived, refuses retries until it expires.
                    cache_failed("idempotency store, response not kept", exc)
                    return
        except BaseException:
            _release(store, record_key)
            raise
        _release(store, record_key)


def _release(store: IdempotencyStore, record_key: str) -> None:
    try:
        store.release(record_key)
    except _STORE_ERRORS as exc:  # the lock expires by itself (IDEMPOTENCY_LOCK_SECONDS)
        cache_failed("idempotency lock release", exc)


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
