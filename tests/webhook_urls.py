"""URLs of tests/test_webhooks.py: the endpoint API as a host mounts it."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from drf_apifirst.webhooks.views import WebhookEndpointViewSet

router = SimpleRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [
    path("api/", include("drf_apifirst.urls")),
    path("api/", include(router.urls)),
]
