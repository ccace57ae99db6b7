"""Sending one attempt of a delivery, and scheduling the next.

A task (``drf_apifirst.webhooks.tasks.deliver_webhook``) runs one attempt:

1. claim the delivery — one atomic UPDATE sets a lease (``locked_until``) only if it is
   pending, due and unclaimed, so two workers never send it at once and a duplicate task
   is a no-op;
2. write the attempt row (``in_progress``), resolve the URL with the SSRF guard and POST
   the signed body to the address that was checked;
3. record the answer: 2xx delivered; 410 disables the endpoint; a network error, a
   timeout, 429 or 5xx schedules the next attempt (``WEBHOOK_RETRY_SCHEDULE``, jittered,
   ``Retry-After`` honoured) and enqueues it with ``run_after``; anything else fails.

Everything is in the database before the next task is enqueued; a worker killed at any
point leaves a due row whose lease runs out, which ``apifirst_webhooks sweep`` enqueues
again.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

import drf_apifirst
from drf_apifirst.settings import apifirst_settings
from drf_apifirst.validators import UnsafeURL, resolve_public_url
from drf_apifirst.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from drf_apifirst.webhooks.signing import signature_header

__all__ = [
    "Answer",
    "attempt_delivery",
    "enqueue_deliveries",
    "next_delay",
    "redeliver",
    "send",
    "sweep",
]

logger: logging.Logger = logging.getLogger(__name__)

# A claim lasts twice the timeout and this many seconds more (the worker's bookkeeping).
LEASE_MARGIN = 5
RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class Answer:
    """What one POST got: a status (None: no HTTP answer) or an error."""

    status_code: int | None
    excerpt: str = ""
    error: str = ""
    retry_after: float | None = None
    duration_ms: int = 0
    # An unsafe URL or a refused scheme: trying again changes nothing.
    permanent: bool = False


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def send(
    endpoint: WebhookEndpoint, message_id: str, payload: dict[str, Any], now: datetime
) -> Answer:
    """POST the signed payload to ``endpoint`` (SSRF-checked, no redirects followed)."""
    body = body_of(payload)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"drf-apifirst-webhooks/{drf_apifirst.__version__}",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            endpoint.signing_secrets(now), message_id, timestamp, body
        ),
    }
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        resolved = resolve_public_url(endpoint.url)
    except UnsafeURL as error:
        return Answer(None, error=f"Refused: {error}"[:300], permanent=True)
    connection = resolved.connection(timeout=apifirst_settings.WEBHOOK_TIMEOUT)
    try:
        connection.request("POST", resolved.target, body=body, headers=headers)
        response = connection.getresponse()
        limit = apifirst_settings.WEBHOOK_RESPONSE_EXCERPT
        excerpt = response.read(limit).decode("utf-8", "replace") if limit else ""
        return Answer(
            response.status,
            excerpt=excerpt,
            retry_after=_retry_after(response.getheader("Retry-After"), now),
            duration_ms=elapsed(),
        )
    except (OSError, http.client.HTTPException) as error:
        reason = str(error) or type(error).__name__
        return Answer(None, error=f"{type(error).__name__}: {reason}"[:300], duration_ms=elapsed())
    finally:
        connection.close()


def next_delay(attempt_count: int, retry_after: float | None = None) -> float | None:
    """Seconds until the attempt after the ``attempt_count``-th, or None when the schedule
    is used up. Jittered by up to a fifth (receivers recovering from an outage are not hit
    by every retry at once); ``Retry-After`` lengthens it, up to the longest step."""
    schedule = apifirst_settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_count > len(schedule):
        return None
    delay = float(schedule[attempt_count - 1])
    delay += delay * random.uniform(0, 0.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, float(max(schedule))))
    return delay


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    lease = now + timedelta(seconds=2 * apifirst_settings.WEBHOOK_TIMEOUT + LEASE_MARGIN)
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(locked_until=lease, attempt_count=F("attempt_count") + 1)
    )
    if not claimed:
        return None
    delivery: WebhookDelivery = WebhookDelivery.objects.select_related("endpoint", "message").get(
        pk=delivery_id
    )
    return delivery


def _record_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Start or extend the endpoint's failing run; disable it when it lasted too long."""
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
        return
    limit = timedelta(seconds=apifirst_settings.WEBHOOK_DISABLE_AFTER)
    if endpoint.is_active and now - endpoint.failing_since >= limit:
        endpoint.disable(
            f"Every delivery failed since {endpoint.failing_since.isoformat()} "
            f"(longer than {apifirst_settings.WEBHOOK_DISABLE_AFTER} seconds)."
        )


def attempt_delivery(delivery_id: int) -> str:
    """Run one attempt of the delivery if it is due and unclaimed; returns its result
    (``delivered``, ``retrying``, ``failed``) or ``skipped``."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    # An attempt still in progress belonged to a worker that stopped mid-request.
    delivery.attempts.filter(result=WebhookAttempt.Result.IN_PROGRESS).update(
        result=WebhookAttempt.Result.FAILED, error="The worker stopped during this attempt."
    )
    attempt = WebhookAttempt.objects.create(delivery=delivery, started_at=now)
    if endpoint.is_active:
        answer = send(endpoint, delivery.message_id, delivery.message.payload, now)
    else:
        reason = endpoint.disabled_reason or "disabled by its owner"
        answer = Answer(None, error=f"The endpoint is disabled: {reason}"[:300], permanent=True)

    Result = WebhookAttempt.Result
    next_at = None
    code = answer.status_code
    if code is not None and 200 <= code < 300:
        result = Result.DELIVERED
    elif answer.permanent or (code is not None and code not in RETRY_STATUSES):
        result = Result.FAILED
    else:
        delay = next_delay(delivery.attempt_count, answer.retry_after)
        result = Result.FAILED if delay is None else Result.RETRYING
        next_at = None if delay is None else now + timedelta(seconds=delay)

    with transaction.atomic():
        attempt.result = result
        attempt.status_code = code
        attempt.error = answer.error
        attempt.response_excerpt = answer.excerpt
        attempt.duration_ms = answer.duration_ms
        attempt.next_attempt_at = next_at
        attempt.save()
        delivery.last_status_code = code
        delivery.locked_until = None
        delivery.next_attempt_at = next_at
        if result == Result.DELIVERED:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            if endpoint.failing_since is not None:
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif result == Result.FAILED:
            delivery.status = WebhookDelivery.Status.FAILED
        delivery.save(
            update_fields=[
                "status",
                "last_status_code",
                "locked_until",
                "next_attempt_at",
                "delivered_at",
            ]
        )
        if code == 410 and endpoint.is_active:
            endpoint.disable("The endpoint answered 410 Gone.")
        elif result != Result.DELIVERED and endpoint.is_active:
            _record_failure(endpoint, now)
    if next_at is not None:
        enqueue_deliveries([delivery.pk], run_after=next_at)
    logger.info(
        "Webhook %s (%s) to endpoint %s, attempt %s: %s %s",
        delivery.message_id,
        delivery.message.event_type,
        endpoint.pk,
        delivery.attempt_count,
        result,
        code if code is not None else answer.error,
    )
    return str(result)


def enqueue_deliveries(delivery_ids: Iterable[int], run_after: datetime | None = None) -> None:
    """Enqueue a task per delivery on ``WEBHOOK_TASK_BACKEND``. A backend that cannot
    defer (``ImmediateBackend``) gets retries from ``apifirst_webhooks sweep`` instead."""
    from drf_apifirst.webhooks.tasks import deliver_webhook

    task = deliver_webhook.using(
        backend=apifirst_settings.WEBHOOK_TASK_BACKEND,
        queue_name=apifirst_settings.WEBHOOK_QUEUE_NAME,
    )
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    for delivery_id in delivery_ids:
        task.enqueue(delivery_id)


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same message (same ``webhook-id``) to the same endpoint."""
    again: WebhookDelivery = WebhookDelivery.objects.create(
        message=delivery.message, endpoint=delivery.endpoint
    )
    transaction.on_commit(lambda: enqueue_deliveries([again.pk]), robust=True)
    return again


def sweep(now: datetime | None = None) -> int:
    """Enqueue every due, unclaimed pending delivery (after a worker died, or on a backend
    that cannot defer); returns how many. Safe to run often: a claim is atomic."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .values_list("pk", flat=True)
    )
    enqueue_deliveries(due)
    return len(due)
