"""drf-apifirst: what a mature public API needs, on Django REST framework."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

# The system checks register themselves when imported. With "drf_apifirst" installed,
# AppConfig.ready() imports them; under manage.py (check, runserver, test, migrate)
# Django's check framework is loaded before the settings, so they are registered here
# too and drf_apifirst.E005 reports a missing INSTALLED_APPS entry. A plain
# `import drf_apifirst` (settings.py, a pytest plugin) stays light: no django.db.
if "django.core.checks" in sys.modules:
    from drf_apifirst import checks as _checks  # noqa: F401

__version__ = "0.1.0"

__all__ = ["__version__", "rest_framework_settings", "spectacular_settings"]


def rest_framework_settings(**overrides: Any) -> dict[str, Any]:
    """The recommended ``REST_FRAMEWORK`` dict; keyword arguments replace single keys.

    ``REST_FRAMEWORK = drf_apifirst.rest_framework_settings(PAGE_SIZE=20)``
    """
    from rest_framework.settings import DEFAULTS as DRF_DEFAULTS

    unknown = sorted(set(overrides) - set(DRF_DEFAULTS))
    if unknown:
        raise TypeError(
            f"rest_framework_settings() got keys that are not REST_FRAMEWORK settings: "
            f"{', '.join(unknown)}"
        )
    config: dict[str, Any] = {
        "EXCEPTION_HANDLER": "drf_apifirst.handlers.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "drf_apifirst.openapi.AutoSchema",
        # An API-first backend speaks JSON; add BrowsableAPIRenderer in development if wanted.
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["drf_apifirst.parsers.JSONParser"],
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "drf_apifirst.authentication.TokenAuthentication",
            "drf_apifirst.authentication.APIKeyAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.IsAuthenticated",
            "drf_apifirst.permissions.HasScope",
        ],
        "DEFAULT_THROTTLE_CLASSES": [
            "drf_apifirst.throttling.PrincipalRateThrottle",
            "drf_apifirst.throttling.ScopedRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100/minute",
            "user": "1000/minute",
            "api_key": "1000/minute",
            "login": "10/minute",
        },
        "DEFAULT_PAGINATION_CLASS": "drf_apifirst.pagination.PageNumberPagination",
        "PAGE_SIZE": 50,
        "DEFAULT_FILTER_BACKENDS": [
            *(
                ["drf_apifirst.filters.DjangoFilterBackend"]
                if importlib.util.find_spec("django_filters") is not None
                else []
            ),
            "drf_apifirst.filters.SearchFilter",
            "drf_apifirst.filters.OrderingFilter",
        ],
    }
    if importlib.util.find_spec("orjson") is not None:
        config["DEFAULT_RENDERER_CLASSES"] = ["drf_apifirst.renderers.ORJSONRenderer"]
    config.update(overrides)
    return config


def spectacular_settings(**overrides: Any) -> dict[str, Any]:
    """The recommended ``SPECTACULAR_SETTINGS``; keyword arguments replace single keys.

    Swagger UI and Redoc are served from drf-spectacular-sidecar (the ``[docs-ui]`` extra)
    when it is installed, so the docs pages load nothing from a CDN.
    """
    config: dict[str, Any] = {
        "TITLE": "API",
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        # Separate request and response components, so read-only fields are not
        # documented as accepted and write-only fields are not documented as returned.
        "COMPONENT_SPLIT_REQUEST": True,
        # The webhook log's enums by name, whatever the host's enums are called.
        "ENUM_NAME_OVERRIDES": {
            "WebhookDeliveryStateEnum": "drf_apifirst.webhooks.models.WebhookDelivery.Status",
            "WebhookAttemptResultEnum": "drf_apifirst.webhooks.models.WebhookAttempt.Result",
        },
        # Declared webhook event types in the document (drf_apifirst.webhooks); before the
        # enum hook, which then names their enums too.
        "POSTPROCESSING_HOOKS": [
            "drf_apifirst.webhooks.openapi.document_webhooks",
            "drf_spectacular.hooks.postprocess_schema_enums",
        ],
    }
    if importlib.util.find_spec("drf_spectacular_sidecar") is not None:
        config.update(
            SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR", REDOC_DIST="SIDECAR"
        )
    config.update(overrides)
    return config
