"""Middleware: request ids on every response, and problem details for every API error.

    MIDDLEWARE = [
        "drf_apifirst.middleware.RequestIdMiddleware",
        "drf_apifirst.middleware.ProblemMiddleware",
        ...
    ]

Both work under WSGI and ASGI.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.http.response import HttpResponseRedirectBase
from django.urls import is_valid_path
from django.utils.http import escape_leading_slashes
from django.utils.log import log_response
from rest_framework.exceptions import MethodNotAllowed

from drf_apifirst.compat import mark_response_logged, response_was_logged
from drf_apifirst.exceptions import ServiceUnavailable
from drf_apifirst.faults import is_database_unavailable
from drf_apifirst.problems import (
    build_problem,
    is_api_path,
    problem_from_exception,
    problem_response,
    status_problem,
)
from drf_apifirst.request_id import _current, is_valid_request_id
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "HttpResponsePermanentRedirectKeepMethod",
    "ProblemMiddleware",
    "RequestIdMiddleware",
]

GetResponse = Callable[[HttpRequest], Any]

# Headers of the original error response that a problem keeps.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary")


class _Middleware:
    """Sync and async capable; subclasses write ``before`` and ``after``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        early = self.answer_early(request)
        if early is not None:
            return early
        state = self.before(request)
        try:
            response = self.get_response(request)
            return self.after(request, response)
        finally:
            self.finish(state)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        early = self.answer_early(request)
        if early is not None:
            return early
        state = self.before(request)
        try:
            response = await self.get_response(request)
            return self.after(request, response)
        finally:
            self.finish(state)

    def answer_early(self, request: HttpRequest) -> HttpResponseBase | None:
        """A response that makes calling the view pointless, or ``None``."""
        return None

    def before(self, request: HttpRequest) -> Any:
        return None

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        return response

    def finish(self, state: Any) -> None:
        pass


class RequestIdMiddleware(_Middleware):
    """Keeps a sane client ``X-Request-ID`` (at most 128 of ``[A-Za-z0-9._-]``), else makes one.

    The id is ``request.request_id``, echoed on the response, put in problem bodies and on
    log records (``drf_apifirst.logging.RequestIdFilter``).
    """

    def before(self, request: HttpRequest) -> Any:
        header = apifirst_settings.REQUEST_ID_HEADER
        incoming = request.headers.get(header)
        request_id = (
            incoming if is_valid_request_id(incoming) else apifirst_settings.REQUEST_ID_GENERATOR()
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        return _current.set(request_id)

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response[apifirst_settings.REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        return response

    def finish(self, state: Any) -> None:
        _current.reset(state)


def _is_json(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class HttpResponsePermanentRedirectKeepMethod(HttpResponseRedirectBase):
    """308 Permanent Redirect: unlike a 301, the client repeats the method and the body."""

    status_code = 308


# Methods that lose nothing by Django's 301; any other is answered with a 308, because a
# client may follow a 301 with a GET and drop the body (RFC 9110 section 15.4.2).
_METHODS_DJANGO_REDIRECTS = frozenset({"GET", "HEAD"})


class ProblemMiddleware(_Middleware):
    """Turns error responses under ``API_PREFIXES`` that are not JSON into problems.

    It catches what DRF's exception handler never sees: unknown URLs (404), methods a
    plain Django view refuses (405), CSRF failures, oversized bodies, Django's 500 page.
    Pages outside the API prefixes keep Django's HTML.

    A plain Django view under the API prefixes that raises ``OperationalError`` or
    ``InterfaceError`` (the database is unreachable) gets the 503 ``service_unavailable``
    problem DRF views get, with ``Retry-After``.

    Under ``APPEND_SLASH`` it also answers an unsafe method (``POST``, ``PUT``, ``PATCH``,
    ``DELETE`` ...) to an API URL that exists only with a trailing slash with a 308 to it.
    Django's ``CommonMiddleware`` would answer a 301 (which clients follow with a GET,
    losing the body) or, under ``DEBUG``, raise a ``RuntimeError`` (a 500).
    """

    def answer_early(self, request: HttpRequest) -> HttpResponseBase | None:
        if (
            request.method in _METHODS_DJANGO_REDIRECTS
            or not settings.APPEND_SLASH
            or request.path_info.endswith("/")
            or not is_api_path(request.path)
        ):
            return None
        urlconf = getattr(request, "urlconf", None)
        if is_valid_path(request.path_info, urlconf):
            return None
        match = is_valid_path(f"{request.path_info}/", urlconf)
        if not match or not getattr(match.func, "should_append_slash", True):
            return None
        location = escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return HttpResponsePermanentRedirectKeepMethod(location)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """Django's hook for exceptions from the view: only a database that is down."""
        if not (is_database_unavailable(exception) and is_api_path(request.path)):
            return None
        unavailable = ServiceUnavailable()
        body = problem_from_exception(unavailable, request.path)
        response = problem_response(body, {"Retry-After": str(math.ceil(unavailable.wait))})
        log_response(
            "Service Unavailable: %s",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            response.status_code < 400
            or response.streaming
            or _is_json(response)
            or not is_api_path(request.path)
        ):
            return response
        code, title = status_problem(response.status_code)
        detail = title
        if response.status_code == 405:
            detail = str(MethodNotAllowed(request.method or "").detail)
        body = build_problem(
            status=response.status_code,
            code=code,
            title=title,
            detail=detail,
            instance=request.path,
        )
        headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
        problem = problem_response(body, headers)
        # Django logs an error response once; the one it already logged (a 500 with its
        # traceback, a 404) must not be logged again, without its request id, on the way out.
        if response_was_logged(response):
            mark_response_logged(problem)
        return problem
