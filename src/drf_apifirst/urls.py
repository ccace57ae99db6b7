"""URLs a host includes under its API prefix: the OpenAPI schema and the docs pages.

    urlpatterns = [path("api/", include("drf_apifirst.urls")), ...]

gives ``/api/schema/`` (YAML, or JSON with ``?format=json``), ``/api/docs/`` (Swagger UI),
``/api/redoc/``, and ``/api/auth/login/``, ``/api/auth/logout/``, ``/api/auth/logout-all/``
(knox tokens).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from drf_apifirst.views import LoginView, LogoutAllView, LogoutView

app_name = "drf_apifirst"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="drf_apifirst:schema"), name="swagger-ui"
    ),
    path("redoc/", SpectacularRedocView.as_view(url_name="drf_apifirst:schema"), name="redoc"),
    path("auth/login/", LoginView.as_view(), name="login"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="logout-all"),
]
