"""System checks: a setting typo fails at ``manage.py check``, not at the first request.

Every id is documented in docs/checks.md; silence one with ``SILENCED_SYSTEM_CHECKS``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from drf_apifirst.settings import SETTINGS_NAME

__all__ = [
    "check_app_installed",
    "check_database_cache_cost",
    "check_docs_assets",
    "check_exception_handler",
    "check_filter_backends",
    "check_idempotency_store",
    "check_list_attributes",
    "check_middleware",
    "check_rest_framework_versions",
    "check_save_kwargs",
    "check_schema_class",
    "check_settings",
    "check_shadowed_urls",
    "check_shared_cache",
    "check_throttle_rates",
    "check_trusted_proxies",
    "check_upload_parsers",
    "check_versioning_class",
    "check_view_schemas",
]

TAG = "drf_apifirst"

HANDLER_PATH = "drf_apifirst.handlers.exception_handler"
SCHEMA_CLASS_PATH = "drf_apifirst.openapi.AutoSchema"
REQUEST_ID_MIDDLEWARE = "drf_apifirst.middleware.RequestIdMiddleware"
PROBLEM_MIDDLEWARE = "drf_apifirst.middleware.ProblemMiddleware"

# What rest_framework.throttling.SimpleRateThrottle.parse_rate can read.
_RATE = re.compile(r"^\d+/[smhd]\w*$")

_SETTING_PROBLEM_IDS = {
    "not_a_dict": "drf_apifirst.E001",
    "unknown": "drf_apifirst.E002",
    "removed": "drf_apifirst.E003",
    "invalid": "drf_apifirst.E004",
}


def _app_installed() -> bool:
    return "drf_apifirst" in settings.INSTALLED_APPS or any(
        entry.startswith("drf_apifirst.") for entry in settings.INSTALLED_APPS
    )


def _rest_framework() -> dict[str, Any]:
    value = getattr(settings, "REST_FRAMEWORK", {})
    return value if isinstance(value, dict) else {}


def _dotted(value: Any) -> str:
    """The dotted path of a setting given as an import string or as the object itself."""
    if isinstance(value, str):
        return value
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"


@register(TAG)
def check_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """E001-E004 and E008: the ``DRF_APIFIRST`` dict itself."""
    from drf_apifirst.settings import IMPORT_STRINGS, find_setting_problems

    if not _app_installed():
        return []
    user_settings = getattr(settings, SETTINGS_NAME, {})
    errors: list[CheckMessage] = [
        Error(problem.message, hint=problem.hint, id=_SETTING_PROBLEM_IDS[problem.kind])
        for problem in find_setting_problems(user_settings)
    ]
    if errors:
        return errors
    errors.extend(_version_problems(user_settings))
    for key in sorted(IMPORT_STRINGS & set(user_settings)):
        path = user_settings[key]
        try:
            target = import_string(path)
        except ImportError as exc:
            problem = f"which cannot be imported: {exc}."
        else:
            if callable(target):
                continue
            problem = "which is not callable."
        errors.append(
            Error(
                f"{SETTINGS_NAME}[{key!r}] is {path!r}, {problem}",
                hint="Give the dotted path of a function.",
                id="drf_apifirst.E008",
            )
        )
    return errors


def _version_problems(user_settings: Any) -> list[CheckMessage]:
    """E009-E011: the declared versions and their lifecycle dates."""
    from drf_apifirst.versioning import parse_moment

    versions = user_settings.get("VERSIONS") or {}
    default = user_settings.get("DEFAULT_VERSION")
    problems: list[CheckMessage] = []
    if versions and default not in versions:
        problems.append(
            Error(
                f"{SETTINGS_NAME}['DEFAULT_VERSION'] is {default!r}, which is not one of "
                f"VERSIONS {list(versions)!r}.",
                hint="Name the version that requests without one get (usually the newest).",
                id="drf_apifirst.E009",
            )
        )
    for name, lifecycle in versions.items():
        moments = {}
        for key in ("deprecated", "sunset"):
            value = lifecycle.get(key)
            if value is not None:
                moments[key] = parse_moment(value)
                if moments[key] is None:
                    problems.append(
                        Error(
                            f"{SETTINGS_NAME}['VERSIONS'][{name!r}][{key!r}] is {value!r}, "
                            "which is not a date.",
                            hint="Use an ISO 8601 date or datetime, e.g. '2027-06-01'.",
                            id="drf_apifirst.E010",
                        )
                    )
        deprecated, sunset = moments.get("deprecated"), moments.get("sunset")
        if deprecated and sunset and sunset < deprecated:
            problems.append(
                Error(
                    f"Version {name!r} has its sunset ({lifecycle['sunset']}) before its "
                    f"deprecation ({lifecycle['deprecated']}).",
                    hint="Clients need the deprecation notice before the version goes away.",
                    id="drf_apifirst.E011",
                )
            )
    return problems


def _uses_library() -> bool:
    middleware = _middleware()
    return (
        REQUEST_ID_MIDDLEWARE in middleware
        or PROBLEM_MIDDLEWARE in middleware
        or _dotted(_rest_framework().get("EXCEPTION_HANDLER", "")).startswith("drf_apifirst.")
    )


def _middleware() -> list[str]:
    return list(getattr(settings, "MIDDLEWARE", None) or [])


@register(TAG)
def check_app_installed(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E005: the library is wired in but its app is not installed."""
    if _app_installed() or not _uses_library():
        return []
    return [
        Error(
            "drf-apifirst is used (its middleware or exception handler is configured) "
            "but 'drf_apifirst' is not in INSTALLED_APPS.",
            hint="Add 'drf_apifirst' to INSTALLED_APPS.",
            id="drf_apifirst.E005",
        )
    ]


@register(TAG)
def check_throttle_rates(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E006: every DEFAULT_THROTTLE_RATES value can be read."""
    if not _app_installed():
        return []
    rates = _rest_framework().get("DEFAULT_THROTTLE_RATES") or {}
    return [
        Error(
            f"REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'][{policy!r}] is {rate!r}; "
            "expected None or '<number>/<second|minute|hour|day>'.",
            hint="For example '100/minute' or '5000/day'.",
            id="drf_apifirst.E006",
        )
        for policy, rate in rates.items()
        if rate is not None and not (isinstance(rate, str) and _RATE.match(rate))
    ]


@register(TAG)
def check_rest_framework_versions(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E007: DRF's DEFAULT_VERSION is one of its ALLOWED_VERSIONS."""
    if not _app_installed():
        return []
    rest_framework = _rest_framework()
    allowed_versions = rest_framework.get("ALLOWED_VERSIONS")
    default_version = rest_framework.get("DEFAULT_VERSION")
    if not allowed_versions or default_version is None or default_version in allowed_versions:
        return []
    return [
        Error(
            f"REST_FRAMEWORK['DEFAULT_VERSION'] is {default_version!r}, "
            f"which is not one of ALLOWED_VERSIONS {list(allowed_versions)!r}.",
            hint="Name one of the allowed versions, or add it to ALLOWED_VERSIONS.",
            id="drf_apifirst.E007",
        )
    ]


@register(TAG)
def check_exception_handler(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W001: API errors are problem details only with the library's handler."""
    if not _app_installed():
        return []
    handler = _rest_framework().get("EXCEPTION_HANDLER", "rest_framework.views.exception_handler")
    if _dotted(handler) == HANDLER_PATH:
        return []
    return [
        Warning(
            f"REST_FRAMEWORK['EXCEPTION_HANDLER'] is {_dotted(handler)!r}, so API errors "
            "are not problem details (RFC 9457).",
            hint=f"Use REST_FRAMEWORK = drf_apifirst.rest_framework_settings(), or call "
            f"{HANDLER_PATH} from your own handler and silence this warning.",
            id="drf_apifirst.W001",
        )
    ]


@register(TAG)
def check_middleware(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """W002, W003, W005: the two middleware, in order."""
    if not _app_installed():
        return []
    middleware = _middleware()
    messages: list[CheckMessage] = []
    if REQUEST_ID_MIDDLEWARE not in middleware:
        messages.append(
            Warning(
                f"{REQUEST_ID_MIDDLEWARE} is not in MIDDLEWARE, so responses carry no "
                "request id and log records cannot be correlated with them.",
                hint="Add it near the top of MIDDLEWARE, before ProblemMiddleware.",
                id="drf_apifirst.W002",
            )
        )
    if PROBLEM_MIDDLEWARE not in middleware:
        messages.append(
            Warning(
                f"{PROBLEM_MIDDLEWARE} is not in MIDDLEWARE, so unknown URLs and errors "
                "outside DRF views under the API prefixes answer with HTML.",
                hint="Add it after RequestIdMiddleware.",
                id="drf_apifirst.W003",
            )
        )
    elif REQUEST_ID_MIDDLEWARE in middleware and middleware.index(
        REQUEST_ID_MIDDLEWARE
    ) > middleware.index(PROBLEM_MIDDLEWARE):
        messages.append(
            Warning(
                f"{PROBLEM_MIDDLEWARE} comes before {REQUEST_ID_MIDDLEWARE} in MIDDLEWARE, "
                "so the problems it writes have no request id.",
                hint="Move RequestIdMiddleware above ProblemMiddleware.",
                id="drf_apifirst.W005",
            )
        )
    return messages


@register(TAG)
def check_versioning_class(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W007: VERSIONS without the library's versioning class do nothing by default."""
    if not _app_installed():
        return []
    versioning_class = _dotted(_rest_framework().get("DEFAULT_VERSIONING_CLASS") or "")
    user_settings = getattr(settings, SETTINGS_NAME, {})
    if not (
        isinstance(user_settings, dict)
        and user_settings.get("VERSIONS")
        and not versioning_class.startswith("drf_apifirst.versioning.")
    ):
        return []
    return [
        Warning(
            f"{SETTINGS_NAME}['VERSIONS'] is set but REST_FRAMEWORK['DEFAULT_VERSIONING_CLASS'] "
            f"is {versioning_class or None!r}, so versions, deprecation headers and sunsets "
            "only apply to views that set a drf_apifirst versioning_class.",
            hint="rest_framework_settings(DEFAULT_VERSIONING_CLASS="
            "'drf_apifirst.versioning.URLPathVersioning') (or AcceptHeaderVersioning).",
            id="drf_apifirst.W007",
        )
    ]


@register(TAG)
def check_schema_class(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W004: problem responses are documented only by the library's AutoSchema."""
    if not _app_installed():
        return []
    schema_class = _rest_framework().get(
        "DEFAULT_SCHEMA_CLASS", "rest_framework.schemas.openapi.AutoSchema"
    )
    if _dotted(schema_class) == SCHEMA_CLASS_PATH:
        return []
    try:
        from drf_apifirst.openapi import AutoSchema

        schema_cls = import_string(schema_class) if isinstance(schema_class, str) else schema_class
        if isinstance(schema_cls, type) and issubclass(schema_cls, AutoSchema):
            return []
    except ImportError:
        pass
    return [
        Warning(
            f"REST_FRAMEWORK['DEFAULT_SCHEMA_CLASS'] is {_dotted(schema_class)!r}, so "
            "the OpenAPI schema does not document problem responses.",
            hint=f"Use {SCHEMA_CLASS_PATH} or a subclass of it.",
            id="drf_apifirst.W004",
        )
    ]


@register(TAG)
def check_trusted_proxies(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W008: a proxy is evidently in front (SECURE_PROXY_SSL_HEADER) but none is trusted,
    so every client counts as the proxy's address."""
    if not _app_installed() or not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    user_settings = getattr(settings, SETTINGS_NAME, {})
    if isinstance(user_settings, dict) and user_settings.get("TRUSTED_PROXIES"):
        return []
    return [
        Warning(
            "SECURE_PROXY_SSL_HEADER is set, so a proxy is in front of this app, but "
            f"{SETTINGS_NAME}['TRUSTED_PROXIES'] trusts none: rate limits and logs see every "
            "anonymous client as the proxy's address.",
            hint="Set TRUSTED_PROXIES to the number of proxies in front (1 for one load "
            "balancer) or to their networks (docs/deploying.md).",
            id="drf_apifirst.W008",
        )
    ]


# drf-spectacular's defaults when SPECTACULAR_SETTINGS names none.
_CDN_DEFAULTS = {
    "SWAGGER_UI_DIST": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest",
    "REDOC_DIST": "https://cdn.jsdelivr.net/npm/redoc@latest",
}


@register(TAG)
def check_docs_assets(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W014: the docs pages load Swagger UI or Redoc from a CDN (``@latest`` unpinned),
    which breaks offline, behind a strict CSP, and changes under you."""
    if not _app_installed():
        return []
    spectacular = getattr(settings, "SPECTACULAR_SETTINGS", None) or {}
    sidecar = "drf_spectacular_sidecar" in settings.INSTALLED_APPS
    remote = {
        key: spectacular.get(key, default)
        for key, default in _CDN_DEFAULTS.items()
        if spectacular.get(key, default) != "SIDECAR"
    }
    remote = {key: value for key, value in remote.items() if str(value).startswith("http")}
    if not remote:
        return [] if sidecar else [_missing_sidecar()]
    names = ", ".join(f"{key}={value!r}" for key, value in sorted(remote.items()))
    return [
        Warning(
            f"The docs pages load their assets from a CDN ({names}): they break offline "
            "and behind a strict Content-Security-Policy, and '@latest' changes under you.",
            hint="pip install 'drf-apifirst[docs-ui]', add 'drf_spectacular_sidecar' to "
            "INSTALLED_APPS and use SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(), "
            "or pin a version you host.",
            id="drf_apifirst.W014",
        )
    ]


def _missing_sidecar() -> CheckMessage:
    return Warning(
        "SPECTACULAR_SETTINGS serve the docs assets from drf-spectacular-sidecar, but "
        "'drf_spectacular_sidecar' is not in INSTALLED_APPS: the docs pages have no assets.",
        hint="Add 'drf_spectacular_sidecar' to INSTALLED_APPS.",
        id="drf_apifirst.W014",
    )


def _view_classes() -> list[type]:
    """The view classes the URLconf routes to (viewsets and APIViews)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[type, None] = {}
    pending: list[Any] = list(get_resolver().url_patterns)
    while pending:
        entry = pending.pop()
        if isinstance(entry, URLResolver):
            pending.extend(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "cls", None) or getattr(
                entry.callback, "view_class", None
            )
            if isinstance(view_class, type):
                found[view_class] = None
    return list(found)


def _views_to_check(view_classes: Sequence[type] | None) -> Sequence[type]:
    """The given view classes (tests pass some), else those the URLconf routes to."""
    if view_classes is not None:
        return view_classes
    return _view_classes() if _app_installed() else []


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@register(TAG, "urls")
def check_save_kwargs(
    app_configs: Sequence[Any] | None = None,
    view_classes: Sequence[type] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """E012: a tenant-scoped view that writes must have serializers that take the
    library's save keywords, or a host ``perform_create`` would drop the tenant."""
    from drf_apifirst.serializers import SaveKwargsMixin
    from drf_apifirst.tenancy import TenantScopedMixin

    view_classes = _views_to_check(view_classes)
    errors: list[CheckMessage] = []
    for view_class in view_classes:
        tenant_field = getattr(view_class, "tenant_field", None)
        writes = hasattr(view_class, "perform_create") or hasattr(view_class, "perform_update")
        if (
            not issubclass(view_class, TenantScopedMixin)
            or not tenant_field
            or "__" in tenant_field
            or not writes
        ):
            continue
        serializer_classes = [
            getattr(view_class, "serializer_class", None),
            *(getattr(view_class, "serializer_classes", None) or {}).values(),
        ]
        for serializer_class in dict.fromkeys(serializer_classes):
            if isinstance(serializer_class, type) and not issubclass(
                serializer_class, SaveKwargsMixin
            ):
                errors.append(
                    Error(
                        f"{_name(view_class)} stamps its tenant ({tenant_field!r}) on writes, "
                        f"but its serializer {_name(serializer_class)} does not take "
                        "save_kwargs: a host perform_create/perform_update would lose the "
                        "tenant.",
                        hint="Base the serializer on drf_apifirst.serializers."
                        "ApiModelSerializer, or add drf_apifirst.serializers.SaveKwargsMixin "
                        "to it.",
                        obj=view_class,
                        id="drf_apifirst.E012",
                    )
                )
    return errors


# Backends whose counters are shared by every process and incremented atomically.
_SHARED_ATOMIC_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)


@register(TAG, deploy=True)
def check_shared_cache(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W006 (deploy): rate limits, key lookups and idempotency need a shared cache."""
    if not _app_installed():
        return []
    backend = (getattr(settings, "CACHES", {}).get("default") or {}).get("BACKEND", "")
    if backend in _SHARED_ATOMIC_CACHES:
        return []
    return [
        Warning(
            f"CACHES['default'] is {backend!r}: with several workers each keeps its own rate-limit "
            "counters (or increments them non-atomically), so limits multiply.",
            hint="Use Redis (django.core.cache.backends.redis.RedisCache) or Memcached in "
            "production.",
            id="drf_apifirst.W006",
        )
    ]


# Statements one rate limit costs a request on Django's database cache: ``cache.add`` and
# ``cache.incr`` each count the table (culling), then read and write in a transaction.
DATABASE_CACHE_QUERIES_PER_LIMIT = 11
DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


@register(TAG)
def check_database_cache_cost(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W011: rate limits on the database cache cost queries on every request (W006 says
    the same for every non-shared cache, but only under ``--deploy``)."""
    if not _app_installed() or not _rest_framework().get("DEFAULT_THROTTLE_CLASSES"):
        return []
    backend = (getattr(settings, "CACHES", {}).get("default") or {}).get("BACKEND", "")
    if backend != DATABASE_CACHE:
        return []
    return [
        Warning(
            f"CACHES['default'] is {backend!r}: each rate limit that applies to a request "
            f"costs {DATABASE_CACHE_QUERIES_PER_LIMIT} database queries (cache.add and "
            "cache.incr), and the counters are not atomic across workers.",
            hint="Use Redis or Memcached for CACHES['default'] (docs/deploying.md), or "
            "keep DEFAULT_THROTTLE_CLASSES=[] in rest_framework_settings() if the API has "
            "no rate limits.",
            id="drf_apifirst.W011",
        )
    ]


# View attributes read as lists (DRF's, django-filter's and the library's): a string there
# is read letter by letter, so ordering_fields = "time" would offer "t, i, m, e".
LIST_VIEW_ATTRIBUTES = (
    "ordering_fields",
    "search_fields",
    "filterset_fields",
    "extra_query_parameters",
    "auth",
    "cache_models",
    "authentication_classes",
    "permission_classes",
    "throttle_classes",
    "parser_classes",
    "renderer_classes",
    "filter_backends",
)
# The same for a serializer's Meta.
LIST_META_ATTRIBUTES = (
    "fields",
    "exclude",
    "read_only_fields",
    "select_related",
    "prefetch_related",
)
# Strings that are meant as strings.
_LIST_SENTINELS = {"fields": "__all__", "ordering_fields": "__all__"}


def _serializer_classes(view_class: type) -> list[type]:
    """The serializer classes a view declares (``serializer_class``, ``serializer_classes``)."""
    declared = [
        getattr(view_class, "serializer_class", None),
        *(getattr(view_class, "serializer_classes", None) or {}).values(),
    ]
    return [cls for cls in dict.fromkeys(declared) if isinstance(cls, type)]


def _string_for_list(subject: str, value: str, obj: type) -> CheckMessage:
    letters = ", ".join(value[:6]) + (", ..." if len(value) > 6 else "")
    return Error(
        f"{subject} is the string {value!r}, not a list: it would be read letter by letter "
        f"({letters}).",
        hint=f"Write a list: [{value!r}].",
        obj=obj,
        id="drf_apifirst.E013",
    )


@register(TAG, "urls")
def check_list_attributes(
    app_configs: Sequence[Any] | None = None,
    view_classes: Sequence[type] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """E013: a list-valued view or serializer ``Meta`` attribute given a string."""
    view_classes = _views_to_check(view_classes)
    errors: list[CheckMessage] = []
    seen_serializers: set[type] = set()
    for view_class in view_classes:
        for attribute in LIST_VIEW_ATTRIBUTES:
            value = getattr(view_class, attribute, None)
            if isinstance(value, str) and value != _LIST_SENTINELS.get(attribute):
                errors.append(
                    _string_for_list(f"{_name(view_class)}.{attribute}", value, view_class)
                )
        for attribute in ("permission_classes_by_action", "action_problems"):
            for action, value in (getattr(view_class, attribute, None) or {}).items():
                if isinstance(value, str):
                    subject = f"{_name(view_class)}.{attribute}[{action!r}]"
                    errors.append(_string_for_list(subject, value, view_class))
        for serializer_class in _serializer_classes(view_class):
            meta = getattr(serializer_class, "Meta", None)
            if meta is None or serializer_class in seen_serializers:
                continue
            seen_serializers.add(serializer_class)
            for attribute in LIST_META_ATTRIBUTES:
                value = getattr(meta, attribute, None)
                if isinstance(value, str) and value != _LIST_SENTINELS.get(attribute):
                    subject = f"{_name(serializer_class)}.Meta.{attribute}"
                    errors.append(_string_for_list(subject, value, serializer_class))
    return errors


@register(TAG, "urls")
def check_view_schemas(
    app_configs: Sequence[Any] | None = None,
    view_classes: Sequence[type] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """E014: a view that sets DRF's own ``schema = AutoSchema(...)`` (or ``ManualSchema``)
    makes drf-spectacular fail with an ``AssertionError`` when it builds the document."""
    view_classes = _views_to_check(view_classes)
    if not view_classes:
        return []  # nothing routed (or the app is not installed: E005 says so)
    from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
    from rest_framework.schemas.inspectors import DefaultSchema

    errors: list[CheckMessage] = []
    for view_class in view_classes:
        # The class attribute itself: reading view_class.schema would build the default.
        owner = next((cls for cls in view_class.__mro__ if "schema" in vars(cls)), None)
        schema = vars(owner)["schema"] if owner is not None else None
        if schema is None or isinstance(schema, (DefaultSchema, SpectacularAutoSchema)):
            continue
        errors.append(
            Error(
                f"{_name(view_class)} sets schema = {_name(type(schema))}(...), which is not "
                "drf-spectacular's: building the OpenAPI document fails with an "
                "AssertionError.",
                hint="Remove it (the default schema class documents the view), use "
                "drf_apifirst.openapi.AutoSchema or a subclass, and move tags or an "
                "operation id to drf_spectacular.utils.extend_schema / extend_schema_view; "
                "schema = None leaves the view out of the document.",
                obj=view_class,
                id="drf_apifirst.E014",
            )
        )
    return errors


def _accepts_uploads(view_class: type) -> bool:
    from rest_framework.parsers import FileUploadParser, MultiPartParser

    return any(
        isinstance(parser, type) and issubclass(parser, (MultiPartParser, FileUploadParser))
        for parser in getattr(view_class, "parser_classes", None) or ()
    )


def _file_fields(serializer_class: type) -> list[str]:
    """The writable file (and image) fields of a serializer, by name."""
    from rest_framework.fields import FileField

    try:
        fields = serializer_class().fields
    except Exception:  # a serializer that cannot be built without its view's context
        return []
    return [
        name
        for name, field in fields.items()
        if isinstance(field, FileField) and not field.read_only
    ]


@register(TAG, "urls")
def check_upload_parsers(
    app_configs: Sequence[Any] | None = None,
    view_classes: Sequence[type] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """W009: a view whose serializer takes a file but whose parsers take only JSON, so
    every upload is a 415 (``rest_framework_settings()`` installs the JSON parser only)."""
    view_classes = _views_to_check(view_classes)
    warnings: list[CheckMessage] = []
    for view_class in view_classes:
        if _accepts_uploads(view_class):
            continue
        for serializer_class in _serializer_classes(view_class):
            names = _file_fields(serializer_class)
            if names:
                warnings.append(
                    Warning(
                        f"{_name(view_class)} takes files ({_name(serializer_class)}: "
                        f"{', '.join(names)}) but none of its parser_classes reads "
                        "multipart/form-data: uploads are answered 415.",
                        hint="parser_classes = drf_apifirst.parsers.UPLOAD_PARSER_CLASSES "
                        "(JSON, then multipart) on this view; the OpenAPI document then "
                        "offers multipart/form-data for its writes.",
                        obj=view_class,
                        id="drf_apifirst.W009",
                    )
                )
    return warnings


# The library's views whose URLs a host's own patterns can shadow (rest_framework.urls
# has a "login/" and a "logout/" too).
LIBRARY_URL_NAMES = ("drf_apifirst:login", "drf_apifirst:logout", "drf_apifirst:logout-all")


@register(TAG, "urls")
def check_shadowed_urls(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W010: an earlier URL pattern answers a library URL (``rest_framework.urls`` mounted
    at ``api/auth/`` answers ``/api/auth/login/`` with DRF's HTML login form)."""
    if not _app_installed():
        return []
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    from drf_apifirst import auth_views as views

    expected = {
        "drf_apifirst:login": views.LoginView,
        "drf_apifirst:logout": views.LogoutView,
        "drf_apifirst:logout-all": views.LogoutAllView,
    }
    warnings: list[CheckMessage] = []
    for name in LIBRARY_URL_NAMES:
        try:
            url = reverse(name)
            match = resolve(url)
        except (NoReverseMatch, Resolver404):
            continue
        callback = match.func
        answered_by = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if answered_by is expected[name]:
            continue
        shown = _name(answered_by) if isinstance(answered_by, type) else _dotted(callback)
        warnings.append(
            Warning(
                f"{url} is answered by {shown} (URL name {match.view_name!r}), not by "
                f"drf_apifirst's {expected[name].__name__}: an earlier pattern shadows it.",
                hint="Include drf_apifirst.urls before it, or mount rest_framework.urls "
                "(the browsable API's login) under another prefix, e.g. "
                "path('api-auth/', include('rest_framework.urls')).",
                id="drf_apifirst.W010",
            )
        )
    return warnings


# DRF's and django-filter's backends whose drf_apifirst.filters subclasses answer a bad
# value with a 400 problem instead of ignoring it.
_LENIENT_FILTER_BACKENDS = {
    "rest_framework.filters.OrderingFilter": "drf_apifirst.filters.OrderingFilter",
    "rest_framework.filters.SearchFilter": "drf_apifirst.filters.SearchFilter",
    "django_filters.rest_framework.DjangoFilterBackend": "drf_apifirst.filters.DjangoFilterBackend",
    "django_filters.rest_framework.backends.DjangoFilterBackend": (
        "drf_apifirst.filters.DjangoFilterBackend"
    ),
}


@register(TAG)
def check_filter_backends(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W012: a project kept its own DEFAULT_FILTER_BACKENDS (DRF's or django-filter's
    classes), which silently switches strict filtering and ordering off."""
    if not _app_installed() or not _uses_library():
        return []
    backends = [_dotted(b) for b in _rest_framework().get("DEFAULT_FILTER_BACKENDS") or ()]
    return [
        Warning(
            f"REST_FRAMEWORK['DEFAULT_FILTER_BACKENDS'] has {backend!r}: an unknown ordering "
            "field or an invalid filter value is ignored (every row answered) instead of a "
            "400 problem.",
            hint=f"Use {_LENIENT_FILTER_BACKENDS[backend]} (the same options), or leave "
            "DEFAULT_FILTER_BACKENDS to rest_framework_settings().",
            id="drf_apifirst.W012",
        )
        for backend in backends
        if backend in _LENIENT_FILTER_BACKENDS
    ]


@register(TAG)
def check_idempotency_store(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W015: the database idempotency store under ``ATOMIC_REQUESTS``, which hides a key's
    in-flight row from other workers until the request commits."""
    if not _app_installed():
        return []
    from django.db import router

    from drf_apifirst.idempotency import idempotency_store_class
    from drf_apifirst.models import IdempotencyRecord

    try:
        atomic = idempotency_store_class().atomic
    except (ImproperlyConfigured, ImportError):
        return []  # the settings checks name what is wrong with the setting
    if not atomic:
        return []
    alias = router.db_for_write(IdempotencyRecord)
    if not settings.DATABASES.get(alias, {}).get("ATOMIC_REQUESTS"):
        return []
    return [
        Warning(
            f"{SETTINGS_NAME}['IDEMPOTENCY_STORE'] keeps Idempotency-Key records in the "
            f"database while DATABASES[{alias!r}]['ATOMIC_REQUESTS'] is True: a key's "
            "in-flight row stays invisible until the request commits, so a concurrent "
            "retry waits for it instead of a 409, and a kept 4xx (a 404) becomes a 503 "
            "because DRF marks the request's transaction for rollback.",
            hint="Use the cache store (Redis) with ATOMIC_REQUESTS, or turn "
            "ATOMIC_REQUESTS off: the database store already runs a keyed request in "
            "one transaction (docs/caching.md).",
            id="drf_apifirst.W015",
        )
    ]
