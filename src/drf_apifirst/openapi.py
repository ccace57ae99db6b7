"""drf-spectacular integration: the problem schema and the errors every operation can return.

``rest_framework_settings()`` sets ``DEFAULT_SCHEMA_CLASS`` to ``AutoSchema``; subclass it
and override ``get_problem_statuses`` to document more or fewer errors.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.versioning import URLPathVersioning

from drf_apifirst.problems import PROBLEM_CONTENT_TYPE

__all__ = ["AutoSchema", "ProblemErrorSerializer", "ProblemSerializer"]


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


class AutoSchema(openapi.AutoSchema):
    """Adds the problem responses an operation can return to its ``responses``."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self.get_problem_statuses(operation):
            responses.setdefault(str(status), self._problem_response(status))
        return operation

    def get_problem_statuses(self, operation: dict[str, Any]) -> list[int]:
        """The error statuses this operation documents, judged from the view and operation."""
        statuses = []
        parameters = operation.get("parameters", [])
        has_query = any(p.get("in") == "query" for p in parameters)
        if "requestBody" in operation or self.method in _WRITE_METHODS or has_query:
            statuses.append(400)
        permissions = self.view.get_permissions()
        if permissions and not all(isinstance(p, AllowAny) for p in permissions):
            if self.view.get_authenticators():
                statuses.append(401)
            statuses.append(403)
        versioning = getattr(self.view, "versioning_class", None)
        path_versioned = isinstance(versioning, type) and issubclass(versioning, URLPathVersioning)
        if path_versioned or any(p.get("in") == "path" for p in parameters):
            statuses.append(404)
        statuses += [405, 406]
        if "requestBody" in operation:
            statuses.append(415)
        if self.view.get_throttles():
            statuses.append(429)
        statuses.append(500)
        return statuses

    def _problem_response(self, status: int) -> dict[str, Any]:
        response = OpenApiResponse(
            response=ProblemSerializer, description=HTTPStatus(status).phrase
        )
        result: dict[str, Any] = self._get_response_for_code(
            response, str(status), media_types=[PROBLEM_CONTENT_TYPE]
        )
        return result
