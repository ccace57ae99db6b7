"""Every private name of Django, DRF and drf-spectacular the library relies on, in one place.

A dependency may rename what it does not document in any release, so each use is here,
with the versions it was checked against, and ``tests/test_compat.py`` pins its behaviour:
an upgrade that breaks one fails that test, not a host's request. Nothing outside this
module touches an underscore name of a dependency (``tests/test_compat.py`` greps for it).
Where a public API does the job, it is used instead (knox's token cleanup is replaced by a
public ``authenticate_credentials``; DRF's ``_MediaType`` by Django's
``parse_header_parameters``; ``_writable_fields`` by the serializer's ``fields``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

__all__ = [
    "declared_fields",
    "http_request",
    "is_list_view",
    "map_serializer_without_extensions",
    "mark_response_logged",
    "paginator_of",
    "prefetched_relations",
    "response_for_code",
    "response_was_logged",
]


# --- Django (checked: 5.2, 6.0, 6.1) ---


def response_was_logged(response: Any) -> bool:
    """Whether ``django.utils.log.log_response`` already logged this response.

    Django marks it with ``response._has_been_logged`` so it logs an error response once.
    """
    return bool(getattr(response, "_has_been_logged", False))


def mark_response_logged(response: Any) -> None:
    """Tell ``log_response`` this response was logged (a replacement of a logged one)."""
    response._has_been_logged = True


def prefetched_relations(instance: Any) -> Any:
    """The names of the relations ``prefetch_related`` already loaded on ``instance``.

    Django keeps them in ``instance._prefetched_objects_cache`` (a dict by name).
    """
    return getattr(instance, "_prefetched_objects_cache", ())


# --- Django REST framework (checked: 3.16, 3.17, 3.18) ---


def http_request(request: Any) -> HttpRequest:
    """The Django ``HttpRequest`` under a DRF ``Request`` (DRF keeps it as ``_request``);
    a Django request is returned as it is."""
    inner = getattr(request, "_request", None)
    return inner if isinstance(inner, HttpRequest) else request


def declared_fields(serializer_class: type) -> dict[str, Any]:
    """The fields declared on a serializer class (DRF's metaclass moves them to
    ``_declared_fields``), without instantiating it."""
    return dict(getattr(serializer_class, "_declared_fields", {}))


# --- drf-spectacular (checked: 0.28, 0.29, 0.30) ---


def is_list_view(auto_schema: Any) -> bool:
    """Whether the operation returns a list (``AutoSchema._is_list_view``)."""
    return bool(auto_schema._is_list_view())


def paginator_of(auto_schema: Any) -> Any:
    """The paginator of a list operation, or None (``AutoSchema._get_paginator``)."""
    return auto_schema._get_paginator()


def response_for_code(
    auto_schema: Any, response: Any, status: str, media_types: list[str]
) -> dict[str, Any]:
    """One documented response (``AutoSchema._get_response_for_code``)."""
    result: dict[str, Any] = auto_schema._get_response_for_code(
        response, status, media_types=media_types
    )
    return result


def map_serializer_without_extensions(
    auto_schema: Any, serializer: Any, direction: Any
) -> dict[str, Any]:
    """A serializer's schema as drf-spectacular builds it, skipping serializer extensions
    (``AutoSchema._map_serializer(..., bypass_extensions=True)``, the way drf-spectacular's
    docs tell an extension to start from the default)."""
    schema: dict[str, Any] = auto_schema._map_serializer(
        serializer, direction, bypass_extensions=True
    )
    return schema


def serializer_component_name(auto_schema: Any, serializer: Any, direction: Any) -> str:
    """The component name drf-spectacular gives a serializer, skipping serializer
    extensions (``AutoSchema._get_serializer_name(..., bypass_extensions=True)``)."""
    name: str = auto_schema._get_serializer_name(serializer, direction, bypass_extensions=True)
    return name


def tokenized_path(auto_schema: Any) -> list[str]:
    """The operation's path after the schema prefix, split at ``/``, path parameters
    dropped (``AutoSchema._tokenize_path``)."""
    return list(auto_schema._tokenize_path())
