"""URLs a host includes under its API prefix: the OpenAPI schema, docs pages and login.

    urlpatterns = [path("api/", include("drf_apifirst.urls")), ...]

gives ``/api/schema/`` (YAML, or JSON with ``?format=json``; ``?version=v1`` for a
version), ``/api/docs/`` (Swagger UI, with a version switch), ``/api/redoc/``, and
``/api/auth/login/``, ``/api/auth/logout/``, ``/api/auth/logout-all/`` (knox tokens).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from drf_apifirst.auth_views import LoginView, LogoutAllView, LogoutView
from drf_apifirst.schema_views import RedocView, SchemaView, SwaggerView

app_name = "drf_apifirst"

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="drf_apifirst:schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="drf_apifirst:schema"), name="redoc"),
    path("auth/login/", LoginView.as_view(), name="login"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="logout-all"),
]
