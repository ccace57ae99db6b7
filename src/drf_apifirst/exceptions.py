"""Exceptions that become problem details; raise them from views, serializers and services.

    class OutOfCredit(Problem):
        status_code = 403
        default_code = "out_of_credit"
        default_detail = _("Your account has too little credit.")
        title = _("Out of credit.")

    raise OutOfCredit(balance=30, accounts=["/accounts/12"])

Extra keyword arguments become extension members of the problem body (RFC 9457 3.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "RESERVED_MEMBERS",
    "BadRequest",
    "InvalidParameters",
    "Problem",
    "RequestTooLarge",
    "ServerError",
    "ServiceUnavailable",
    "ShortCircuit",
]

# Members the library writes; extension members may not replace them.
RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "instance", "code", "request_id", "errors"}
)


class Problem(APIException):
    """Base class for a host project's own coded problems: subclass it, raise it from a
    view, serializer or service, and the client gets an RFC 9457 body.

    ``status_code``, ``default_code`` and ``default_detail`` work as on DRF's
    ``APIException``; ``title`` is the short summary of the kind of problem. Keyword
    arguments become extension members of that body
    (``raise OutOfCredit(balance=30)``); declare them in ``extension_members`` so the
    OpenAPI document has a component for them. Members the problem format owns
    (``RESERVED_MEMBERS``) are refused with a ``TypeError``.
    """

    # Declared wide, so a subclass sets any status and a plain or lazy string (mypy).
    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code: str = "bad_request"
    default_detail: StrOrPromise = _("Bad request.")
    # Short, stable summary of this kind of problem; defaults to ``default_detail``.
    title: StrOrPromise | None = None
    # JSON Schemas of the extension members this problem always carries: it gets its own
    # OpenAPI component, ``allOf`` the Problem and these (``{"balance": {"type": "integer"}}``).
    extension_members: Mapping[str, Any] = {}

    def __init__(self, detail: Any = None, code: str | None = None, **extra: Any) -> None:
        clash = RESERVED_MEMBERS.intersection(extra)
        if clash:
            raise TypeError(
                f"{type(self).__name__}() got reserved problem members: {', '.join(sorted(clash))}"
            )
        super().__init__(detail, code)
        self.extra = extra


class InvalidParameters(ValidationError):
    """A validation error about query-string parameters: each key is a parameter name.

    Its errors carry ``"parameter": "page_size"`` instead of a JSON Pointer into the body.
    """

    default_detail: StrOrPromise = _("Invalid query parameters.")


class BadRequest(Problem):
    """A request Django refused as suspicious (a bad Host, a malformed header ...)."""


class RequestTooLarge(Problem):
    """413: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's
    ``RequestDataTooBig``, turned into a problem by the exception handler)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail: StrOrPromise = _("The request body is larger than this server accepts.")
    title: StrOrPromise = _("Request body too large.")


class ServerError(APIException):
    """What clients see of an unhandled exception."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "server_error"
    default_detail: StrOrPromise = _("A server error occurred.")


class ServiceUnavailable(Problem):
    """A dependency (the database, the cache) is unreachable: retry later. Answered instead
    of a 500 or of a write that could be duplicated; the cause is logged, not sent."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail: StrOrPromise = _("A service this request needs is unavailable. Retry later.")
    title: StrOrPromise = _("Service unavailable.")
    # Seconds the client is told to wait (Retry-After).
    wait: float = 5


class ShortCircuit(Exception):
    """Answers a request with a response decided before the handler ran (a cached or
    replayed response); the exception handler returns it as it is."""

    def __init__(self, response: Any) -> None:
        super().__init__("short circuit")
        self.response = response
