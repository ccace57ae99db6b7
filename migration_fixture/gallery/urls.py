from django.urls import include, path
from rest_framework import routers

from photos import views

router = routers.DefaultRouter()
router.register("albums", views.AlbumViewSet)
router.register("photos", views.PhotoViewSet)
router.register("tags", views.TagViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api-auth/", include("rest_framework.urls")),
]
