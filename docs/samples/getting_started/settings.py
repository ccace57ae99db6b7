# drf-apifirst: appended to the settings.py that startproject wrote.
import drf_apifirst

INSTALLED_APPS += [
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc without a CDN (the docs-ui extra)
    "drf_apifirst",
    "tasks",
]
MIDDLEWARE = [
    "drf_apifirst.middleware.RequestIdMiddleware",  # X-Request-ID on every response
    "drf_apifirst.middleware.ProblemMiddleware",  # Django's own errors as problems too
    *MIDDLEWARE,
]
REST_FRAMEWORK = drf_apifirst.rest_framework_settings()
SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(TITLE="Tasks API")
DRF_APIFIRST = {"ERROR_TYPE_BASE_URL": "https://example.com/errors/"}
