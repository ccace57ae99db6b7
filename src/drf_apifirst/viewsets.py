"""Base viewsets for host code: DRF's, with the library's defaults built in.

class TaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_classes = {"v1": TaskV1Serializer, "v2": TaskSerializer}
    filterset_fields = ["status", "project"]
    ordering_fields = ["created", "due"]
"""

from __future__ import annotations

from rest_framework import mixins, viewsets

from drf_apifirst.mixins import (
    FieldSelectionMixin,
    PermissionsByActionMixin,
    SerializerByActionMixin,
    StrictQueryParametersMixin,
)

__all__ = ["ApiGenericViewSet", "ApiModelViewSet", "ReadOnlyApiModelViewSet"]


class ApiGenericViewSet(
    StrictQueryParametersMixin,
    FieldSelectionMixin,
    PermissionsByActionMixin,
    SerializerByActionMixin,
    viewsets.GenericViewSet,
):
    """GenericViewSet with serializers and permissions per action, field selection and
    query optimisation from the serializer, and strict query parameters."""


class ReadOnlyApiModelViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiGenericViewSet):
    """``list`` and ``retrieve``."""


class ApiModelViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    ApiGenericViewSet,
):
    """``list``, ``retrieve``, ``create``, ``update``, ``partial_update`` and ``destroy``."""
