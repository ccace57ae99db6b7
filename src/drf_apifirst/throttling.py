"""Rate limits that hold across processes: fixed-window counters in the Django cache.

DRF's stock throttles keep a request history per client and rewrite it (read, modify,
write), so concurrent requests race and each process may let a client through. These
count with ``cache.add`` + ``cache.incr``, atomic in Redis, Memcached and locmem, so N
workers sharing Redis allow exactly the limit. Rates come from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``"1000/hour"``), read at each request.

Responses carry the IETF RateLimit headers for every policy that applied:

    RateLimit-Policy: "user";q=1000;w=3600
    RateLimit: "user";r=998;t=3412

When the cache cannot be reached, a throttle fails open (the request goes on, uncounted
and without RateLimit headers) or closed (a 503 ``service_unavailable`` problem with
``Retry-After``), as ``DRF_APIFIRST["THROTTLE_FAILURE"]`` says ("open" by default: a cache
outage should not become an API outage). The login limit always fails closed: password
guessing is what it is there to stop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from drf_apifirst.context import request_context
from drf_apifirst.exceptions import ServiceUnavailable
from drf_apifirst.faults import CACHE_ERRORS, cache_failed
from drf_apifirst.principals import client_address, get_principal
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "LoginRateThrottle",
    "PrincipalRateThrottle",
    "RateLimit",
    "RateThrottle",
    "ScopedRateThrottle",
    "parse_rate",
    "principal_ident",
    "ratelimit_headers",
]

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"100/minute"`` -> (100, 60), read as DRF reads it (the period's first letter)."""
    count, _, period = rate.partition("/")
    if not count.isdigit() or period[:1] not in _PERIODS:
        raise ValueError(f"Invalid rate {rate!r}: expected '<number>/<second|minute|hour|day>'.")
    return int(count), _PERIODS[period[0]]


@dataclass(frozen=True)
class RateLimit:
    """One policy's state after a request, for the RateLimit headers."""

    policy: str
    limit: int
    window: int
    remaining: int
    reset: int


def principal_ident(request: Any, fallback: str | None = None) -> str:
    """Who is counted: the API key, else the user, else the client address
    (``drf_apifirst.principals.get_principal(request).ident``; ``fallback`` is ignored and
    kept for callers of the first releases)."""
    return get_principal(request).ident


def _record(request: Any, state: RateLimit) -> None:
    request_context(request).ratelimits[state.policy] = state


def ratelimit_headers(request: Any) -> dict[str, str]:
    """The RateLimit-Policy and RateLimit headers for what the request's throttles saw."""
    states = request_context(request).ratelimits
    if not states:
        return {}
    return {
        "RateLimit-Policy": ", ".join(
            f'"{s.policy}";q={s.limit};w={s.window}' for s in states.values()
        ),
        "RateLimit": ", ".join(
            f'"{s.policy}";r={s.remaining};t={s.reset}' for s in states.values()
        ),
    }


class RateThrottle(BaseThrottle):
    """A fixed-window counter per (policy, principal) in the Django cache."""

    # The policy: a key of DEFAULT_THROTTLE_RATES. Subclasses may pick it per request.
    # (``scope``, DRF's name for it, is read too.)
    policy: str | None = None
    scope: str | None = None
    cache = default_cache
    timer: Callable[[], float] = time.time
    # While the cache is down: "open" lets requests through, "closed" answers 503.
    # None: DRF_APIFIRST["THROTTLE_FAILURE"].
    failure: str | None = None
    # The state of the last allow_request(): None when no rate applied or the cache was down.
    state: RateLimit | None

    def get_policy(self, request: Any, view: Any) -> str | None:
        return self.policy or self.scope

    def get_principal(self, request: Any, view: Any) -> str:
        return get_principal(request).ident

    def get_ident(self, request: Any) -> str:
        """The client address, through ``DRF_APIFIRST["TRUSTED_PROXIES"]`` (DRF's
        ``NUM_PROXIES`` is not read: one setting decides it for the whole library)."""
        return client_address(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        policy = self.get_policy(request, view)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(policy) if policy else None
        if not rate:
            self.state = None
            return True
        limit, window = parse_rate(str(rate))
        now = self.timer()
        window_start = int(now // window) * window
        key = f"drf_apifirst:rl:{policy}:{self.get_principal(request, view)}:{window_start}"
        try:
            count = self.count(key, window)
        except CACHE_ERRORS as exc:
            cache_failed(f"throttle {policy}", exc)
            self.state = None
            if (self.failure or apifirst_settings.THROTTLE_FAILURE) == "closed":
                raise ServiceUnavailable() from exc
            return True
        reset = max(1, math.ceil(window_start + window - now))
        self.state = RateLimit(policy, limit, window, max(0, limit - count), reset)  # type: ignore[arg-type]
        _record(request, self.state)
        return bool(count <= limit)

    def count(self, key: str, window: int) -> int:
        """Add one to the window's counter and return it (atomic across processes)."""
        self.cache.add(key, 0, timeout=window + 1)
        try:
            count: int = self.cache.incr(key)
        except ValueError:  # the key expired (or was evicted) between add and incr
            count = 1 if self.cache.add(key, 1, timeout=window + 1) else self.cache.incr(key)
        return count

    def wait(self) -> float | None:
        return float(self.state.reset) if self.state is not None else None


class PrincipalRateThrottle(RateThrottle):
    """One limit per caller, by kind: policy ``"api_key"``, ``"user"`` or ``"anon"``."""

    def get_policy(self, request: Any, view: Any) -> str | None:
        kind = get_principal(request).kind
        return "anon" if kind == "anonymous" else kind


class ScopedRateThrottle(RateThrottle):
    """A limit per view family: the view's ``throttle_scope`` names the policy."""

    def get_policy(self, request: Any, view: Any) -> str | None:
        return getattr(view, "throttle_scope", None)


class LoginRateThrottle(RateThrottle):
    """Policy ``"login"``, per client address: slows password guessing. Fails closed
    while the cache is down, whatever ``THROTTLE_FAILURE`` says."""

    policy: str | None = "login"
    failure: str | None = "closed"

    def get_principal(self, request: Any, view: Any) -> str:
        return f"ip:{self.get_ident(request)}"
