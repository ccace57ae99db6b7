"""drf-spectacular integration: the problem schema and the errors every operation can return.

``rest_framework_settings()`` sets ``DEFAULT_SCHEMA_CLASS`` to ``AutoSchema``; subclass it
and override ``get_problem_statuses`` to document more or fewer errors.
"""

from __future__ import annotations

import inspect
from http import HTTPStatus
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
)
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.versioning import URLPathVersioning

from drf_apifirst.compat import (
    is_list_view,
    map_serializer_without_extensions,
    paginator_of,
    response_for_code,
)
from drf_apifirst.permissions import HasScope, required_scope
from drf_apifirst.problems import PROBLEM_CONTENT_TYPE
from drf_apifirst.serializers import EXPAND_PARAM, FIELDS_PARAM, ApiModelSerializer
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "APIKeyAuthenticationScheme",
    "ApiModelSerializerExtension",
    "AutoSchema",
    "ProblemErrorSerializer",
    "ProblemSerializer",
    "TokenAuthenticationScheme",
]


class ProblemErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `required`.")
    detail = serializers.CharField(help_text="Human-readable message.")
    pointer = serializers.CharField(
        required=False,
        help_text="RFC 6901 JSON Pointer (URI fragment form) to the invalid member of the "
        "request body. Absent for errors about the body as a whole.",
    )
    parameter = serializers.CharField(
        required=False, help_text="The invalid query parameter, for query-string errors."
    )


class ProblemSerializer(serializers.Serializer):
    """Problem details for HTTP APIs (RFC 9457)."""

    type = serializers.CharField(
        help_text="URI of the docs of this kind of problem; `about:blank` when none."
    )
    title = serializers.CharField(help_text="Short summary of this kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong in this occurrence.")
    instance = serializers.CharField(help_text="The request path.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    request_id = serializers.CharField(help_text="The request's id, as in `X-Request-ID`.")
    # The metaclass moves declared fields off the class, so Serializer.errors is untouched.
    errors = ProblemErrorSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="Each invalid field or parameter (400 only)."
    )


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

LINK_HEADER = {
    "description": 'RFC 8288 links to the other pages: `<url>; rel="next", <url>; rel="prev"`.',
    "schema": {"type": "string"},
}


RATELIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": 'IETF RateLimit headers: each policy, e.g. `"user";q=1000;w=60`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Requests left and seconds to the reset, e.g. `"user";r=998;t=41`.',
        "schema": {"type": "string"},
    },
}

ETAG_HEADER = {
    "description": "The representation's ETag, for If-None-Match and If-Match.",
    "schema": {"type": "string"},
}


def _header(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string", **({"maxLength": 255} if name == "Idempotency-Key" else {})},
    }


def _lifecycle_headers_schema(lifecycle: Any) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if lifecycle.deprecated is not None:
        headers["Deprecation"] = {
            "description": "RFC 9745: when this was deprecated, `@<unix seconds>`.",
            "schema": {"type": "string", "example": f"@{int(lifecycle.deprecated.timestamp())}"},
        }
    if lifecycle.sunset is not None:
        headers["Sunset"] = {
            "description": "RFC 8594: when this stops working (HTTP-date); 410 afterwards.",
            "schema": {"type": "string"},
        }
    if lifecycle.link or lifecycle.sunset_link:
        headers["Link"] = {
            "description": 'Where to read about it: `<url>; rel="deprecation"`, `rel="sunset"`.',
            "schema": {"type": "string"},
        }
    return headers


def _names_parameter(name: str, choices: list[str], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": choices}},
    }


class AutoSchema(openapi.AutoSchema):
    """Adds the problem responses an operation can return to its ``responses``."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self.method == "GET":
            self._add_field_selection_parameters(operation)
            if is_list_view(self) and paginator_of(self) is not None:
                for status, response in operation.get("responses", {}).items():
                    if status.startswith("2"):
                        response.setdefault("headers", {})["Link"] = LINK_HEADER
        scope = self._required_scope()
        if scope:
            operation["x-required-scopes"] = [scope]
            note = f"Requires the scope `{scope}` (API keys; users per `USER_SCOPES`)."
            operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        responses = operation.setdefault("responses", {})
        for status in self.get_problem_statuses(operation):
            responses.setdefault(str(status), self._problem_response(status))
        for problem in self._action_problems():
            response = responses[str(problem.status_code)]
            response["description"] += f" (`{problem.default_code}`: {problem.default_detail})"
        self._document_safe_retries(operation, responses)
        if self.view.get_throttles():
            for status, response in responses.items():
                if status.startswith("2") or status == "429":
                    response.setdefault("headers", {}).update(RATELIMIT_HEADERS)
        lifecycle = self._lifecycle()
        if lifecycle is not None and lifecycle.is_deprecated:
            if lifecycle.sunset is not None:
                responses.setdefault("410", self._problem_response(410))
            for response in responses.values():
                response.setdefault("headers", {}).update(_lifecycle_headers_schema(lifecycle))
        return operation

    def _document_safe_retries(self, operation: dict[str, Any], responses: dict[str, Any]) -> None:
        """ETag / If-None-Match / If-Match and Idempotency-Key, where the view uses them."""
        from drf_apifirst.conditional import ConditionalRequestMixin
        from drf_apifirst.idempotency import IdempotencyMixin

        view = self.view
        parameters = operation.setdefault("parameters", [])
        detail = any(p.get("in") == "path" and p.get("name") != "version" for p in parameters)
        if isinstance(view, ConditionalRequestMixin) and detail:
            if self.method == "GET" and getattr(view, "action", None) == "retrieve":
                parameters.append(
                    _header("If-None-Match", "An ETag you have: 304 if it is current.")
                )
                responses.setdefault("304", {"description": "Not modified: your copy is current."})
                for status, response in responses.items():
                    if status == "200":
                        response.setdefault("headers", {})["ETag"] = ETAG_HEADER
            elif self.method in ("PUT", "PATCH", "DELETE"):
                required = view.if_match_required()
                parameters.append(
                    _header(
                        "If-Match", "The ETag you read: 412 if the object changed since.", required
                    )
                )
                responses.setdefault("412", self._problem_response(412))
                if required:
                    responses.setdefault("428", self._problem_response(428))
        if (
            isinstance(view, IdempotencyMixin)
            and view.idempotency
            and self.method in apifirst_settings.IDEMPOTENT_METHODS
        ):
            parameters.append(
                _header(
                    "Idempotency-Key",
                    "1-255 characters: a retry with the same key and body replays the first "
                    "response (`Idempotent-Replayed: true`), for 24 hours.",
                    view.idempotency == "required",
                )
            )
            responses.setdefault("409", self._problem_response(409))
            responses.setdefault("422", self._problem_response(422))
            responses.setdefault("400", self._problem_response(400))
        if not parameters:
            del operation["parameters"]

    def _lifecycle(self) -> Any:
        """The endpoint's lifecycle, else its version's — but only for an operation whose
        URL names the version (an unversioned path gets the default version at run time)."""
        from drf_apifirst.versioning import endpoint_lifecycle, version_lifecycle

        lifecycle = endpoint_lifecycle(self.view)
        if lifecycle is not None:
            return lifecycle
        versioning = getattr(self.view, "versioning_class", None)
        if (
            isinstance(versioning, type)
            and issubclass(versioning, URLPathVersioning)
            and f"(?P<{versioning.version_param}>" not in (self.path_regex or "")
        ):
            return None
        return version_lifecycle(getattr(self.view.request, "version", None))

    def is_deprecated(self) -> bool:
        lifecycle = self._lifecycle()
        return bool(super().is_deprecated() or (lifecycle is not None and lifecycle.is_deprecated))

    def is_excluded(self) -> bool:
        """Actions a version does not have (``action_versions``) are not in its document."""
        in_version = getattr(self.view, "action_in_version", None)
        if in_version is not None and not in_version(
            getattr(self.view, "action", None), getattr(self.view.request, "version", None)
        ):
            return True
        return bool(super().is_excluded())

    def get_description(self) -> str:  # type: ignore[override]
        """The view's or action's docstring, never one inherited from this library's base
        classes (host API docs must not describe ApiModelViewSet)."""
        description: str = super().get_description()
        for cls in type(self.view).__mro__[1:]:
            if (
                cls.__module__.startswith("drf_apifirst.")
                and cls.__doc__
                and description == inspect.cleandoc(cls.__doc__)
            ):
                return ""
        return description

    def _required_scope(self) -> str | None:
        if not any(isinstance(p, HasScope) for p in self.view.get_permissions()):
            return None
        return required_scope(type("Request", (), {"method": self.method})(), self.view)

    def get_paginated_name(self, serializer_name: str) -> str:
        """Distinct component names for distinct page shapes (spectacular has one name)."""
        from drf_apifirst.pagination import CursorPagination

        name: str = super().get_paginated_name(serializer_name)
        paginator = paginator_of(self)
        if isinstance(paginator, CursorPagination):
            return f"Cursor{name}"
        # Page-number and limit/offset pages have the same shape; count_mode says which one.
        if getattr(paginator, "count_mode", None) == "none":
            return f"{name}WithoutCount"
        return name

    def _add_field_selection_parameters(self, operation: dict[str, Any]) -> None:
        get_serializer_class = getattr(self.view, "get_serializer_class", None)
        try:
            serializer_class = get_serializer_class() if get_serializer_class else None
        except AssertionError:  # a view without a serializer
            return
        if not (
            isinstance(serializer_class, type) and issubclass(serializer_class, ApiModelSerializer)
        ):
            return
        parameters = operation.setdefault("parameters", [])
        if serializer_class.supports_sparse_fieldsets():
            names = [
                name for name, field in serializer_class().fields.items() if not field.write_only
            ]
            parameters.append(
                _names_parameter(
                    FIELDS_PARAM,
                    names,
                    "Comma-separated fields to return (sparse fieldset); all when absent.",
                )
            )
        expandable = list(serializer_class.expandable_fields())
        if expandable:
            parameters.append(
                _names_parameter(
                    EXPAND_PARAM,
                    expandable,
                    "Comma-separated related fields to return as nested objects.",
                )
            )

    def get_problem_statuses(self, operation: dict[str, Any]) -> list[int]:
        """The error statuses this operation documents, judged from the view and operation."""
        statuses = []
        parameters = operation.get("parameters", [])
        # A query or header parameter the operation declares can be sent invalid.
        has_query = any(p.get("in") in ("query", "header") for p in parameters)
        if "requestBody" in operation or self.method in _WRITE_METHODS or has_query:
            statuses.append(400)
        scoped = bool(
            getattr(self.view, "scopes", None) or getattr(self.view, "action_scopes", None)
        )
        permissions = [
            p
            for p in self.view.get_permissions()
            if not isinstance(p, AllowAny) and (scoped or not isinstance(p, HasScope))
        ]
        if permissions:
            if self.view.get_authenticators():
                statuses.append(401)
            statuses.append(403)
        versioning = getattr(self.view, "versioning_class", None)
        path_versioned = (
            isinstance(versioning, type)
            and issubclass(versioning, URLPathVersioning)
            and f"(?P<{versioning.version_param}>" in (self.path_regex or "")
        )
        paged = self.method == "GET" and is_list_view(self) and paginator_of(self) is not None
        if path_versioned or paged or any(p.get("in") == "path" for p in parameters):
            statuses.append(404)  # no such object or version, or a page past the end
        statuses += [405, 406]
        if "requestBody" in operation:
            statuses.append(415)
        if self.view.get_throttles():
            statuses.append(429)
        statuses.append(500)
        statuses += [problem.status_code for problem in self._action_problems()]
        return sorted(set(statuses))

    def _action_problems(self) -> list[Any]:
        """``action_problems = {"destroy": [LastAdmin]}`` on a view: the business-rule
        problems an action raises, documented under their status with their codes."""
        problems = getattr(self.view, "action_problems", None) or {}
        return list(problems.get(getattr(self.view, "action", None), ()))

    def _problem_response(self, status: int) -> dict[str, Any]:
        response = OpenApiResponse(
            response=ProblemSerializer, description=HTTPStatus(status).phrase
        )
        return response_for_code(self, response, str(status), [PROBLEM_CONTENT_TYPE])


class ApiModelSerializerExtension(OpenApiSerializerExtension):
    """Documents what ``?fields=`` and ``?expand=`` can make of a response.

    An expandable field is ``anyOf`` its plain form and the nested object. With sparse
    fieldsets on, a response may omit any field, so response components list no
    ``required`` properties (``Meta.sparse_fieldsets = False`` keeps them).
    """

    target_class = "drf_apifirst.serializers.ApiModelSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = map_serializer_without_extensions(auto_schema, self.target, direction)
        if direction != "response":
            return schema
        target_class = type(self.target)
        properties = schema.get("properties", {})
        for name, spec in target_class.expandable_fields().items():
            if name not in properties:
                continue
            serializer_class, options = spec if isinstance(spec, tuple) else (spec, {})
            component = auto_schema.resolve_serializer(serializer_class(), direction)
            expanded = (
                {"type": "array", "items": component.ref} if options.get("many") else component.ref
            )
            plain = properties[name]
            properties[name] = {
                "anyOf": [plain, expanded],
                "description": f"Expanded to the object with ?expand={name}.",
            }
        if target_class.supports_sparse_fieldsets():
            schema.pop("required", None)
        return schema


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "drf_apifirst.authentication.APIKeyAuthentication"
    name = "apiKeyAuth"
    match_subclasses = True

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        description = "An API key: `Authorization: Api-Key <key>`"
        if apifirst_settings.API_KEY_HEADER:
            description += f", or `{apifirst_settings.API_KEY_HEADER}: <key>`"
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": description + ".",
        }


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "drf_apifirst.authentication.TokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1  # over drf-spectacular's own knox extension

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from knox.settings import knox_settings

        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"A user token from the login endpoint: "
            f"`Authorization: {knox_settings.AUTH_HEADER_PREFIX} <token>`.",
        }
