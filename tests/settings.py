"""Settings for the library's own test suite."""

import os
import tempfile

import drf_apifirst

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_apifirst",
    "django_tasks_db",
    "tests.testapp",
]

MIDDLEWARE = [
    "drf_apifirst.middleware.RequestIdMiddleware",
    "drf_apifirst.middleware.ProblemMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "tests.urls"

# A file, not :memory:, so threads in the concurrency tests share one database; IMMEDIATE
# transactions so concurrent writers queue for the lock instead of failing.
_SQLITE = os.path.join(tempfile.gettempdir(), f"drf-apifirst-tests-{os.getpid()}.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _SQLITE,
        "TEST": {"NAME": _SQLITE},
        "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
    }
}
if os.environ.get("DATABASE_URL"):  # the postgres tox env
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}

# A worker process a test starts (tests/test_webhooks.py) uses the test database.
if os.environ.get("DRF_APIFIRST_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["DRF_APIFIRST_TEST_DB_NAME"]

# Webhook deliveries (drf_apifirst.webhooks) go through django-tasks-db's queue; the tests
# run its worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_CACHE_URL"],
        }
        if os.environ.get("TEST_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

STATIC_URL = "/static/"

REST_FRAMEWORK = drf_apifirst.rest_framework_settings(
    DEFAULT_AUTHENTICATION_CLASSES=[
        "rest_framework.authentication.BasicAuthentication",
        "drf_apifirst.authentication.TokenAuthentication",
        "drf_apifirst.authentication.APIKeyAuthentication",
    ],
    DEFAULT_PERMISSION_CLASSES=[
        "rest_framework.permissions.AllowAny",
        "drf_apifirst.permissions.HasScope",
    ],
    DEFAULT_VERSIONING_CLASS="drf_apifirst.versioning.URLPathVersioning",
)
SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(TITLE="drf-apifirst tests")

DRF_APIFIRST = {
    "ERROR_TYPE_BASE_URL": "https://docs.example.com/errors/",
    "VERSIONS": {
        "v1": {
            "deprecated": "2026-01-01",
            "sunset": "2099-12-31",
            "link": "https://docs.example.com/migrate-to-v2",
        },
        "v2": {},
    },
    "DEFAULT_VERSION": "v2",
}

# The webhook worker process of tests/test_webhooks.py: a receiver on loopback, short
# timeouts (a killed worker's claim runs out in 2 * 3 + 5 seconds).
if os.environ.get("DRF_APIFIRST_TEST_WEBHOOK_WORKER"):
    DRF_APIFIRST.update(PUBLIC_URL_ALLOWED_NETWORKS=["127.0.0.0/8"], WEBHOOK_TIMEOUT=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "drf_apifirst.logging.RequestIdFilter"}},
    "loggers": {"django.request": {"filters": ["request_id"], "level": "INFO"}},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
