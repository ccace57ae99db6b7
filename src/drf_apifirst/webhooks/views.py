"""``WebhookEndpointViewSet``: the API a host mounts so its users manage their endpoints.

    router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

Endpoints belong to the request's tenant (``TENANT_RESOLVER``): another tenant's endpoint
is a 404. Reading needs ``webhooks:read``; everything else ``webhooks:admin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from drf_apifirst.viewsets import ApiModelViewSet
from drf_apifirst.webhooks.delivery import redeliver
from drf_apifirst.webhooks.events import send_test_event
from drf_apifirst.webhooks.models import WebhookDelivery, WebhookEndpoint
from drf_apifirst.webhooks.serializers import (
    RotateSecretSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
)

__all__ = ["WebhookEndpointViewSet"]

ADMIN_SCOPE = "webhooks:admin"


class WebhookEndpointViewSet(ApiModelViewSet[WebhookEndpoint]):
    """Webhook endpoints of the caller's tenant, their delivery log, test events,
    redelivery and secret rotation."""

    queryset: QuerySet[WebhookEndpoint] = WebhookEndpoint.objects.all()
    serializer_class: type[BaseSerializer[Any]] = WebhookEndpointSerializer
    serializer_classes: Mapping[Any, type[BaseSerializer[Any]]] = {
        "create": WebhookEndpointSecretSerializer,
        "rotate_secret": RotateSecretSerializer,
        "deliveries": WebhookDeliverySerializer,
        "redeliver": WebhookDeliverySerializer,
        "test": WebhookDeliverySerializer,
    }
    scopes: str | None = "webhooks"
    action_scopes: Mapping[str, str] = {
        name: ADMIN_SCOPE
        for name in (
            "create",
            "update",
            "partial_update",
            "destroy",
            "rotate_secret",
            "test",
            "redeliver",
        )
    }

    def get_tenant_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        owned: QuerySet[Any] = queryset.filter(
            pk__in=WebhookEndpoint.objects.owned_by(self.get_tenant())
        )
        return owned

    def perform_create(self, serializer: Any) -> None:
        serializer.save(owner=self.get_tenant())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.get_tenant() is None:
            raise NotFound()  # nobody to own it: as if the collection did not exist
        return super().create(request, *args, **kwargs)

    @extend_schema(request=RotateSecretSerializer, responses=RotateSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new signing secret; the old one keeps signing for ``overlap_seconds``."""
        endpoint = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        overlap = timedelta(seconds=serializer.validated_data["overlap_seconds"])
        secret = endpoint.rotate_secret(overlap=overlap)
        body = {"secret": secret, "previous_secret_expires": endpoint.previous_secret_expires}
        return Response(self.get_serializer(body).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send the ``webhook.test`` event to this endpoint now."""
        endpoint = self.get_object()
        message = send_test_event(endpoint)
        delivery = message.deliveries.get()
        return Response(self.get_serializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    def delivery_queryset(self, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
        deliveries: QuerySet[WebhookDelivery] = (
            endpoint.deliveries.select_related("message")
            .prefetch_related("attempts")
            .order_by("-created", "-id")
        )
        return deliveries

    @extend_schema(responses=WebhookDeliverySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The delivery log of this endpoint, newest first, with every attempt."""
        queryset = self.delivery_queryset(self.get_object())
        # DRF's stubs tie paginate_queryset to the viewset's model; this action pages another.
        page = self.paginate_queryset(queryset)  # type: ignore[arg-type]
        if page is not None:
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return Response(self.get_serializer(queryset, many=True).data)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver",
    )
    def redeliver(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send this delivery's message again (same ``webhook-id``), as a new delivery."""
        endpoint = self.get_object()
        try:
            delivery = endpoint.deliveries.select_related("message").get(
                pk=int(kwargs["delivery_id"])
            )
        except WebhookDelivery.DoesNotExist:
            raise NotFound() from None
        again = redeliver(delivery)
        return Response(self.get_serializer(again).data, status=status.HTTP_202_ACCEPTED)
