"""drf-spectacular integration: the problem schema and the errors every operation can return.

``rest_framework_settings()`` sets ``DEFAULT_SCHEMA_CLASS`` to ``AutoSchema``; subclass it
and override ``get_problem_statuses`` to document more or fewer errors.
"""

from __future__ import annotations

import inspect
import re
from http import HTTPStatus
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
)
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.versioning import URLPathVersioning

from drf_apifirst.compat import (
    is_list_view,
    map_serializer_without_extensions,
    paginator_of,
    response_for_code,
    serializer_component_name,
    tokenized_path,
)
from drf_apifirst.exceptions import ServerError, ServiceUnavailable
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


class ProblemErrorSerializer(serializers.Serializer[Any]):
    code: serializers.CharField = serializers.CharField(
        help_text="Stable machine-readable code, e.g. `required`."
    )
    detail: serializers.CharField = serializers.CharField(help_text="Human-readable message.")
    pointer: serializers.CharField = serializers.CharField(
        required=False,
        help_text="RFC 6901 JSON Pointer (URI fragment form) to the invalid member of the "
        "request body. Absent for errors about the body as a whole.",
    )
    parameter: serializers.CharField = serializers.CharField(
        required=False, help_text="The invalid query parameter, for query-string errors."
    )


class ProblemSerializer(serializers.Serializer[Any]):
    """Problem details for HTTP APIs (RFC 9457)."""

    type: serializers.CharField = serializers.CharField(
        help_text="URI of the docs of this kind of problem; `about:blank` when none."
    )
    title: serializers.CharField = serializers.CharField(
        help_text="Short summary of this kind of problem."
    )
    status: serializers.IntegerField = serializers.IntegerField(help_text="The HTTP status code.")
    detail: serializers.CharField = serializers.CharField(
        help_text="What went wrong in this occurrence."
    )
    instance = serializers.CharField(help_text="The request path.")
    code: serializers.CharField = serializers.CharField(
        help_text="Stable machine-readable code, e.g. `not_found`."
    )
    request_id: serializers.CharField = serializers.CharField(
        help_text="The request's id, as in `X-Request-ID`."
    )
    # The metaclass moves declared fields off the class, so Serializer.errors is untouched.
    errors = ProblemErrorSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="Each invalid field or parameter (400 only)."
    )


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

# The response headers the library sends, each a reusable component (components/headers).
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id: yours when it was a sane token, else a new one. "
        "Also in problem bodies (`request_id`) and the server's logs.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
    },
    "ETag": {
        "description": "The representation's ETag, for If-None-Match (304) and If-Match (412).",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` on a response replayed for a repeated Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "RateLimit-Policy": {
        "description": 'IETF RateLimit headers: each policy, e.g. `"user";q=1000;w=60`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Requests left and seconds to the reset, e.g. `"user";r=998;t=41`.',
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 links: the other pages of a list (`rel="next"`, '
        '`rel="prev"`) and, for a deprecated operation, `rel="deprecation"`/`rel="sunset"`.',
        "schema": {"type": "string"},
    },
    "Deprecation": {
        "description": "RFC 9745: when this was deprecated, `@<unix seconds>`.",
        "schema": {"type": "string", "pattern": "^@[0-9]+$"},
    },
    "Sunset": {
        "description": "RFC 8594: when this stops working (HTTP-date); 410 afterwards.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use (RFC 9110).",
        "schema": {"type": "string"},
    },
    "Allow": {
        "description": "The methods this URL accepts.",
        "schema": {"type": "string"},
    },
}

# An Idempotency-Key: 1-255 printable ASCII characters (no surrounding spaces, which
# HTTP strips), as IdempotencyMixin checks.
IDEMPOTENCY_KEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[!-~]([ -~]*[!-~])?$",
}


def _request_header(
    name: str, description: str, required: bool = False, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        # An empty If-Match / If-None-Match is the same as none (as the server reads it).
        "schema": schema or {"type": "string"},
    }


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


def _sends_request_ids() -> bool:
    """Whether ``RequestIdMiddleware`` (or a subclass) is installed."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from drf_apifirst.middleware import RequestIdMiddleware

    for path in getattr(settings, "MIDDLEWARE", None) or ():
        try:
            middleware = import_string(path)
        except ImportError:
            continue
        if isinstance(middleware, type) and issubclass(middleware, RequestIdMiddleware):
            return True
    return False


# Summaries of DRF's actions, for a viewset whose action has no docstring of its own.
_ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Get {a_singular}",
    "create": "Create {a_singular}",
    "update": "Replace {a_singular}",
    "partial_update": "Update {a_singular}",
    "destroy": "Delete {a_singular}",
}


# A fixed request id in examples, so an exported document is the same at every export.
EXAMPLE_REQUEST_ID = "2d1f6c0e9a5b4c1f8d3e7a6b5c4d3e2f"


def _member_example(spec: dict[str, Any]) -> Any:
    """A value for an extension member in an example body."""
    if spec.get("type") == "array":
        return ["v1", "v2"]
    if spec.get("type") == "integer":
        return 1
    return '"3f2a1c"'


def _component_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_")) + "Problem"


class AutoSchema(openapi.AutoSchema):
    """Adds what the library does to each operation: the problem responses it can return,
    the headers it sends, the parameters it reads with the constraints it enforces."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self.method == "GET":
            self._add_field_selection_parameters(operation)
            self._document_non_blank_filters(operation)
        if operation.get("security") == [{}]:
            # Only the empty requirement: no credentials at all. `[]` says so plainly
            # (generators read `[{}]` as "needs an authenticated client").
            operation["security"] = []
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
        etag_statuses = self._document_safe_retries(operation, responses)
        lifecycle = self._lifecycle()
        if lifecycle is not None and lifecycle.is_deprecated and lifecycle.sunset is not None:
            responses.setdefault("410", self._problem_response(410))
        self._document_response_headers(responses, etag_statuses)
        return operation

    def _header_ref(self, name: str) -> dict[str, str]:
        """The ``components/headers`` entry of a header the library sends."""
        request_id = name == apifirst_settings.REQUEST_ID_HEADER
        schema = dict(HEADERS["X-Request-ID" if request_id else name])
        if request_id:
            schema["required"] = True  # RequestIdMiddleware sets it on every response
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.HEADER, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def response_header_names(self, status: str, etag_statuses: frozenset[str]) -> list[str]:
        """The headers the library sends on this operation's response with ``status``."""
        from drf_apifirst.idempotency import is_kept_status

        view = self.view
        code = int(status) if status.isdigit() else 0
        success = 200 <= code < 300
        names = []
        if _sends_request_ids():
            names.append(apifirst_settings.REQUEST_ID_HEADER)
        paged = success and self.method == "GET" and is_list_view(self)
        if paged and getattr(paginator_of(self), "sends_link_header", False):
            names.append("Link")
        if view.get_throttles() and (success or code == 429):
            names += ["RateLimit-Policy", "RateLimit"]
        if code in (429, 503):
            names.append("Retry-After")
        if status in etag_statuses:
            names.append("ETag")
        if self._is_idempotent() and code < 500 and is_kept_status(code):
            names.append("Idempotent-Replayed")
        if code == 401:
            names.append("WWW-Authenticate")
        if code == 405:
            names.append("Allow")
        lifecycle = self._lifecycle()
        if lifecycle is not None and lifecycle.is_deprecated:
            if lifecycle.deprecated is not None:
                names.append("Deprecation")
            if lifecycle.sunset is not None:
                names.append("Sunset")
            if lifecycle.link or lifecycle.sunset_link:
                names.append("Link")
        return list(dict.fromkeys(names))

    def _document_response_headers(
        self, responses: dict[str, Any], etag_statuses: frozenset[str]
    ) -> None:
        for status, response in responses.items():
            names = self.response_header_names(status, etag_statuses)
            if names:
                headers = response.setdefault("headers", {})
                for name in names:
                    headers.setdefault(name, self._header_ref(name))

    def _is_idempotent(self) -> bool:
        from drf_apifirst.idempotency import IdempotencyMixin

        view = self.view
        return bool(
            isinstance(view, IdempotencyMixin)
            and view.idempotency
            and self.method in apifirst_settings.IDEMPOTENT_METHODS
        )

    def _document_safe_retries(
        self, operation: dict[str, Any], responses: dict[str, Any]
    ) -> frozenset[str]:
        """ETag / If-None-Match / If-Match and Idempotency-Key, where the view uses them.
        Returns the statuses whose responses carry an ``ETag``."""
        from drf_apifirst.conditional import ConditionalRequestMixin

        view = self.view
        etag_statuses: frozenset[str] = frozenset()
        parameters = operation.setdefault("parameters", [])
        detail = any(p.get("in") == "path" and p.get("name") != "version" for p in parameters)
        if isinstance(view, ConditionalRequestMixin) and detail:
            if self.method == "GET" and getattr(view, "action", None) == "retrieve":
                parameters.append(
                    _request_header("If-None-Match", "An ETag you have: 304 if it is current.")
                )
                responses.setdefault("304", {"description": "Not modified: your copy is current."})
                etag_statuses = frozenset({"200", "304"})
            elif self.method in ("PUT", "PATCH", "DELETE"):
                required = view.if_match_required()
                parameters.append(
                    _request_header(
                        "If-Match", "The ETag you read: 412 if the object changed since.", required
                    )
                )
                responses.setdefault("412", self._problem_response(412))
                if required:
                    responses.setdefault("428", self._problem_response(428))
                if self.method != "DELETE":
                    etag_statuses = frozenset({"200"})
        if self._is_idempotent():
            parameters.append(
                _request_header(
                    "Idempotency-Key",
                    "1-255 printable ASCII characters: a retry with the same key and body "
                    "replays the first response (`Idempotent-Replayed: true`), for 24 hours.",
                    getattr(view, "idempotency", None) == "required",
                    IDEMPOTENCY_KEY_SCHEMA,
                )
            )
            responses.setdefault("409", self._problem_response(409))
            responses.setdefault("422", self._problem_response(422))
            responses.setdefault("400", self._problem_response(400))
        if not parameters:
            del operation["parameters"]
        return etag_statuses

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
        if _is_library_doc(type(self.view), description):
            return ""
        return description

    def get_summary(self) -> str | None:
        """The first sentence of the action's own docstring; else one made from the action
        and the model ("List tasks", "Update a task"); else the view docstring's."""
        summary = super().get_summary()
        if summary:
            return summary
        view = self.view
        handler = getattr(view, getattr(view, "action", None) or self.method.lower(), None)
        function = getattr(handler, "__func__", handler)
        own = function is not None and not str(getattr(function, "__module__", "")).startswith(
            ("drf_apifirst.", "rest_framework.", "knox.")
        )
        doc = inspect.getdoc(function) if own else None
        if not doc and getattr(view, "action", None) not in _ACTION_SUMMARIES:
            doc = self.get_description()
        if doc:
            paragraph = " ".join(doc.split("\n\n", 1)[0].split())
            return paragraph.split(". ", 1)[0].rstrip(".")[:120]
        return self._default_summary()

    def _default_summary(self) -> str:
        view = self.view
        action = getattr(view, "action", None)
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is not None:
            singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        else:
            name = re.sub(r"(View|ViewSet|APIView)$", "", type(view).__name__)
            singular = plural = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower() or "resource"
        if action in _ACTION_SUMMARIES:
            article = "an" if singular[:1].lower() in "aeiou" else "a"
            return _ACTION_SUMMARIES[action].format(
                a_singular=f"{article} {singular}", plural=plural
            )
        if action:
            return f"{action.replace('_', ' ').capitalize()} ({singular})"
        verb = {"GET": "Get", "POST": "Post to", "PUT": "Replace", "PATCH": "Update"}
        return f"{verb.get(self.method, self.method.capitalize())} {singular}"

    def get_tags(self) -> list[str]:
        """The router prefix (``tasks`` of ``/api/v2/tasks/{id}/``), not the version."""
        version = getattr(self.view.request, "version", None)
        tokens = [
            token
            for token in tokenized_path(self)
            if token != version and not (token.startswith("{") or token == "version")
        ]
        return tokens[:1] or list(super().get_tags())

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

    def _document_non_blank_filters(self, operation: dict[str, Any]) -> None:
        """A string filter of ``DjangoFilterBackend`` takes a character that is not a space:
        under ``STRICT_QUERY_PARAMETERS`` a blank one (``?label=``, ``?label=%20``) is a
        400 ``blank`` problem, not a filter left out."""
        from drf_apifirst import filters

        backend_class = getattr(filters, "DjangoFilterBackend", None)
        if backend_class is None or not apifirst_settings.STRICT_QUERY_PARAMETERS:
            return
        names: set[str] = set()
        for backend in getattr(self.view, "filter_backends", None) or ():
            if isinstance(backend, type) and issubclass(backend, backend_class):
                try:
                    names |= backend().blank_refused_parameter_names(self.view)
                except Exception:  # a get_queryset that needs a real request: no change
                    continue
        for parameter in operation.get("parameters", []):
            plain_string = parameter.get("schema") == {"type": "string"}
            if parameter.get("in") == "query" and parameter.get("name") in names and plain_string:
                parameter["schema"] = {"type": "string", "pattern": "\\S"}

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
        # The database out of reach (any view), the idempotency store down (a request with
        # an Idempotency-Key), a throttle that fails closed: retry after Retry-After.
        statuses.append(503)
        statuses += [problem.status_code for problem in self._action_problems()]
        return sorted(set(statuses))

    def _action_problems(self) -> list[Any]:
        """``action_problems = {"destroy": [LastAdmin]}`` on a view: the business-rule
        problems an action raises, documented under their status with their codes. A view
        without actions (an ``APIView``) names its handlers: ``{"post": [...]}``."""
        problems = getattr(self.view, "action_problems", None) or {}
        action = getattr(self.view, "action", None) or self.method.lower()
        return list(problems.get(action, ()))

    def problem_classes(self, status: int) -> tuple[list[Any], bool]:
        """The problems with extension members this operation can answer ``status`` with,
        and whether they are the only problems it can answer it with."""
        from drf_apifirst.conditional import PreconditionFailed
        from drf_apifirst.versioning import UnknownVersion

        classes = [
            problem
            for problem in self._action_problems()
            if problem.status_code == status and problem.extension_members
        ]
        if status == 412:
            return [PreconditionFailed, *classes], True
        versioning = getattr(self.view, "versioning_class", None)
        if (
            status == 404
            and isinstance(versioning, type)
            and issubclass(versioning, URLPathVersioning)
            and f"(?P<{versioning.version_param}>" in (self.path_regex or "")
        ):
            classes.insert(0, UnknownVersion)
        return classes, False

    def _problem_schema(self, problem: Any) -> dict[str, str]:
        """``<Code>Problem``: ``allOf`` the Problem and the members this problem adds."""
        base = self.resolve_serializer(ProblemSerializer, "response").ref
        members = dict(problem.extension_members)
        component = ResolvedComponent(
            name=_component_name(problem.default_code),
            type=ResolvedComponent.SCHEMA,
            object=problem,
            schema={
                "allOf": [
                    base,
                    {"type": "object", "properties": members, "required": sorted(members)},
                ],
                "description": f"The `{problem.default_code}` problem: {problem.default_detail}",
            },
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _problem_response(self, status: int) -> dict[str, Any]:
        response = OpenApiResponse(
            response=ProblemSerializer, description=HTTPStatus(status).phrase
        )
        result = response_for_code(self, response, str(status), [PROBLEM_CONTENT_TYPE])
        classes, only = self.problem_classes(status)
        if classes:
            refs = [self._problem_schema(problem) for problem in classes]
            if not only:
                refs.append(self.resolve_serializer(ProblemSerializer, "response").ref)
            media = result["content"][PROBLEM_CONTENT_TYPE]
            media["schema"] = refs[0] if len(refs) == 1 else {"anyOf": refs}
        result["content"][PROBLEM_CONTENT_TYPE]["examples"] = {
            body["code"]: self._example_ref(body) for body in self.problem_examples(status)
        }
        return result

    def _example_ref(self, body: dict[str, Any]) -> dict[str, str]:
        """A problem example as a ``components/examples`` entry, shared by every response
        with that code (``validation_error`` of a query is ``validation_error_parameters``)."""
        errors = body.get("errors") or [{}]
        about_parameters = "parameter" in errors[0]
        name = "_".join((body["code"], "parameters")) if about_parameters else body["code"]
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.EXAMPLE,
            object=name,
            schema={"summary": body["title"], "value": body},
        )
        self.registry.register_on_missing(component)
        return component.ref

    def problem_examples(self, status: int) -> list[dict[str, Any]]:
        """Example bodies of the problems this operation can answer ``status`` with."""
        from drf_apifirst.problems import problem_from_exception

        path = re.sub(r"\{[^}]+\}", "1", self.path)
        return [
            {**problem_from_exception(exc, path), "request_id": EXAMPLE_REQUEST_ID}
            for exc in self._example_exceptions(status)
        ]

    def _example_exceptions(self, status: int) -> list[Any]:
        from rest_framework import exceptions

        from drf_apifirst.conditional import PreconditionFailed, PreconditionRequired
        from drf_apifirst.exceptions import InvalidParameters
        from drf_apifirst.idempotency import IdempotencyKeyInUse, IdempotencyKeyMismatch
        from drf_apifirst.versioning import VersionSunset

        found: list[Any] = [
            problem(
                **{name: _member_example(spec) for name, spec in problem.extension_members.items()}
            )
            for problem in self.problem_classes(status)[0] + self._action_problems()
            if problem.status_code == status
        ]
        by_status: dict[int, Any] = {
            400: (
                exceptions.ValidationError({"title": ["This field is required."]})
                if self.method in _WRITE_METHODS
                else InvalidParameters({"page_size": ["Must be a whole number from 1 up."]})
            ),
            401: exceptions.NotAuthenticated(),
            403: exceptions.PermissionDenied(),
            404: exceptions.NotFound(),
            405: exceptions.MethodNotAllowed("TRACE"),
            406: exceptions.NotAcceptable(),
            409: IdempotencyKeyInUse(),
            410: VersionSunset(),
            412: PreconditionFailed(current_etag='"3f2a1c"'),
            415: exceptions.UnsupportedMediaType("text/plain"),
            422: IdempotencyKeyMismatch(),
            428: PreconditionRequired(),
            429: exceptions.Throttled(wait=30),
            500: ServerError(),
            503: ServiceUnavailable(),
        }
        general = by_status.get(status)
        codes = {getattr(exc, "default_code", None) for exc in found}
        if general is not None and getattr(general, "default_code", None) not in codes:
            found.append(general)
        return found


def _is_library_doc(cls: type, description: str) -> bool:
    """Whether ``description`` is the docstring of one of this library's classes that
    ``cls`` inherits (drf-spectacular falls back to base classes' docstrings)."""
    return any(
        base.__module__.startswith("drf_apifirst.")
        and base.__doc__
        and description == inspect.cleandoc(base.__doc__)
        for base in cls.__mro__[1:]
    )


class ApiModelSerializerExtension(OpenApiSerializerExtension):
    """Documents what ``?fields=`` and ``?expand=`` can make of a response.

    A response component lists every field it returns as ``required`` (nullable where
    nullable): what a create, an update or a serializer without sparse fieldsets returns
    is complete. A GET that accepts ``?fields=`` may leave any field out, so its body is
    ``<Name>Partial``, the same properties with none required. An expandable field is
    ``anyOf`` its plain form and the nested object.
    """

    target_class: str = "drf_apifirst.serializers.ApiModelSerializer"
    match_subclasses = True

    def _is_partial(self, auto_schema: Any, direction: Any) -> bool:
        """A response of a GET whose ``?fields=`` applies to this (top-level) serializer."""
        serializer = self.target
        parent = getattr(serializer, "parent", None)
        top_level = parent is None or (
            isinstance(parent, serializers.ListSerializer) and parent.parent is None
        )
        return bool(
            direction == "response"
            and getattr(auto_schema, "method", None) == "GET"
            and top_level
            and not getattr(serializer, "is_expansion", False)
            and type(serializer).supports_sparse_fieldsets()
        )

    def get_name(self, auto_schema: Any, direction: Any) -> str | None:
        if not self._is_partial(auto_schema, direction):
            return None
        return f"{serializer_component_name(auto_schema, self.target, direction)}Partial"

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = map_serializer_without_extensions(auto_schema, self.target, direction)
        target_class = type(self.target)
        if _is_library_doc(target_class, schema.get("description", "")):
            del schema["description"]  # ApiModelSerializer's, inherited by drf-spectacular
        if direction != "response":
            return schema
        properties = schema.get("properties", {})
        for name, spec in target_class.expandable_fields().items():
            if name not in properties:
                continue
            serializer_class, options = spec if isinstance(spec, tuple) else (spec, {})
            nested = serializer_class()
            nested.is_expansion = True  # the object ?expand= nests: all of it
            component = auto_schema.resolve_serializer(nested, direction)
            expanded = (
                {"type": "array", "items": component.ref} if options.get("many") else component.ref
            )
            plain = properties[name]
            properties[name] = {
                "anyOf": [plain, expanded],
                "description": f"Expanded to the object with ?expand={name}.",
            }
        if self._is_partial(auto_schema, direction):
            schema.pop("required", None)
            schema["description"] = (
                f"{schema.get('description', '')}\n\nThe fields `?fields=` selected (all "
                "when absent)."
            ).strip()
        elif properties:
            schema["required"] = sorted(properties)
        return schema


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class: str = "drf_apifirst.authentication.APIKeyAuthentication"
    name: str = "apiKeyAuth"
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
    target_class: str = "drf_apifirst.authentication.TokenAuthentication"
    # Not drf-spectacular's "tokenAuth", which names DRF's own TokenAuthentication: a host
    # keeping both gets two schemes, each described by its class.
    name: str = "knoxTokenAuth"
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
