"""Test helpers for host projects, with any test runner (pytest or Django's own):

    from drf_apifirst.testing import assert_problem

    response = client.post("/api/v2/tasks/", {"title": "x"})
    assert_problem(response, status=403, code="insufficient_scope")

Helpers: ``assert_problem``, ``assert_constant_queries``, ``assert_response_matches_schema``.
The pytest fixtures are in ``drf_apifirst.pytest_plugin``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

__all__ = [
    "assert_constant_queries",
    "assert_problem",
    "assert_response_matches_schema",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"


def assert_problem(response: Any, *, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and code); returns its body."""
    assert response.status_code == status, (
        f"expected status {status}, got {response.status_code}: {response.content[:500]!r}"
    )
    content_type = response.get("Content-Type", "")
    assert content_type == PROBLEM_CONTENT_TYPE, f"not a problem: Content-Type {content_type!r}"
    body: dict[str, Any] = response.json()
    for member in ("type", "title", "status", "detail", "instance", "code", "request_id"):
        assert member in body, f"problem without {member!r}: {body}"
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, f"expected code {code!r}, got {body['code']!r}: {body}"
    return body


def assert_constant_queries(
    client: Any,
    url: str,
    *,
    page_sizes: Iterable[int] = (1, 50),
    params: Mapping[str, Any] | None = None,
    **extra: Any,
) -> int:
    """A list costs the same number of queries at every page size (after a warm-up);
    returns that number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sizes = list(page_sizes)
    client.get(url, {**(params or {}), "page_size": sizes[0]}, **extra)
    counts = {}
    for size in sizes:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {**(params or {}), "page_size": size}, **extra)
        assert response.status_code == 200, response.content[:500]
        counts[size] = len(captured)
    assert len(set(counts.values())) == 1, f"queries per page size: {counts}"
    return next(iter(counts.values()))


@lru_cache(maxsize=8)
def _document(version: str | None) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    document: dict[str, Any] = SchemaGenerator(api_version=version).get_schema(
        request=None, public=True
    )
    return document


def _drop_documents(**kwargs: Any) -> None:
    """A settings change (``override_settings``, a new URLconf) can change the document."""
    _document.cache_clear()


def _connect_document_cache() -> None:
    from django.core.signals import setting_changed

    setting_changed.connect(_drop_documents, dispatch_uid="drf_apifirst.testing.documents")


def _to_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: ``nullable`` becomes a type list, and an
    object with declared properties accepts no others (an undeclared field is an error)."""
    if isinstance(schema, list):
        return [_to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _to_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if schema.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        elif "$ref" in converted or "allOf" in converted or "anyOf" in converted:
            converted = {"anyOf": [converted, {"type": "null"}]}
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _template_regex(template: str) -> str:
    parts = re.split(r"(\{[^}]+\})", template)
    return "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"


def _operation(document: Mapping[str, Any], path: str, method: str) -> Any:
    for template, item in document.get("paths", {}).items():
        if re.match(_template_regex(template), path) and method in item:
            return item[method]
    return None


def assert_response_matches_schema(response: Any, *, version: str | None = None) -> None:
    """The response's status, content type and body are what the project's own OpenAPI
    document says for its operation (of ``version``, else the request's version)."""
    import jsonschema

    request = response.wsgi_request
    version = version or getattr(
        getattr(response, "renderer_context", {}).get("request"), "version", None
    )
    _connect_document_cache()
    document = _document(version)
    operation = _operation(document, request.path, request.method.lower())
    assert operation is not None, f"{request.method} {request.path} is not in the OpenAPI document"
    responses = operation.get("responses", {})
    status = str(response.status_code)
    assert status in responses, (
        f"{request.method} {request.path} answered {status}, documented: {sorted(responses)}"
    )
    content = responses[status].get("content")
    if not content:
        assert not response.content, f"{status} is documented without a body"
        return
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    assert content_type in content, (
        f"{content_type!r} not documented for {status}: {sorted(content)}"
    )
    schema = _to_json_schema(content[content_type].get("schema", {}))
    resolver_document = _to_json_schema(document)
    jsonschema.validate(
        response.json(),
        {**schema, "components": resolver_document.get("components", {})},
    )


# --- pytest fixtures ---
