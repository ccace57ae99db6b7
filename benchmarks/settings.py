"""Django settings for the benchmark: one project serving all four implementations."""

import drf_apifirst

SECRET_KEY = "benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"  # every stack writes UTC, so all four answer the same JSON
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "drf_spectacular",
    "drf_apifirst",
    "benchmarks.benchapp",
]
# The library's middleware serve every implementation alike, as in one real project.
MIDDLEWARE = [
    "drf_apifirst.middleware.RequestIdMiddleware",
    "drf_apifirst.middleware.ProblemMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "benchmarks.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous access everywhere, so the comparison measures serving, not auth.
REST_FRAMEWORK = drf_apifirst.rest_framework_settings(
    DEFAULT_AUTHENTICATION_CLASSES=[],
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.AllowAny"],
    UNAUTHENTICATED_USER=None,
    # Throttling stays on, as by default, with limits the benchmark never reaches.
    DEFAULT_THROTTLE_RATES={
        "anon": "100000000/minute",
        "user": "100000000/minute",
        "api_key": "100000000/minute",
    },
)
DRF_APIFIRST = {"MAX_PAGE_SIZE": 100}
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 100
