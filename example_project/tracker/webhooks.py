"""Outgoing webhooks, safe against server-side request forgery (OWASP API7).

The guard is the library's (``drf_apifirst.validators``). A project's ``webhook_url`` is
checked twice:

- when it is saved (``validate_webhook_url``, the model field's validator): https only,
  no credentials, no local name and no IP literal — in any spelling — of an address
  inside our networks;
- when a delivery is sent (``deliver``): the host is resolved, every address must be
  public, and the connection goes to the address that was checked (a DNS answer that
  changes between check and connect cannot redirect it). Redirects are not followed,
  the receiver's answer is not read beyond its status line, and it has 5 seconds.

``DRF_APIFIRST["PUBLIC_URL_ALLOWED_NETWORKS"]`` (a list of CIDRs) lets a test or an
on-premises install reach named private networks, over http too.
"""

from __future__ import annotations

import http.client
import json
import logging
from typing import Any

from drf_apifirst.validators import PublicURLValidator, UnsafeURL, resolve_public_url

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5

_validate_public_url = PublicURLValidator()


def validate_webhook_url(url: str) -> None:
    """The ``webhook_url`` field's validator (migrations name it): the library's guard."""
    _validate_public_url(url)


def deliver(url: str, event: str, payload: dict[str, Any]) -> int:
    """POST ``{"event": ..., "data": ...}`` to ``url``; returns the receiver's status."""
    resolved = resolve_public_url(url)
    connection = resolved.connection(timeout=TIMEOUT_SECONDS)
    body = json.dumps({"event": event, "data": payload}).encode()
    try:
        connection.request(
            "POST",
            resolved.target,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": "tracker-webhooks/1"},
        )
        return connection.getresponse().status  # redirects are answers, not followed
    finally:
        connection.close()


def deliver_quietly(url: str, event: str, payload: dict[str, Any]) -> None:
    """``deliver``, logging instead of raising: a receiver's failure is not the API's."""
    try:
        status = deliver(url, event, payload)
    except (OSError, UnsafeURL, http.client.HTTPException) as error:
        logger.warning("Webhook %s to %s failed: %s", event, url, error)
        return
    if not 200 <= status < 300:
        logger.warning("Webhook %s to %s answered %s", event, url, status)
