"""Base viewsets for host code: DRF's, with the library's behaviours composed in one
documented order.

    class TaskViewSet(ApiModelViewSet):
        queryset = Task.objects.all()
        serializer_classes = {"v1": TaskV1Serializer, "v2": TaskSerializer}
        filterset_fields = ["status", "project"]
        ordering_fields = ["created", "due"]

As in DRF, the action mixins come first and the generic viewset last
(``ApiModelViewSet(CreateModelMixin, ..., ApiGenericViewSet)``), and a behaviour never
defines an action: a viewset is routed exactly the actions it declares.

The request pipeline (docs/architecture.md), in order:

1. DRF's ``initial``: content negotiation; the version (``VersionLifecycleMixin``: 404 for
   an action the version lacks, lifecycle headers, 410 after the sunset); authentication;
   permissions (scopes, per-action permissions); throttles (RateLimit state).
2. ``check_query_parameters`` — strict parameters (400 for an unknown one on a list).
3. ``answer_from_cache`` — a response-cache hit ends the request here.
4. ``begin_idempotent_request`` — a replay ends it here; 409/422 refusals; the key's lock.
5. The action. ``get_object`` checks ``If-Match`` (412/428, row locked) and answers a
   cheap ``If-None-Match`` with 304; ``get_queryset`` is scoped to the tenant and trimmed
   to the field selection; ``serializer.save()`` gets ``get_save_kwargs()``.
6. ``finalize_response``: DRF's, then ``finalize_conditional`` (ETag, 304),
   ``finish_idempotent_request`` (keep the response, free the key), ``store_in_cache``
   (fill on a miss; Cache-Control, Vary), then the collected headers (RateLimit,
   Deprecation, Sunset, Link).

Short circuits (cache hits, replays, 304s) are answered by the view's own
``handle_exception``, so they work whatever ``EXCEPTION_HANDLER`` the host keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from drf_apifirst.authentication import AuthSchemesMixin
from drf_apifirst.caching import ResponseCacheMixin
from drf_apifirst.conditional import ConditionalRequestMixin
from drf_apifirst.context import write_collected_headers
from drf_apifirst.exceptions import Problem, ShortCircuit
from drf_apifirst.filters import StrictQueryParametersMixin
from drf_apifirst.idempotency import IdempotencyMixin
from drf_apifirst.permissions import PermissionsByActionMixin
from drf_apifirst.serializers import FieldSelectionMixin
from drf_apifirst.tenancy import TenantScopedMixin
from drf_apifirst.versioning import VersionLifecycleMixin

__all__ = [
    "ApiGenericViewSet",
    "ApiModelViewSet",
    "ReadOnlyApiModelViewSet",
    "RequestPipelineMixin",
    "SerializerByActionMixin",
]


class SerializerByActionMixin:
    """``serializer_classes`` picks the serializer by action and/or API version.

    Keys are tried in this order: ``(version, action)``, ``action``, ``version``; then
    ``serializer_class``. ``{"list": TaskListSerializer, "v1": TaskV1Serializer,
    ("v1", "create"): TaskV1CreateSerializer}``.
    """

    serializer_classes: Mapping[Any, type[BaseSerializer[Any]]] = {}

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        action = getattr(self, "action", None)
        request = getattr(self, "request", None)
        version = getattr(request, "version", None)
        for key in ((version, action), action, version):
            if key in self.serializer_classes:
                return self.serializer_classes[key]
        serializer_class: type[BaseSerializer[Any]] = super().get_serializer_class()  # type: ignore[misc]
        return serializer_class


# The model of a viewset: ``ApiModelViewSet[Task]`` types ``get_object()`` and friends,
# as DRF's stubs type ``GenericViewSet[Task]``.
_MT_co = TypeVar("_MT_co", bound=Model, covariant=True)


class RequestPipelineMixin(
    StrictQueryParametersMixin,
    ResponseCacheMixin,
    IdempotencyMixin,
    ConditionalRequestMixin,
):
    """Runs the behaviours' steps in the documented order (see the module docstring)."""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # After authentication, permissions and throttling: a 401 comes before a 400.
        self.check_query_parameters(request)
        self.answer_from_cache(request)
        self.begin_idempotent_request(request)

    def handle_exception(self, exc: Exception) -> Any:
        """A short circuit is an answer, not an error: the host's handler never sees it."""
        if isinstance(exc, ShortCircuit):
            return exc.response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        # DRF's own first.
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response = self.finalize_conditional(request, response)
        self.finish_idempotent_request(request, response)
        self.store_in_cache(request, response)
        write_collected_headers(request, response)
        return response


class ApiGenericViewSet(
    RequestPipelineMixin,
    VersionLifecycleMixin,
    AuthSchemesMixin,
    TenantScopedMixin,
    FieldSelectionMixin,
    PermissionsByActionMixin,
    SerializerByActionMixin,
    viewsets.GenericViewSet[_MT_co],
):
    """GenericViewSet with auth schemes by name, serializers and permissions per action,
    tenant scoping, field selection and query optimisation from the serializer, strict
    query parameters, response caching, idempotency, conditional requests and RateLimit
    headers. It declares no action: add DRF's action mixins before it."""

    # The scope family HasScope requires ("tasks": tasks:read / tasks:write), and
    # per-action scopes that replace it ({"archive": "tasks:admin"}).
    scopes: str | None = None
    action_scopes: Mapping[str, str] = {}
    # The business-rule problems each action raises, for the OpenAPI document:
    # ``{"destroy": [LastAdmin]}`` (see drf_apifirst.openapi.AutoSchema).
    action_problems: Mapping[str, Sequence[type[Problem]]] = {}


class ReadOnlyApiModelViewSet(
    mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiGenericViewSet[_MT_co]
):
    """``list`` and ``retrieve``."""


class ApiModelViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    ApiGenericViewSet[_MT_co],
):
    """``list``, ``retrieve``, ``create``, ``update``, ``partial_update`` and ``destroy``."""
