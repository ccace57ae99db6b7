"""Building RFC 9457 problem detail bodies; shared by the exception handler and middleware."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.settings import api_settings

from drf_apifirst.exceptions import ServerError
from drf_apifirst.request_id import generate_request_id, get_request_id
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "build_problem",
    "flatten_errors",
    "is_api_path",
    "json_pointer",
    "problem_response",
    "problem_title",
    "status_problem",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_title(exc: exceptions.APIException | type[exceptions.APIException]) -> str:
    """The short, stable title of a kind of problem: its ``title``, else its
    ``default_detail`` — unless that is a template DRF fills per request
    (``Method "{method}" not allowed.``), which would show its placeholder: then the
    HTTP reason phrase (``Method Not Allowed.``)."""
    title = getattr(exc, "title", None)
    if title:
        return str(title)
    detail = str(exc.default_detail)
    if "{" in detail:
        return f"{_phrase(exc.status_code)}."
    return detail


# Bare statuses (URLs DRF never sees) take the code and title of DRF's exception for them.
_STATUS_EXCEPTIONS: dict[int, type[exceptions.APIException]] = {
    exc.status_code: exc
    for exc in (
        exceptions.NotAuthenticated,
        exceptions.PermissionDenied,
        exceptions.NotFound,
        exceptions.MethodNotAllowed,
        exceptions.NotAcceptable,
        exceptions.UnsupportedMediaType,
        exceptions.Throttled,
        ServerError,
    )
}
_STATUS_PROBLEMS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _("Bad request.")),
    413: ("request_too_large", _("Request body too large.")),
}


def status_problem(status: int) -> tuple[str, str]:
    """The ``(code, title)`` of a problem known only by its HTTP status."""
    if status in _STATUS_EXCEPTIONS:
        exc = _STATUS_EXCEPTIONS[status]
        return exc.default_code, problem_title(exc)
    if status in _STATUS_PROBLEMS:
        code, title = _STATUS_PROBLEMS[status]
        return code, str(title)
    phrase = _phrase(status)
    return phrase.lower().replace(" ", "_").replace("-", "_"), f"{phrase}."


def is_api_path(path: str) -> bool:
    """Whether ``path`` is under one of ``DRF_APIFIRST["API_PREFIXES"]``: where the
    middleware answers Django's own 404/405/500 with problems too."""
    return path.startswith(tuple(apifirst_settings.API_PREFIXES))


def problem_type(code: str) -> str:
    base = apifirst_settings.ERROR_TYPE_BASE_URL
    return f"{base}{code}" if base else "about:blank"


def json_pointer(path: Sequence[str | int]) -> str:
    """An RFC 6901 JSON Pointer in URI fragment form (section 6): ``#/items/3/sku``."""
    tokens = (str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return "#" + "".join("/" + quote(token, safe="~!$&'()*+,;=:@") for token in tokens)


def flatten_errors(detail: Any, *, parameters: bool = False) -> list[dict[str, Any]]:
    """DRF's nested error structure as a flat list of ``{code, detail, pointer}`` items.

    Field errors point into the request body; ``non_field_errors`` point at the object
    they belong to (and have no pointer at the top level). With ``parameters=True`` the
    first key names a query parameter instead.
    """
    non_field_keys = {api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS}
    errors: list[dict[str, Any]] = []

    def add(message: Any, path: list[str | int]) -> None:
        item: dict[str, Any] = {"code": getattr(message, "code", None) or "invalid"}
        item["detail"] = str(message)
        if path:
            if parameters:
                item["parameter"] = str(path[0])
            else:
                item["pointer"] = json_pointer(path)
        errors.append(item)

    def walk(node: Any, path: list[str | int]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, path if key in non_field_keys else [*path, key])
        elif isinstance(node, (list, tuple)):
            for index, item in enumerate(node):
                if isinstance(item, (Mapping, list, tuple)):
                    walk(item, [*path, index])  # ListSerializer items, nested lists
                else:
                    add(item, path)  # several errors of one field
        else:
            add(node, path)

    walk(detail, [])
    return errors


def _validation_summary(errors: list[dict[str, Any]], parameters: bool) -> str:
    locations = {e.get("pointer") or e.get("parameter") for e in errors} - {None}
    if not locations:
        return str(errors[0]["detail"]) if errors else str(_("Invalid input."))
    if parameters:
        if len(locations) == 1:
            return str(_("1 query parameter is invalid."))
        return str(_("%d query parameters are invalid.") % len(locations))
    if len(locations) == 1:
        return str(_("1 field is invalid."))
    return str(_("%d fields are invalid.") % len(locations))


def build_problem(
    *,
    status: int,
    code: str,
    title: Any,
    detail: Any,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": str(title),
        "status": status,
        "detail": str(detail),
        "instance": instance,
        "code": code,
        "request_id": get_request_id() or generate_request_id(),
    }
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def problem_from_exception(exc: exceptions.APIException, instance: str) -> dict[str, Any]:
    """The body for a DRF exception (after Django's exceptions were mapped to DRF's)."""
    title = problem_title(exc)
    extra = getattr(exc, "extra", None)
    if isinstance(exc, exceptions.ValidationError):
        from drf_apifirst.exceptions import InvalidParameters

        parameters = isinstance(exc, InvalidParameters)
        errors = flatten_errors(exc.detail, parameters=parameters)
        return build_problem(
            status=exc.status_code,
            code="validation_error",
            title=title,
            detail=_validation_summary(errors, parameters),
            instance=instance,
            errors=errors,
            extra=extra,
        )
    if isinstance(exc.detail, (Mapping, list)):
        errors = flatten_errors(exc.detail)
        return build_problem(
            status=exc.status_code,
            code=exc.default_code,
            title=title,
            detail=errors[0]["detail"] if len(errors) == 1 else title,
            instance=instance,
            errors=errors,
            extra=extra,
        )
    return build_problem(
        status=exc.status_code,
        code=getattr(exc.detail, "code", None) or exc.default_code,
        title=title,
        detail=exc.detail,
        instance=instance,
        extra=extra,
    )


def problem_response(
    body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A plain Django response for a problem body (for code outside DRF views)."""
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
