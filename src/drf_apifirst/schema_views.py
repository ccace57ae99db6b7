"""The OpenAPI document and docs pages, one per API version."""

from __future__ import annotations

import threading
from typing import Any

from django.http import HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response

# Registers the library's drf-spectacular extensions before any document is generated.
from drf_apifirst import openapi as _openapi  # noqa: F401
from drf_apifirst.settings import apifirst_settings
from drf_apifirst.versioning import UnknownVersion

__all__ = ["RedocView", "SchemaView", "SwaggerView", "requested_version"]

# drf-spectacular's generator keeps state in class attributes (extension loading,
# GENERATOR_STATS): two threads generating at once can crash one of them
# (tfranzel/drf-spectacular#1122, #1123, #1368). One generation at a time per process.
_generation_lock = threading.Lock()


def requested_version(request: Request) -> str | None:
    """``?version=``, checked against ``VERSIONS``; the default version without it."""
    versions = list(apifirst_settings.VERSIONS)
    version = request.query_params.get("version")
    if version is None:
        default: str | None = apifirst_settings.DEFAULT_VERSION
        return default
    if versions and version not in versions:
        raise UnknownVersion(
            f"Unknown API version '{version}'. Versions: {', '.join(versions)}.",
            versions=versions,
        )
    return version


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the default version's document; ``?version=v1`` another's."""

    versioning_class: None = None
    schema: None = None  # not part of the API it describes
    # The version whose document this request asked for (set by get()).
    api_version: str | None

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.api_version = requested_version(request)
        with _generation_lock:
            # spectacular's view is unannotated (untyped_calls_exclude misses super() calls).
            response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        return response


class _VersionedDocsMixin:
    versioning_class: Any = None
    schema: Any = None  # docs pages are not part of the API

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """The methods this page allows, as Django's ``View.options`` answers: an HTML page
        has no DRF metadata, and rendering some through its template was a 500."""
        response = HttpResponse()
        response["Allow"] = ", ".join(self.allowed_methods)  # type: ignore[attr-defined]
        response["Content-Length"] = "0"
        return response

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """drf-spectacular's page, pointed at the requested version's document (its
        template context names the document ``schema_url``)."""
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[misc]
        version = requested_version(request)
        url = response.data.get("schema_url")
        if version and isinstance(url, str) and "version=" not in url:
            response.data["schema_url"] = url + ("&" if "?" in url else "?") + f"version={version}"
        return response


class SwaggerView(_VersionedDocsMixin, SpectacularSwaggerView):
    """Swagger UI for ``?version=``, with links to every version's page."""

    template_name = "drf_apifirst/swagger_ui.html"

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        current = requested_version(request)
        response.data["versions"] = [
            {
                "name": name,
                "url": f"?version={name}",
                "current": name == current,
                "deprecated": bool(config.get("deprecated") or config.get("sunset")),
            }
            for name, config in reversed(list(apifirst_settings.VERSIONS.items()))
        ]
        return response


class RedocView(_VersionedDocsMixin, SpectacularRedocView):
    """Redoc for ``?version=`` (the default version without it), with no web fonts from a
    CDN (drf-spectacular's page loads Google Fonts)."""

    template_name = "drf_apifirst/redoc.html"
