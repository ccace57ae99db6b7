from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from tracker.views import ProjectViewSet, TaskViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet)
router.register("tasks", TaskViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("drf_apifirst.urls")),
    path("api/", include(router.urls)),
]
