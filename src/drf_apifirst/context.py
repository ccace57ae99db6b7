"""What one request carries between the library's behaviours.

Authentication, throttles, the version lifecycle, the response cache, idempotency and
conditional requests each decide something early and act on it when the response is
finalized. They keep it here, in one object per request, instead of attributes spread
over the DRF request, the Django request and the view:

    context = request_context(request)
    context.response_headers["Deprecation"] = "@1767225600"

The context lives on the Django ``HttpRequest``, so the DRF request of a view, the
middleware and the exception handler all see the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from drf_apifirst.compat import http_request

if TYPE_CHECKING:
    from drf_apifirst.principals import Principal
    from drf_apifirst.throttling import RateLimit

__all__ = [
    "RequestContext",
    "ResponseHeadersMixin",
    "add_response_headers",
    "canonical_query",
    "pending_response_headers",
    "request_context",
    "write_collected_headers",
]

_ATTRIBUTE = "apifirst_context"
UNRESOLVED: Any = object()


@dataclass
class RequestContext:
    """State of one request, written by one behaviour and read by another."""

    # Headers for the response (lifecycle), written by ResponseHeadersMixin.
    response_headers: dict[str, str] = field(default_factory=dict)
    # What each throttle policy saw, for the RateLimit headers.
    ratelimits: dict[str, RateLimit] = field(default_factory=dict)
    # Who is calling (drf_apifirst.principals), resolved once after authentication.
    principal: Principal | None = None
    # The tenant the request acts for; UNRESOLVED until the resolver ran.
    tenant: Any = UNRESOLVED
    # The scopes the credentials grant (None: every scope); UNRESOLVED until asked.
    scopes: Any = UNRESOLVED
    # The response-cache entry to fill on the way out (a miss).
    cache_key: str | None = None
    # The idempotency record being written: (store, record key, body fingerprint).
    idempotency: tuple[Any, str, str] | None = None
    # The object a detail request read (for its ETag), and whether to lock it.
    instance: Any = None
    lock_for_update: bool = False
    # ?fields= / ?expand= as parsed for this request.
    field_selection: tuple[tuple[str, ...] | None, tuple[str, ...]] | None = None

    @property
    def tenant_resolved(self) -> bool:
        return self.tenant is not UNRESOLVED


def request_context(request: Any) -> RequestContext:
    """The context of a DRF or Django request (created on first use)."""
    django_request = http_request(request)
    context: RequestContext | None = getattr(django_request, _ATTRIBUTE, None)
    if context is None:
        context = RequestContext()
        setattr(django_request, _ATTRIBUTE, context)
    return context


def canonical_query(request: Any) -> str:
    """The query string in one canonical form: parameters sorted by name, each name's
    values in the order sent, every name and value percent-encoded. Two requests share it
    only when their parameters are the same (``?a=1%262`` and ``?a=1&2=`` do not)."""
    query = getattr(request, "query_params", None)
    if query is None:
        query = http_request(request).GET
    pairs = [(name, value) for name in sorted(query) for value in query.getlist(name)]
    return urlencode(pairs)


def add_response_headers(request: Any, headers: dict[str, str]) -> None:
    """Headers for the response of this request, written by ``ResponseHeadersMixin``."""
    request_context(request).response_headers.update(headers)


def pending_response_headers(request: Any) -> dict[str, str]:
    """The headers collected for the response: RateLimit and the lifecycle's."""
    from drf_apifirst.throttling import ratelimit_headers

    context = request_context(request)
    return {**ratelimit_headers(request), **context.response_headers}


def write_collected_headers(request: Any, response: Any) -> None:
    """Write the headers the request collected; ``Link`` values are appended."""
    for name, value in pending_response_headers(request).items():
        if name == "Link" and response.has_header("Link"):
            value = f"{response['Link']}, {value}"
        response[name] = value


class ResponseHeadersMixin:
    """Writes the headers the request collected: RateLimit (throttles) and Deprecation,
    Sunset, Link (version lifecycle). For views outside the base viewsets (whose pipeline
    writes them itself)."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        write_collected_headers(request, response)
        return response
