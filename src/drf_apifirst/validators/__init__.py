"""Validators for API input; ``PublicURLValidator`` guards outgoing requests against SSRF."""

from __future__ import annotations

from drf_apifirst.validators.ssrf import (
    PublicURLValidator,
    ResolvedURL,
    UnsafeURL,
    check_public_url,
    is_public_address,
    resolve_public_url,
)

__all__ = [
    "PublicURLValidator",
    "ResolvedURL",
    "UnsafeURL",
    "check_public_url",
    "is_public_address",
    "resolve_public_url",
]
