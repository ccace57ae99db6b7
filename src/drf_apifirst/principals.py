"""Who is calling: an API key, a user, or an anonymous client address — with its tenant
and its scopes. Throttles, the response cache, idempotency records, permissions and
tenant scoping all ask here, so they agree on who a request is.

    principal = get_principal(request)
    principal.ident        # "key:12", "user:7" or "ip:203.0.113.9"
    principal.scopes       # None: every scope (a user by default); a set otherwise

The client address is the peer's unless ``DRF_APIFIRST["TRUSTED_PROXIES"]`` says how many
proxies (or which networks) stand in front: only then is ``X-Forwarded-For`` read, from
the right, skipping the trusted hops. A client-supplied ``X-Forwarded-For`` never changes
who a request is counted as.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from drf_apifirst.context import UNRESOLVED, request_context
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "Principal",
    "client_address",
    "get_principal",
    "get_tenant",
    "granted_scopes",
    "is_api_key",
]

logger: logging.Logger = logging.getLogger("drf_apifirst.principals")

PrincipalKind = Literal["api_key", "user", "anonymous"]


def is_api_key(auth: Any) -> bool:
    """Whether ``request.auth`` is one of the library's API keys."""
    from drf_apifirst.models import AbstractAPIKey

    return isinstance(auth, AbstractAPIKey)


@dataclass(frozen=True)
class Principal:
    """The caller of one request, from ``get_principal(request)``: what rate limits,
    cached responses and idempotency records are keyed by.

    ``kind`` is ``"api_key"``, ``"user"`` or ``"anonymous"``. ``user`` is
    ``request.user`` for the first two (for a key: its owner when that is a user, else an
    ``APIKeyPrincipal``); ``api_key`` is the key.
    """

    kind: PrincipalKind
    # Stable across requests and processes: what limits, caches and records are keyed by.
    ident: str
    # The client address (after TRUSTED_PROXIES), for anonymous callers and logs.
    address: str
    user: Any = None
    api_key: Any = None


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


@functools.lru_cache(maxsize=8)
def _networks(
    networks: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    # Parsed once per setting value (the checks have refused malformed entries).
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Iterable[str]
) -> bool:
    return any(address in network for network in _networks(tuple(networks)))


_warned_missing_header = False


def client_address(request: Any) -> str:
    """The client's IP address: the peer, or read through the trusted proxy hops."""
    global _warned_missing_header
    meta = getattr(request, "META", {})
    peer = meta.get("REMOTE_ADDR", "") or ""
    trusted = apifirst_settings.TRUSTED_PROXIES
    if not trusted:
        return peer
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        if not _warned_missing_header:
            _warned_missing_header = True
            logger.warning(
                "DRF_APIFIRST['TRUSTED_PROXIES'] is set but a request came without "
                "X-Forwarded-For: the peer address %s is used. Is the proxy adding it?",
                peer,
            )
        return peer
    chain: list[str] = [hop.strip() for hop in forwarded.split(",")] + [peer]
    if isinstance(trusted, int):
        # The last `trusted` hops are proxies; the one before them is the client.
        candidate = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
        return candidate if _ip(candidate) is not None else peer
    for hop in reversed(chain):
        address = _ip(hop)
        if address is None:
            return peer  # a hop our own proxies would never write: trust nothing
        if not _trusted(address, trusted):
            return str(address)
    return chain[0]


def get_principal(request: Any) -> Principal:
    """Who is calling (resolved once per request, after authentication)."""
    context = request_context(request)
    if context.principal is not None:
        return context.principal
    auth = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    address = client_address(request)
    if auth is not None and is_api_key(auth):
        principal = Principal("api_key", f"key:{auth.pk}", address, user=user, api_key=auth)
    elif user is not None and user.is_authenticated and user.pk is not None:
        principal = Principal("user", f"user:{user.pk}", address, user=user)
    else:
        principal = Principal("anonymous", f"ip:{address}", address)
    if hasattr(request, "auth"):  # a DRF request, authenticated: the answer is final
        context.principal = principal
    return principal


def get_tenant(request: Any) -> Any:
    """The tenant the request acts for (``TENANT_RESOLVER``, once per request), or None."""
    context = request_context(request)
    if not context.tenant_resolved:
        context.tenant = apifirst_settings.TENANT_RESOLVER(request)
    return context.tenant


def tenant_ident(tenant: Any) -> str:
    """A tenant as a string for keys: its model and primary key."""
    if tenant is None:
        return "tenant:none"
    meta = getattr(tenant, "_meta", None)
    label = meta.label_lower if meta is not None else type(tenant).__name__
    return f"tenant:{label}:{getattr(tenant, 'pk', tenant)}"


def granted_scopes(request: Any) -> set[str] | None:
    """The scopes of the request's credentials; None means every scope."""
    context = request_context(request)
    if context.scopes is not UNRESOLVED and context.principal is not None:
        scopes: set[str] | None = context.scopes
        return scopes
    principal = get_principal(request)
    granted: set[str] | None
    if principal.kind == "api_key":
        granted = set(principal.api_key.scopes or ())
    elif principal.kind == "anonymous":
        granted = set()
    else:
        scopes = apifirst_settings.USER_SCOPES(principal.user, request)
        granted = None if scopes is None else set(scopes)
    context.scopes = granted
    return granted
