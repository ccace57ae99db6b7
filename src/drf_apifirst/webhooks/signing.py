"""Standard Webhooks signatures (standardwebhooks.com): what a receiver verifies.

A message is signed over ``"<webhook-id>.<webhook-timestamp>.<body>"`` with HMAC-SHA256;
the ``webhook-signature`` header holds ``v1,<base64 digest>``, one per secret, separated
by spaces (during a rotation both the new and the previous secret sign). Secrets are
``whsec_`` followed by the base64 of 24 random bytes, as every Standard Webhooks library
expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

__all__ = ["SECRET_PREFIX", "generate_secret", "sign", "signature_header"]

SECRET_PREFIX = "whsec_"
# 192 bits: Standard Webhooks asks for 24 to 64 bytes.
SECRET_BYTES = 24


def generate_secret() -> str:
    """A new signing secret, ``whsec_<base64>``."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with ``secret`` (``whsec_...``)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(
    signing_secrets: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated."""
    return " ".join(sign(secret, message_id, timestamp, body) for secret in signing_secrets)
