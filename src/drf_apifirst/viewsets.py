"""Base viewsets for host code: DRF's, with the library's defaults built in.

class TaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_classes = {"v1": TaskV1Serializer, "v2": TaskSerializer}
    filterset_fields = ["status", "project"]
    ordering_fields = ["created", "due"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rest_framework import mixins, viewsets

from drf_apifirst.caching import ResponseCacheMixin
from drf_apifirst.conditional import ConditionalRequestMixin
from drf_apifirst.exceptions import Problem
from drf_apifirst.idempotency import IdempotencyMixin
from drf_apifirst.mixins import (
    AuthSchemesMixin,
    FieldSelectionMixin,
    PermissionsByActionMixin,
    ResponseHeadersMixin,
    SerializerByActionMixin,
    StrictQueryParametersMixin,
    TenantScopedMixin,
    VersionLifecycleMixin,
)

__all__ = ["ApiGenericViewSet", "ApiModelViewSet", "ReadOnlyApiModelViewSet"]


class ApiGenericViewSet(
    ResponseHeadersMixin,
    IdempotencyMixin,
    ResponseCacheMixin,
    ConditionalRequestMixin,
    VersionLifecycleMixin,
    AuthSchemesMixin,
    StrictQueryParametersMixin,
    TenantScopedMixin,
    FieldSelectionMixin,
    PermissionsByActionMixin,
    SerializerByActionMixin,
    viewsets.GenericViewSet,
):
    """GenericViewSet with auth schemes by name, serializers and permissions per action,
    tenant scoping, field selection and query optimisation from the serializer, strict
    query parameters and RateLimit headers."""

    # The scope family HasScope requires ("tasks": tasks:read / tasks:write), and
    # per-action scopes that replace it ({"archive": "tasks:admin"}).
    scopes: str | None = None
    action_scopes: Mapping[str, str] = {}
    # The business-rule problems each action raises, for the OpenAPI document:
    # ``{"destroy": [LastAdmin]}`` (see drf_apifirst.openapi.AutoSchema).
    action_problems: Mapping[str, Sequence[type[Problem]]] = {}


# The library's mixins come first in the method resolution order, so their hooks
# (perform_create, ...) wrap DRF's.
class ReadOnlyApiModelViewSet(ApiGenericViewSet, mixins.RetrieveModelMixin, mixins.ListModelMixin):
    """``list`` and ``retrieve``."""


class ApiModelViewSet(
    ApiGenericViewSet,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
):
    """``list``, ``retrieve``, ``create``, ``update``, ``partial_update`` and ``destroy``."""
