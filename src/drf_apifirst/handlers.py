"""The DRF exception handler that turns every error of an API view into problem details.

Wired by ``drf_apifirst.rest_framework_settings()`` as ``EXCEPTION_HANDLER``.
"""

from __future__ import annotations

import math
import traceback
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.log import log_response
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from drf_apifirst.compat import http_request
from drf_apifirst.exceptions import (
    BadRequest,
    RequestTooLarge,
    ServerError,
    ServiceUnavailable,
    ShortCircuit,
)
from drf_apifirst.faults import is_database_unavailable
from drf_apifirst.problems import PROBLEM_CONTENT_TYPE, problem_from_exception

__all__ = ["exception_handler"]


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        # e.g. from Model.full_clean() in a service function.
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if is_database_unavailable(exc):
        # The database is unreachable or timed out: retry later, not a server bug (logged).
        return ServiceUnavailable()
    if isinstance(exc, SuspiciousOperation):
        # Django answers these 400 without details; so do we (they are logged by Django's
        # security loggers where raised).
        return BadRequest()
    return None


def _render_as_json(request: Any) -> None:
    """Make DRF render this request's problem as JSON, whatever the view renders.

    ``APIView.finalize_response`` renders the handler's response with the negotiated
    renderer: a problem from an HTML page (Swagger UI, Redoc) or the YAML schema view
    came out as a template's text or YAML, labelled ``application/problem+json``.
    """
    if not isinstance(request, Request):
        return
    renderer: BaseRenderer | None = getattr(request, "accepted_renderer", None)
    if isinstance(renderer, JSONRenderer) and (renderer.media_type or "").endswith("json"):
        return  # JSON already (the API's own renderer, ORJSONRenderer included)
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = PROBLEM_CONTENT_TYPE


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every exception raised in a DRF view, as an ``application/problem+json`` response.

    Unhandled exceptions become a 500 problem that hides the exception unless ``DEBUG``;
    they are still sent to ``got_request_exception`` (error reporters) and logged once,
    on the ``django.request`` logger like Django's own 500s. A database that cannot be
    reached (``OperationalError``, ``InterfaceError``) is a 503 ``service_unavailable``
    problem with ``Retry-After``, logged the same way.
    """
    if isinstance(exc, ShortCircuit):  # the base viewsets answer these themselves
        response: Response = exc.response
        return response
    request = context.get("request")
    django_request = http_request(request) if request is not None else None
    instance = django_request.path if django_request is not None else ""

    api_exc = _as_api_exception(exc)
    unhandled = api_exc is None
    if api_exc is None:
        signals.got_request_exception.send(sender=None, request=django_request)
        api_exc = ServerError(f"{type(exc).__name__}: {exc}" if settings.DEBUG else None)

    headers: dict[str, str] = {}
    auth_header = getattr(api_exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(api_exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))

    body = problem_from_exception(api_exc, instance)
    if unhandled and settings.DEBUG:
        body["traceback"] = traceback.format_exception(exc)
    set_rollback()
    _render_as_json(request)
    response = Response(
        body, status=api_exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )
    if unhandled or is_database_unavailable(exc):
        log_response(
            "Internal Server Error: %s" if unhandled else "Service Unavailable: %s",
            instance,
            response=response,
            request=django_request,
            exception=exc,
        )
    return response
