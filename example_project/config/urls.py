from django.contrib import admin
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from tracker.views import ProjectViewSet, TaskViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet)
router.register("tasks", TaskViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("drf_apifirst.urls")),
    re_path(r"^api/(?P<version>v[0-9]+)/", include(router.urls)),
]
