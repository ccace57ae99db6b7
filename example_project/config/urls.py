from django.contrib import admin
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from tracker.health import LivenessView, ReadinessView
from tracker.views import (
    APIKeyViewSet,
    CommentViewSet,
    InvitationViewSet,
    LabelViewSet,
    MemberViewSet,
    MyInvitationViewSet,
    ProjectViewSet,
    TaskViewSet,
    WebhookEndpointViewSet,
)

router = SimpleRouter()
router.register("projects", ProjectViewSet)
router.register("tasks", TaskViewSet)
router.register("labels", LabelViewSet)
router.register("comments", CommentViewSet)
router.register("members", MemberViewSet)
router.register("invitations", InvitationViewSet)
router.register("me/invitations", MyInvitationViewSet, basename="my-invitation")
router.register("api-keys", APIKeyViewSet)
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", LivenessView.as_view(), name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("api/", include("drf_apifirst.urls")),
    re_path(r"^api/(?P<version>v[0-9]+)/", include(router.urls)),
]
