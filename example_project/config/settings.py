"""Settings of the example project, read from the environment (12-factor).

Without any variables it runs on SQLite and the local-memory cache with DEBUG on.
In production set DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

import drf_apifirst

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1 or 0).")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY when DEBUG=0.")
    SECRET_KEY = "django-insecure-example-project-only"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_apifirst",
    "django_tasks_db",
    "tracker",
]

MIDDLEWARE = [
    "drf_apifirst.middleware.RequestIdMiddleware",
    "drf_apifirst.middleware.ProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --8<-- [start:database]
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing; If-Match checks stay atomic.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
else:
    # A connection PostgreSQL dropped (a restart) is replaced at the next request instead
    # of failing it; connecting and each statement are bounded, so a database that hangs
    # answers 503 problems instead of holding every worker.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    _statement_ms = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "5000"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
        # A query the network stops carrying fails after this long (libpq, milliseconds).
        tcp_user_timeout=_statement_ms,
        options=" ".join(
            (
                f"-c statement_timeout={_statement_ms}",
                # The server's side of the same connection. A client that gave up on a
                # silent link (above) sends nothing more, and its session would sit "idle
                # in transaction" holding its row locks (an Idempotency-Key's among them)
                # until the server noticed: after the link is back, retries of that key
                # would wait for the lock and fail. Keepalives find the vanished client
                # in seconds; an idle transaction ends after twice the statement timeout.
                f"-c idle_in_transaction_session_timeout={2 * _statement_ms}",
                "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=1",
                "-c tcp_keepalives_count=3",
                f"-c tcp_user_timeout={_statement_ms}",
            )
        ),
    )
# --8<-- [end:database]

# --8<-- [start:cache]
REDIS_URL = os.environ.get("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several deployments (or a load test) can share one Redis.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            # A Redis that is down or hangs fails a call in a second, not a worker's life.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# --8<-- [end:cache]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- The library: one line for DRF, one for drf-spectacular, one dict of its own. ---
REST_FRAMEWORK = drf_apifirst.rest_framework_settings(
    DEFAULT_VERSIONING_CLASS="drf_apifirst.versioning.URLPathVersioning"
)
# Load and contract runs only: "1" lifts every rate limit, "user,api_key" those named.
_relaxed = os.environ.get("APIFIRST_EXAMPLE_RELAXED_LIMITS", "")
if _relaxed:
    _rates = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    _names = list(_rates) if _relaxed == "1" else _relaxed.split(",")
    if unknown := set(_names) - set(_rates):
        raise ImproperlyConfigured(f"APIFIRST_EXAMPLE_RELAXED_LIMITS: unknown {sorted(unknown)}")
    _rates.update(dict.fromkeys(_names, "1000000/minute"))
# Cluster runs only (scripts/cluster): exact rates, "api_key=120/minute,login=10/minute".
for _item in filter(None, os.environ.get("APIFIRST_EXAMPLE_RATES", "").split(",")):
    _name, _, _rate = _item.partition("=")
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][_name.strip()] = _rate.strip()
SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(
    TITLE="Task tracker API",
    DESCRIPTION="The drf-apifirst example project: a multi-tenant task tracker.",
    SERVERS=[{"url": "http://127.0.0.1:8000", "description": "The demo server (`make demo`)."}],
    LICENSE={"name": "MIT", "url": "https://opensource.org/license/mit"},
    CONTACT={"name": "Tracker API team", "url": "https://tracker.example.com/support"},
)
DRF_APIFIRST = {
    "VERSIONS": {
        # v1 had `done: bool`; v2 has `status` (open, in_progress, done).
        "v1": {
            "deprecated": "2026-06-01",
            "sunset": "2027-06-01",
            "link": "https://tracker.example.com/docs/migrate-to-v2",
        },
        "v2": {},
    },
    "DEFAULT_VERSION": "v2",
    # --8<-- [start:tenancy]
    # Integrations' keys belong to an organization; a request acts for one organization,
    # and members get fewer scopes than admins (tracker/tenancy.py).
    "API_KEY_MODEL": "tracker.OrganizationAPIKey",
    "TENANT_RESOLVER": "tracker.tenancy.request_organization",
    "USER_SCOPES": "tracker.tenancy.membership_scopes",
    # --8<-- [end:tenancy]
    # /healthz and /readyz answer problems too.
    "API_PREFIXES": ["/api/", "/healthz", "/readyz"],
    "ERROR_TYPE_BASE_URL": os.environ.get(
        "ERROR_TYPE_BASE_URL", "https://tracker.example.com/docs/errors/"
    ),
    # Webhook receivers inside these networks are allowed (an on-premises install, a test
    # receiver on loopback); none by default: only public https URLs.
    "PUBLIC_URL_ALLOWED_NETWORKS": [
        network
        for network in os.environ.get("PUBLIC_URL_ALLOWED_NETWORKS", "").split(",")
        if network
    ],
}

# --8<-- [start:tasks]
# Webhook deliveries are Django tasks on django-tasks-db's database queue: the delivery
# schedule already lives in the database, so the queue adds no server, commits with the
# rows and survives restarts. `manage.py db_worker` runs them (make demo starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# --8<-- [end:tasks]

# --8<-- [start:logging]
# JSON lines (one object per record, with the request id) in production, text in
# development; LOG_FORMAT=json|text overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "drf_apifirst.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "drf_apifirst.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's records go to the root handler only (its own console handler would print
    # them twice in development), at the same level.
    "loggers": {
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True}
    },
}
# --8<-- [end:logging]

# Request bodies over 256 KiB are refused with a 413 problem (OWASP API4).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # One load balancer in front: its X-Forwarded-For hop names the client (rate limits).
    # A number of hops, or the proxies' networks: TRUSTED_PROXIES=10.77.2.2/32,10.0.0.0/8.
    # IDEMPOTENCY_STORE=drf_apifirst.idempotency.DatabaseStore: records survive a Redis
    # restart, and a key's lock, write and record commit together (docs/deploying.md).
    if os.environ.get("IDEMPOTENCY_STORE"):
        DRF_APIFIRST["IDEMPOTENCY_STORE"] = os.environ["IDEMPOTENCY_STORE"]
    _proxies = os.environ.get("TRUSTED_PROXIES", "1")
    DRF_APIFIRST["TRUSTED_PROXIES"] = (
        int(_proxies) if _proxies.isdigit() else [n.strip() for n in _proxies.split(",")]
    )
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Static files (the docs UI's assets) served by the app server, after collectstatic.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
