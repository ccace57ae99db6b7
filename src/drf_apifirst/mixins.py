"""The behaviours the base viewsets are built from; mix them into your own GenericAPIViews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.serializers import BaseSerializer

from drf_apifirst import versioning
from drf_apifirst.exceptions import InvalidParameters
from drf_apifirst.serializers import ApiModelSerializer, query_plan
from drf_apifirst.settings import apifirst_settings
from drf_apifirst.tenancy import get_tenant
from drf_apifirst.throttling import ratelimit_headers
from drf_apifirst.versioning import (
    Lifecycle,
    VersionSunset,
    endpoint_lifecycle,
    lifecycle_headers,
    version_lifecycle,
)

__all__ = [
    "AuthSchemesMixin",
    "FieldSelectionMixin",
    "PermissionsByActionMixin",
    "ResponseHeadersMixin",
    "SerializerByActionMixin",
    "StrictQueryParametersMixin",
    "TenantScopedMixin",
    "VersionLifecycleMixin",
    "add_response_headers",
    "pending_response_headers",
]

FIELDS_PARAM = "fields"
EXPAND_PARAM = "expand"


class SerializerByActionMixin:
    """``serializer_classes`` picks the serializer by action and/or API version.

    Keys are tried in this order: ``(version, action)``, ``action``, ``version``; then
    ``serializer_class``. ``{"list": TaskListSerializer, "v1": TaskV1Serializer,
    ("v1", "create"): TaskV1CreateSerializer}``.
    """

    serializer_classes: Mapping[Any, type[BaseSerializer]] = {}

    def get_serializer_class(self) -> type[BaseSerializer]:
        action = getattr(self, "action", None)
        request = getattr(self, "request", None)
        version = getattr(request, "version", None)
        for key in ((version, action), action, version):
            if key in self.serializer_classes:
                return self.serializer_classes[key]
        serializer_class: type[BaseSerializer] = super().get_serializer_class()  # type: ignore[misc]
        return serializer_class


class PermissionsByActionMixin:
    """``permission_classes_by_action = {"destroy": [IsAdminUser]}`` replaces
    ``permission_classes`` for the actions it names."""

    permission_classes_by_action: Mapping[str, Sequence[type[BasePermission]]] = {}

    def get_permissions(self) -> list[BasePermission]:
        classes = self.permission_classes_by_action.get(getattr(self, "action", None) or "")
        if classes is None:
            permissions: list[BasePermission] = super().get_permissions()  # type: ignore[misc]
            return permissions
        return [permission() for permission in classes]


def add_response_headers(request: Any, headers: Mapping[str, str]) -> None:
    """Headers for the response of this request, written by ``ResponseHeadersMixin``."""
    django_request = getattr(request, "_request", request)
    django_request.__dict__.setdefault("_apifirst_response_headers", {}).update(headers)


def pending_response_headers(request: Any) -> dict[str, str]:
    django_request = getattr(request, "_request", request)
    return dict(django_request.__dict__.get("_apifirst_response_headers", {}))


def _names(request: Any, param: str) -> tuple[str, ...] | None:
    raw = request.query_params.get(param)
    if raw is None:
        return None
    names = tuple(sorted({name.strip() for name in raw.split(",") if name.strip()}))
    if not names:
        raise InvalidParameters({param: [_("Name at least one field.")]})
    return names


class FieldSelectionMixin:
    """``?fields=id,title`` and ``?expand=assignee`` on safe requests, for an
    ``ApiModelSerializer``, with ``select_related``/``prefetch_related``/``only`` to match.
    """

    def _field_selection(
        self, serializer_class: type[ApiModelSerializer]
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        cached = self.__dict__.get("_apifirst_field_selection")
        if cached is None:
            request = self.request  # type: ignore[attr-defined]
            if not hasattr(request, "query_params"):  # e.g. schema generation
                return None, ()
            fields = _names(request, FIELDS_PARAM)
            if fields is not None and not serializer_class.supports_sparse_fieldsets():
                raise InvalidParameters({FIELDS_PARAM: [_("This endpoint returns all fields.")]})
            cached = (fields, _names(request, EXPAND_PARAM) or ())
            self.__dict__["_apifirst_field_selection"] = cached
        return cached

    def _selecting_serializer(self) -> type[ApiModelSerializer] | None:
        request = getattr(self, "request", None)
        if request is None or request.method not in SAFE_METHODS:
            return None
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        return serializer_class if issubclass(serializer_class, ApiModelSerializer) else None

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer:
        serializer_class = self._selecting_serializer()
        if serializer_class is not None:
            fields, expand = self._field_selection(serializer_class)
            kwargs.setdefault("fields", fields)
            kwargs.setdefault("expand", expand)
        serializer: BaseSerializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return serializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        serializer_class = self._selecting_serializer()
        if serializer_class is not None and isinstance(queryset, QuerySet):
            fields, expand = self._field_selection(serializer_class)
            queryset = query_plan(serializer_class, fields, expand).apply(queryset)
        return queryset


class StrictQueryParametersMixin:
    """A list request with a query parameter the view does not document is a 400 problem:
    a typo in a filter name must not silently return everything.

    Allowed: what the filter backends and paginator document, ``fields``/``expand`` for an
    ``ApiModelSerializer``, ``format``, and ``extra_query_parameters``.
    """

    # None: DRF_APIFIRST["STRICT_QUERY_PARAMETERS"].
    strict_query_parameters: bool | None = None
    # Other names this view reads from the query string itself.
    extra_query_parameters: Sequence[str] = ()

    def allowed_query_parameters(self) -> set[str]:
        view: Any = self
        names = {"format", *self.extra_query_parameters}
        for backend_class in view.filter_backends:
            backend = backend_class()
            if hasattr(backend, "query_parameter_names"):
                names.update(backend.query_parameter_names(view))
            elif hasattr(backend, "get_schema_operation_parameters"):
                names.update(p["name"] for p in backend.get_schema_operation_parameters(view))
        paginator = view.paginator
        if paginator is not None:
            names.update(p["name"] for p in paginator.get_schema_operation_parameters(view))
        if issubclass(view.get_serializer_class(), ApiModelSerializer):
            names.update((FIELDS_PARAM, EXPAND_PARAM))
        versioning = view.versioning_class
        if versioning is not None and hasattr(versioning, "version_param"):
            names.add(versioning.version_param)
        return names

    def check_query_parameters(self, request: Any) -> None:
        strict = self.strict_query_parameters
        if strict is None:
            strict = apifirst_settings.STRICT_QUERY_PARAMETERS
        if not strict or not request.query_params:
            return
        unknown = sorted(set(request.query_params) - self.allowed_query_parameters())
        if unknown:
            raise InvalidParameters({name: [_("Unknown query parameter.")] for name in unknown})

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        # After authentication, permissions and throttling: a 401 comes before a 400.
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, "action", None) == "list":
            self.check_query_parameters(request)


class AuthSchemesMixin:
    """``auth = ("token", "api_key")`` picks the authentication schemes by name.

    Names: ``token`` (knox), ``api_key``, ``session``, ``basic``; ``None`` keeps
    ``authentication_classes`` (the ``DEFAULT_AUTHENTICATION_CLASSES``).
    """

    auth: Sequence[str] | None = None

    AUTH_SCHEMES: Mapping[str, str] = {
        "token": "drf_apifirst.authentication.TokenAuthentication",
        "api_key": "drf_apifirst.authentication.APIKeyAuthentication",
        "session": "rest_framework.authentication.SessionAuthentication",
        "basic": "rest_framework.authentication.BasicAuthentication",
    }

    def get_authenticators(self) -> list[Any]:
        if self.auth is None:
            authenticators: list[Any] = super().get_authenticators()  # type: ignore[misc]
            return authenticators
        unknown = [name for name in self.auth if name not in self.AUTH_SCHEMES]
        if unknown:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.auth names unknown schemes {unknown}; "
                f"choose from {sorted(self.AUTH_SCHEMES)}."
            )
        return [import_string(self.AUTH_SCHEMES[name])() for name in self.auth]


class TenantScopedMixin:
    """Filters every queryset to the request's tenant and stamps it on writes.

    ``tenant_field`` is the lookup from the model to the tenant (``"organization"``,
    ``"project__organization"``); the tenant comes from ``TENANT_RESOLVER``. Another
    tenant's object is then a 404, and a request with no tenant sees nothing.
    """

    tenant_field: str | None = None

    def get_tenant(self) -> Any:
        return get_tenant(self.request)  # type: ignore[attr-defined]

    def get_tenant_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Override to scope differently (e.g. by owner for some roles)."""
        if self.tenant_field is None:
            return queryset
        tenant = self.get_tenant()
        if tenant is None:
            return queryset.none()
        return queryset.filter(**{self.tenant_field: tenant})

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        return self.get_tenant_queryset(queryset)

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        if self.tenant_field is not None:
            context["tenant"] = self.get_tenant()
        return context

    def _tenant_save_kwargs(self) -> dict[str, Any]:
        if self.tenant_field is None or "__" in self.tenant_field:
            return {}
        return {self.tenant_field: self.get_tenant()}

    def perform_create(self, serializer: Any) -> None:
        serializer.save(**self._tenant_save_kwargs())

    def perform_update(self, serializer: Any) -> None:
        serializer.save(**self._tenant_save_kwargs())


class VersionLifecycleMixin:
    """Per-version actions, deprecated endpoints and sunsets (``drf_apifirst.versioning``).

    ``action_versions = {"archive": ("v2", None)}``: the action exists from v2 on (inclusive)
    and until a version if given; elsewhere it is a 404. ``@deprecate(...)`` on the viewset
    or an action, or a deprecated version in ``VERSIONS``, adds the lifecycle headers;
    after the sunset the request is a 410 problem (``AFTER_SUNSET = "gone"``).
    """

    action_versions: Mapping[str, tuple[str | None, str | None]] = {}

    def action_in_version(self, action: str | None, version: str | None) -> bool:
        span = self.action_versions.get(action or "")
        if span is None or version is None:
            return True
        order = list(apifirst_settings.VERSIONS)
        if version not in order:
            return True
        since, until = span
        position = order.index(version)
        if since is not None and position < order.index(since):
            return False
        return not (until is not None and position > order.index(until))

    def get_lifecycle(self) -> Lifecycle | None:
        """The endpoint's own lifecycle (action, then viewset), else its version's."""
        version = getattr(self.request, "version", None)  # type: ignore[attr-defined]
        return endpoint_lifecycle(self) or version_lifecycle(version)

    def determine_version(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        version, scheme = super().determine_version(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular generating a schema
            return version, scheme
        if not self.action_in_version(getattr(self, "action", None), version):
            raise NotFound()
        request.version = version
        lifecycle = self.get_lifecycle()
        if lifecycle is not None and lifecycle.is_deprecated:
            add_response_headers(request, lifecycle_headers(lifecycle))
            if (
                lifecycle.is_past_sunset(versioning.now())
                and apifirst_settings.AFTER_SUNSET == "gone"
            ):
                raise VersionSunset()
        return version, scheme


class ResponseHeadersMixin:
    """Writes the headers the request collected: RateLimit (throttles) and Deprecation,
    Sunset, Link (version lifecycle). ``Link`` values are appended to any already set."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        headers = {**ratelimit_headers(request), **pending_response_headers(request)}
        for name, value in headers.items():
            if name == "Link" and response.has_header("Link"):
                value = f"{response['Link']}, {value}"
            response[name] = value
        return response
