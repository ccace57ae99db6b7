"""Settings for drf-apifirst, all under one ``DRF_APIFIRST`` dict in the host's settings.

    DRF_APIFIRST = {
        "ERROR_TYPE_BASE_URL": "https://docs.example.com/errors/",
        "API_PREFIXES": ["/api/"],
    }

Read them through ``apifirst_settings`` (``apifirst_settings.API_PREFIXES``): values are
resolved lazily on first read, import strings are imported then, and everything is reloaded
on Django's ``setting_changed`` signal, so ``override_settings`` works in tests. A key that
does not exist, was removed, or holds a value of the wrong shape is an
``ImproperlyConfigured`` naming the key — and a system check error at ``manage.py check``.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

__all__ = [
    "DEFAULTS",
    "IMPORT_STRINGS",
    "OPTIONS",
    "REMOVED_SETTINGS",
    "APIFirstSettings",
    "SettingProblem",
    "apifirst_settings",
    "find_setting_problems",
]

SETTINGS_NAME = "DRF_APIFIRST"

_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")

# MAX_JSON_DEPTH may not exceed this: well below Python's recursion limit (1000), and
# below orjson's (255), so whatever was accepted can be processed and rendered back.
MAX_JSON_DEPTH_CEILING = 200


def _is_url_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.startswith(("http://", "https://")))


def _is_path_prefix_list(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(p, str) and p.startswith("/") for p in value)
    )


def _is_header_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEADER_NAME.match(value))


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_json_depth(value: Any) -> bool:
    return _is_positive_int(value) and value <= MAX_JSON_DEPTH_CEILING


def _is_network_list(value: Any) -> bool:
    if not isinstance(value, (list, tuple)):
        return False
    try:
        for network in value:
            if not isinstance(network, str):
                return False
            ipaddress.ip_network(network)
    except ValueError:
        return False
    return True


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_seconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_model_label(value: Any) -> bool:
    return isinstance(value, str) and value.count(".") == 1 and all(value.split("."))


def _is_header_name_or_none(value: Any) -> bool:
    return value is None or _is_header_name(value)


def _is_str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


_LIFECYCLE_KEYS = {"deprecated", "sunset", "link", "sunset_link"}


def _is_versions(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(name, str)
        and name
        and isinstance(config, Mapping)
        and set(config) <= _LIFECYCLE_KEYS
        for name, config in value.items()
    )


def _is_trusted_proxies(value: Any) -> bool:
    import ipaddress

    if isinstance(value, int) and not isinstance(value, bool):
        return value >= 0
    if not isinstance(value, (list, tuple)) or not value:
        return False
    try:
        for network in value:
            ipaddress.ip_network(network, strict=False)
    except (TypeError, ValueError):
        return False
    return True


def _is_schedule(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(map(_is_seconds, value))


def _is_import_string(value: Any) -> bool:
    return isinstance(value, str) and "." in value


@dataclass(frozen=True)
class Option:
    """One ``DRF_APIFIRST`` key: its default and what a valid value looks like."""

    default: Any
    # Shown in errors: "expected <expected>".
    expected: str
    is_valid: Callable[[Any], bool]


OPTIONS: dict[str, Option] = {
    # Base URL of the error docs; a problem's ``type`` is this + its ``code``.
    # ``None`` gives ``about:blank`` (RFC 9457 section 4.2.1).
    "ERROR_TYPE_BASE_URL": Option(None, "None or an http(s) URL", _is_url_or_none),
    # Paths under these prefixes are API paths: every error there is a problem response.
    "API_PREFIXES": Option(
        ("/api/",), "a non-empty list of path prefixes starting with '/'", _is_path_prefix_list
    ),
    # Request and response header carrying the request id.
    "REQUEST_ID_HEADER": Option("X-Request-ID", "an HTTP header name", _is_header_name),
    # Callable returning a new request id (a string of [A-Za-z0-9._-], at most 128 chars).
    "REQUEST_ID_GENERATOR": Option(
        "drf_apifirst.request_id.generate_request_id",
        "a dotted path to a callable",
        _is_import_string,
    ),
    # The API key model ("app_label.ModelName"): drf_apifirst.APIKey, or a subclass of
    # drf_apifirst.models.AbstractAPIKey with its own owner (e.g. an organization).
    "API_KEY_MODEL": Option("drf_apifirst.APIKey", "'app_label.ModelName'", _is_model_label),
    # Also read API keys from this header (e.g. "X-Api-Key"); None: Authorization only.
    "API_KEY_HEADER": Option(None, "None or an HTTP header name", _is_header_name_or_none),
    # Seconds a verified key stays in the Django cache (0: look it up every time).
    "API_KEY_CACHE_SECONDS": Option(300, "a whole number of seconds, 0 or more", _is_seconds),
    # last_used_at is written at most once per this many seconds per key.
    "API_KEY_LAST_USED_INTERVAL": Option(300, "a whole number of seconds, 0 or more", _is_seconds),
    # Callable(user, request) -> iterable of scopes, or None for every scope.
    "USER_SCOPES": Option(
        "drf_apifirst.permissions.all_scopes", "a dotted path to a callable", _is_import_string
    ),
    # Callable(request) -> the tenant (e.g. an Organization) or None.
    "TENANT_RESOLVER": Option(
        "drf_apifirst.tenancy.owner_tenant", "a dotted path to a callable", _is_import_string
    ),
    # Versions, oldest first: {"v1": {"deprecated": date, "sunset": date, "link": url}, ...}.
    "VERSIONS": Option({}, "a dict of version name -> lifecycle dict", _is_versions),
    # The version of requests that name none (and of /api/schema/).
    "DEFAULT_VERSION": Option(None, "None or a key of VERSIONS", _is_str_or_none),
    # After a sunset: "gone" answers 410, "warn" keeps serving with the headers.
    "AFTER_SUNSET": Option("gone", "'gone' or 'warn'", lambda v: v in ("gone", "warn")),
    # PUT/PATCH/DELETE without If-Match are a 428 problem (a viewset may override).
    "REQUIRE_IF_MATCH": Option(False, "True or False", _is_bool),
    # Methods Idempotency-Key applies to.
    "IDEMPOTENT_METHODS": Option(
        ("POST", "PATCH"), "a list of HTTP methods", lambda v: isinstance(v, (list, tuple))
    ),
    # Seconds a completed response is kept for replays (24 h, as Stripe).
    "IDEMPOTENCY_TTL": Option(86400, "a whole number of seconds, 0 or more", _is_seconds),
    # Seconds the in-flight lock of a key lives at most (a crashed worker frees it then).
    "IDEMPOTENCY_LOCK_SECONDS": Option(60, "a whole number from 1 up", _is_positive_int),
    # Where kept responses live: the dotted path of a store class,
    # drf_apifirst.idempotency.CacheStore (fast; Redis in production) or DatabaseStore
    # (durable: survives a cache flush or restart). "cache" and "database" still work.
    "IDEMPOTENCY_STORE": Option(
        "drf_apifirst.idempotency.CacheStore",
        "a dotted path to a store class",
        lambda v: v in ("cache", "database") or _is_import_string(v),
    ),
    # The CACHES alias for idempotency records (Redis in production).
    "IDEMPOTENCY_CACHE": Option("default", "a CACHES alias", lambda v: isinstance(v, str)),
    # Largest page a client may ask for with ?page_size=; larger requests are capped.
    "MAX_PAGE_SIZE": Option(100, "a whole number from 1 up", _is_positive_int),
    # Request bodies nesting arrays and objects deeper than this are a 400 parse_error
    # problem (drf_apifirst.parsers.JSONParser), checked before decoding.
    "MAX_JSON_DEPTH": Option(
        100, f"a whole number from 1 to {MAX_JSON_DEPTH_CEILING}", _is_json_depth
    ),
    # Networks drf_apifirst.validators (SSRF guard) accepts although they are not public:
    # an on-premises webhook receiver, a test server. IP literals in them may use http.
    "PUBLIC_URL_ALLOWED_NETWORKS": Option(
        (), "a list of networks ('10.1.0.0/16', 'fd00::/8')", _is_network_list
    ),
    # Webhooks (drf_apifirst.webhooks): seconds to wait before each retry after the first
    # attempt failed, jittered by up to a fifth; the last one used, the delivery fails.
    "WEBHOOK_RETRY_SCHEDULE": Option(
        (5, 300, 1800, 7200, 18000, 36000, 43200, 86400, 86400),
        "a non-empty list of whole numbers of seconds, 0 or more",
        _is_schedule,
    ),
    # Seconds a receiver has to answer one attempt (connecting included).
    "WEBHOOK_TIMEOUT": Option(10, "a whole number of seconds from 1 up", _is_positive_int),
    # An endpoint whose attempts have all failed for this many seconds is disabled.
    "WEBHOOK_DISABLE_AFTER": Option(
        432000, "a whole number of seconds from 1 up", _is_positive_int
    ),
    # The TASKS backend alias and queue deliveries are enqueued on.
    "WEBHOOK_TASK_BACKEND": Option("default", "a TASKS alias", lambda v: isinstance(v, str)),
    "WEBHOOK_QUEUE_NAME": Option("default", "a queue name", lambda v: isinstance(v, str)),
    # Bytes of a receiver's answer kept in the delivery log.
    "WEBHOOK_RESPONSE_EXCERPT": Option(1024, "a whole number of bytes, 0 or more", _is_seconds),
    # Days finished deliveries are kept (manage.py apifirst_webhooks prune).
    "WEBHOOK_LOG_DAYS": Option(30, "a whole number of days from 1 up", _is_positive_int),
    # A list request with a query parameter the view does not document is a 400 problem.
    "STRICT_QUERY_PARAMETERS": Option(True, "True or False", _is_bool),
    # What a rate limit does while the cache is unreachable: "open" lets requests through
    # uncounted, "closed" answers a 503 problem. The login limit always fails closed.
    "THROTTLE_FAILURE": Option("open", "'open' or 'closed'", lambda v: v in ("open", "closed")),
    # The proxies in front of the app: 0 trusts none (the peer address is the client), a
    # number trusts that many X-Forwarded-For hops, a list names the proxies' networks.
    "TRUSTED_PROXIES": Option(
        0, "a whole number of proxies, or a list of IP networks", _is_trusted_proxies
    ),
}

DEFAULTS: dict[str, Any] = {name: option.default for name, option in OPTIONS.items()}

# Keys whose values are dotted paths, imported on first read.
IMPORT_STRINGS: frozenset[str] = frozenset(
    {"REQUEST_ID_GENERATOR", "USER_SCOPES", "TENANT_RESOLVER"}
)

# Keys that existed once: key -> what to do instead. Reading a settings dict that still has
# one is an error, so an upgrade never silently drops configuration.
REMOVED_SETTINGS: dict[str, str] = {}


@dataclass(frozen=True)
class SettingProblem:
    """What is wrong with the host's ``DRF_APIFIRST``; the checks give each kind an id."""

    kind: str  # "not_a_dict" | "unknown" | "removed" | "invalid"
    key: str | None
    message: str
    hint: str | None = None


def find_setting_problems(user_settings: Any) -> list[SettingProblem]:
    """Every problem with a raw ``DRF_APIFIRST`` value, without importing anything."""
    if not isinstance(user_settings, Mapping):
        return [
            SettingProblem(
                "not_a_dict",
                None,
                f"{SETTINGS_NAME} must be a dict, not {type(user_settings).__name__}.",
                hint=f"Write {SETTINGS_NAME} = {{...}} in your settings.",
            )
        ]
    problems = []
    for key, value in user_settings.items():
        if key in REMOVED_SETTINGS:
            problems.append(
                SettingProblem(
                    "removed",
                    key,
                    f"{SETTINGS_NAME}[{key!r}] was removed.",
                    hint=REMOVED_SETTINGS[key],
                )
            )
        elif key not in OPTIONS:
            close = difflib.get_close_matches(str(key), OPTIONS, n=1)
            problems.append(
                SettingProblem(
                    "unknown",
                    key,
                    f"{SETTINGS_NAME}[{key!r}] is not a drf-apifirst setting.",
                    hint=f"Did you mean {close[0]!r}?"
                    if close
                    else "See the settings reference: docs/settings.md.",
                )
            )
        elif not OPTIONS[key].is_valid(value):
            problems.append(
                SettingProblem(
                    "invalid",
                    key,
                    f"{SETTINGS_NAME}[{key!r}] is {value!r}; expected {OPTIONS[key].expected}.",
                    hint=f"The default is {OPTIONS[key].default!r}.",
                )
            )
    return problems


class APIFirstSettings:
    """Lazy view of ``DRF_APIFIRST`` merged over ``DEFAULTS``."""

    def __init__(self) -> None:
        self._user_settings: Mapping[str, Any] | None = None
        self._cached_attrs: set[str] = set()

    @property
    def user_settings(self) -> Mapping[str, Any]:
        if self._user_settings is None:
            user_settings = getattr(settings, SETTINGS_NAME, {})
            problems = find_setting_problems(user_settings)
            if problems:
                problem = problems[0]
                hint = f" {problem.hint}" if problem.hint else ""
                raise ImproperlyConfigured(problem.message + hint)
            self._user_settings = user_settings
        return self._user_settings

    def __getattr__(self, attr: str) -> Any:
        if attr not in OPTIONS:
            raise AttributeError(f"Invalid drf-apifirst setting: {attr!r}")
        value = self.user_settings.get(attr, OPTIONS[attr].default)
        if attr in IMPORT_STRINGS and isinstance(value, str):
            try:
                value = import_string(value)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"Could not import {value!r} for {SETTINGS_NAME}[{attr!r}]: {exc}"
                ) from exc
        self._cached_attrs.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self) -> None:
        for attr in self._cached_attrs:
            delattr(self, attr)
        self._cached_attrs.clear()
        self._user_settings = None


apifirst_settings: APIFirstSettings = APIFirstSettings()


def _reload_apifirst_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTINGS_NAME:
        apifirst_settings.reload()


setting_changed.connect(_reload_apifirst_settings)
