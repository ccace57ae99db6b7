from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tasks.views import TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("drf_apifirst.urls")),  # /api/schema/, /api/docs/, /api/auth/...
    path("api/", include(router.urls)),
]
