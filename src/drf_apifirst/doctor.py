"""What moving a DRF project onto the library changes for its clients, view by view.

``manage.py apifirst_doctor`` prints ``diagnose()``. Before the switch (``REST_FRAMEWORK``
is not ``rest_framework_settings()`` yet) it compares the project's settings with the
library's; after it, DRF's defaults with the project's. A view's own attribute
(``parser_classes``, ``pagination_class`` ...) is what it keeps either way.

Each finding has a level: ``break`` (an existing client breaks unless the host applies
the opt-out the finding names), ``change`` (clients notice; documented), ``decide`` (the
host must choose). See docs/migrating.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.utils.module_loading import import_string
from rest_framework import pagination as drf_pagination
from rest_framework import parsers as drf_parsers
from rest_framework.views import APIView

from drf_apifirst import checks
from drf_apifirst.settings import SETTINGS_NAME

__all__ = ["Finding", "diagnose", "is_migrated", "routed_views"]

BREAK, CHANGE, DECIDE = "break", "change", "decide"

# View attribute -> the REST_FRAMEWORK key it defaults to.
VIEW_DEFAULTS = {
    "parser_classes": "DEFAULT_PARSER_CLASSES",
    "renderer_classes": "DEFAULT_RENDERER_CLASSES",
    "authentication_classes": "DEFAULT_AUTHENTICATION_CLASSES",
    "permission_classes": "DEFAULT_PERMISSION_CLASSES",
    "throttle_classes": "DEFAULT_THROTTLE_CLASSES",
    "pagination_class": "DEFAULT_PAGINATION_CLASS",
    "filter_backends": "DEFAULT_FILTER_BACKENDS",
}
_PARAMETER = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Finding:
    """One thing ``diagnose()`` found: what clients will notice, or what the host must
    decide, about one view or the settings.

    ``level`` says how much it matters (a ``"break"`` makes ``apifirst_doctor`` exit 1
    until its ``opt_out`` is applied); ``topic`` groups findings (errors, pagination …);
    ``paths`` are the URL patterns of the view.
    """

    level: str
    topic: str
    # The view's dotted name, or "settings" for what applies to every view.
    subject: str
    message: str
    # What keeps the old behaviour (for a break), or what to read.
    opt_out: str = ""
    paths: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "paths": list(self.paths)}


def is_migrated() -> bool:
    """``REST_FRAMEWORK`` already uses the library (its exception handler)."""
    handler = getattr(settings, "REST_FRAMEWORK", {}).get("EXCEPTION_HANDLER", "")
    return checks._dotted(handler).startswith("drf_apifirst.")


def _pretty(route: str) -> str:
    route = _PARAMETER.sub(r"{\1}", route).replace("^", "").replace("$", "")
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.replace("\\Z", ""))
    return "/" + route.lstrip("/")


def routed_views() -> dict[type, list[str]]:
    """The host's DRF views the URLconf routes to, with their paths (the library's own
    views, DRF's API root and format-suffix routes left out)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[type, list[str]] = {}
    pending: list[tuple[str, Any]] = [("", p) for p in get_resolver().url_patterns]
    while pending:
        prefix, entry = pending.pop(0)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            pending[:0] = [(route, p) for p in entry.url_patterns]
            continue
        if not isinstance(entry, URLPattern):
            continue
        view_class = getattr(entry.callback, "cls", None) or getattr(
            entry.callback, "view_class", None
        )
        if (
            not isinstance(view_class, type)
            or not issubclass(view_class, APIView)
            or view_class.__module__.startswith(("drf_apifirst.", "rest_framework.", "drf_"))
            or "{format}" in _pretty(route)
        ):
            continue
        paths = found.setdefault(view_class, [])
        if _pretty(route) not in paths:
            paths.append(_pretty(route))
    return found


def _resolve(value: Any) -> Any:
    if isinstance(value, str):
        return import_string(value)
    if isinstance(value, (list, tuple)):
        return [_resolve(item) for item in value]
    return value


def _names(classes: Iterable[Any]) -> list[str]:
    return [getattr(cls, "__name__", str(cls)) for cls in classes]


def _uses_default(view_class: type, attribute: str) -> bool:
    """The view takes ``attribute`` from the settings (no class of the host sets it)."""
    if attribute == "authentication_classes" and getattr(view_class, "auth", None):
        return False
    owner = next((c for c in view_class.__mro__ if attribute in vars(c)), None)
    return owner is None or owner.__module__.startswith(("rest_framework.", "drf_apifirst."))


class _Settings:
    """The ``REST_FRAMEWORK`` values clients got before and get after."""

    def __init__(self, migrated: bool, before: Mapping[str, Any] | None = None) -> None:
        from rest_framework.settings import DEFAULTS, api_settings

        import drf_apifirst

        current = {key: getattr(api_settings, key) for key in VIEW_DEFAULTS.values()}
        # After the switch, what clients had is not in the settings any more: DRF's
        # defaults, or the project's old REST_FRAMEWORK when it is given.
        drf = {key: _resolve({**DEFAULTS, **(before or {})}[key]) for key in VIEW_DEFAULTS.values()}
        library = {
            key: _resolve(value)
            for key, value in drf_apifirst.rest_framework_settings().items()
            if key in VIEW_DEFAULTS.values()
        }
        self.before = drf if migrated else current
        self.after = current if migrated else library
        old_page_size = {**DEFAULTS, **(before or {})}["PAGE_SIZE"]
        self.page_sizes = (
            (old_page_size, api_settings.PAGE_SIZE)
            if migrated
            else (api_settings.PAGE_SIZE, drf_apifirst.rest_framework_settings()["PAGE_SIZE"])
        )
        raw_rates = drf_apifirst.rest_framework_settings()["DEFAULT_THROTTLE_RATES"]
        self.after_rates = api_settings.DEFAULT_THROTTLE_RATES if migrated else raw_rates

    def values(self, view_class: type, attribute: str) -> tuple[Any, Any]:
        if not _uses_default(view_class, attribute):
            value = getattr(view_class, attribute)
            return value, value
        key = VIEW_DEFAULTS[attribute]
        return self.before[key], self.after[key]


def _file_fields(view_class: type) -> list[str]:
    found = []
    for serializer_class in checks._serializer_classes(view_class):
        names = checks._file_fields(serializer_class)
        if names:
            found.append(f"{serializer_class.__name__}: {', '.join(names)}")
    return found


def _media_types(parser_classes: Iterable[Any]) -> list[str]:
    return [getattr(parser, "media_type", "?") for parser in parser_classes]


def _parsers(view_class: type, known: _Settings, subject: str) -> list[Finding]:
    before, after = known.values(view_class, "parser_classes")
    multipart = (drf_parsers.MultiPartParser, drf_parsers.FileUploadParser)
    takes_uploads = any(isinstance(p, type) and issubclass(p, multipart) for p in after)
    files = _file_fields(view_class)
    if files and not takes_uploads:
        return [
            Finding(
                BREAK,
                "parsers",
                subject,
                f"uploads become 415: it takes files ({'; '.join(files)}) but would read "
                f"only {', '.join(_media_types(after))}",
                "parser_classes = drf_apifirst.parsers.UPLOAD_PARSER_CLASSES",
            )
        ]
    lost = [m for m in _media_types(before) if m not in _media_types(after)]
    if not lost or not hasattr(view_class, "create"):
        return []
    return [
        Finding(
            CHANGE,
            "parsers",
            subject,
            f"request bodies as {', '.join(lost)} become 415 problems; "
            f"{', '.join(_media_types(after))} only",
            "docs/migrating.md#parsers-and-uploads",
        )
    ]


def _page_kind(paginator_class: Any) -> str:
    if paginator_class is None:
        return "none"
    for kind, base in (
        ("limit/offset", drf_pagination.LimitOffsetPagination),
        ("cursor", drf_pagination.CursorPagination),
        ("page number", drf_pagination.PageNumberPagination),
    ):
        if isinstance(paginator_class, type) and issubclass(paginator_class, base):
            return kind
    return "custom"


_LIBRARY_PAGINATORS = {
    "none": "pagination_class = None",
    "limit/offset": "pagination_class = drf_apifirst.pagination.LimitOffsetPagination",
    "page number": "pagination_class = drf_apifirst.pagination.PageNumberPagination",
    "cursor": "pagination_class = drf_apifirst.pagination.CursorPagination",
}


def _pagination(view_class: type, known: _Settings, subject: str) -> list[Finding]:
    before, after = known.values(view_class, "pagination_class")
    old, new = _page_kind(before), _page_kind(after)
    if old != new:
        shape = "a bare array" if old == "none" else f"{old} pages"
        return [
            Finding(
                BREAK,
                "pagination",
                subject,
                f"lists change from {shape} to {new} pages"
                + (
                    " (limit and offset become unknown parameters)" if old == "limit/offset" else ""
                ),
                _LIBRARY_PAGINATORS.get(old, "keep pagination_class on the view"),
            )
        ]
    if before is after or not getattr(after, "__module__", "").startswith("drf_apifirst."):
        return []
    from drf_apifirst.settings import apifirst_settings

    return [
        Finding(
            CHANGE,
            "pagination",
            subject,
            f"{new} pages: the size is capped at {apifirst_settings.MAX_PAGE_SIZE}, a "
            "malformed page parameter is a 400 problem, and a Link header is sent",
            "docs/pagination.md",
        )
    ]


def _strict_parameters(view_class: type, known: _Settings, subject: str) -> list[Finding]:
    from drf_apifirst.settings import apifirst_settings

    before, after = known.values(view_class, "filter_backends")
    strict = getattr(view_class, "strict_query_parameters", None)
    if strict is None:
        strict = apifirst_settings.STRICT_QUERY_PARAMETERS
    library = any(getattr(b, "__module__", "").startswith("drf_apifirst.") for b in after)
    if not library:
        return []
    notes = []
    ordering_fields = getattr(view_class, "ordering_fields", None)
    had_ordering = any(getattr(b, "__name__", "") == "OrderingFilter" for b in before)
    if had_ordering and ordering_fields is None:
        notes.append("?ordering= (DRF ordered by any serializer field; no ordering_fields)")
    elif had_ordering and ordering_fields != "__all__":
        notes.append(f"?ordering= outside {', '.join(ordering_fields or [])}")
    if getattr(view_class, "filterset_fields", None) or getattr(
        view_class, "filterset_class", None
    ):
        notes.append("an invalid or blank filter value (django-filter ignored it)")
    if strict:
        notes.append("any other query parameter (a misspelt filter returned every row)")
    if not notes:
        return []
    return [
        Finding(
            CHANGE,
            "parameters",
            subject,
            "becomes a 400 problem on the list: " + "; ".join(notes),
            "strict_query_parameters = False on the view (while clients adapt)",
        )
    ]


def _authentication(view_class: type, known: _Settings, subject: str) -> list[Finding]:
    before, after = known.values(view_class, "authentication_classes")
    after_names = set(_names(after)) | {checks._dotted(c) for c in after}
    lost = [c for c in before if checks._dotted(c) not in after_names]
    findings = []
    if lost:
        findings.append(
            Finding(
                BREAK,
                "authentication",
                subject,
                f"clients authenticating with {', '.join(checks._dotted(c) for c in lost)} "
                f"become anonymous (read: {', '.join(_names(after))})",
                "list them in rest_framework_settings(DEFAULT_AUTHENTICATION_CLASSES=[...]) "
                "(docs/migrating.md#authentication-and-tokens)",
            )
        )
    before_perms, after_perms = known.values(view_class, "permission_classes")
    if "AllowAny" in _names(before_perms) and "IsAuthenticated" in _names(after_perms):
        findings.append(
            Finding(
                BREAK,
                "permissions",
                subject,
                "anonymous requests become 401 problems (IsAuthenticated)",
                "permission_classes = [AllowAny] on the view, or "
                "rest_framework_settings(DEFAULT_PERMISSION_CLASSES=[...])",
            )
        )
    return findings


def _throttles(view_class: type, known: _Settings, subject: str) -> list[Finding]:
    before, after = known.values(view_class, "throttle_classes")
    if not after or list(before) == list(after):
        return []
    rates = ", ".join(f"{k} {v}" for k, v in known.after_rates.items() if v)
    return [
        Finding(
            CHANGE,
            "throttles",
            subject,
            f"rate limited ({rates}): RateLimit headers, 429 problems with Retry-After",
            "throttle_classes = [] on the view, or DEFAULT_THROTTLE_RATES",
        )
    ]


def _headers(view_class: type, subject: str) -> list[Finding]:
    from drf_apifirst.viewsets import ApiGenericViewSet

    library = issubclass(view_class, ApiGenericViewSet)
    when = "" if library else "after the swap to an ApiModelViewSet: "
    sends = []
    if hasattr(view_class, "retrieve"):
        sends.append("detail GETs carry an ETag (If-None-Match: 304, stale If-Match: 412)")
    if hasattr(view_class, "create") or hasattr(view_class, "partial_update"):
        sends.append("POST/PATCH honour Idempotency-Key (a replay returns the first response)")
    if not sends:
        return []
    return [Finding(CHANGE, "headers", subject, when + "; ".join(sends), "docs/caching.md")]


def _view_findings(view_class: type, paths: Sequence[str], known: _Settings) -> list[Finding]:
    subject = checks._name(view_class)
    findings = _parsers(view_class, known, subject)
    if hasattr(view_class, "list"):
        findings += _pagination(view_class, known, subject)
        findings += _strict_parameters(view_class, known, subject)
    findings += _authentication(view_class, known, subject)
    findings += _throttles(view_class, known, subject)
    findings += _headers(view_class, subject)
    return [
        Finding(f.level, f.topic, f.subject, f.message, f.opt_out, tuple(paths)) for f in findings
    ]


def _settings_findings(known: _Settings) -> list[Finding]:
    findings = [
        Finding(
            CHANGE,
            "errors",
            "settings",
            "every error becomes an RFC 9457 problem (application/problem+json, "
            '`code`, `errors[].pointer`) instead of {"detail": ...} / {field: [...]}',
            "docs/migrating.md#what-your-clients-see-change",
        )
    ]
    old_size, new_size = known.page_sizes
    if old_size != new_size:
        findings.append(
            Finding(
                CHANGE,
                "page size",
                "settings",
                f"PAGE_SIZE changes from {old_size} to {new_size}: a list asked for without "
                "a size gets that many items",
                f"rest_framework_settings(PAGE_SIZE={old_size})",
            )
        )
    lost = [
        getattr(r, "media_type", "?")
        for r in known.before["DEFAULT_RENDERER_CLASSES"]
        if getattr(r, "format", None)
        not in {getattr(a, "format", None) for a in known.after["DEFAULT_RENDERER_CLASSES"]}
    ]
    if lost:
        findings.append(
            Finding(
                CHANGE,
                "renderers",
                "settings",
                f"no longer rendered: {', '.join(lost)} (the browsable API)",
                "rest_framework_settings(DEFAULT_RENDERER_CLASSES=[...])",
            )
        )
    return findings


def _host_decisions() -> list[Finding]:
    findings = []
    backend = (getattr(settings, "CACHES", {}).get("default") or {}).get("BACKEND", "")
    if backend not in checks._SHARED_ATOMIC_CACHES:
        cost = (
            f" and costs {checks.DATABASE_CACHE_QUERIES_PER_LIMIT} queries per limit per request"
            if backend == checks.DATABASE_CACHE
            else ""
        )
        findings.append(
            Finding(
                DECIDE,
                "cache",
                "settings",
                f"CACHES['default'] is {backend}: rate limits, key lookups and idempotency "
                f"records are not shared across workers{cost}",
                "Redis or Memcached (docs/deploying.md)",
            )
        )
    user_settings = getattr(settings, SETTINGS_NAME, {})
    if not (isinstance(user_settings, Mapping) and user_settings.get("TRUSTED_PROXIES")):
        findings.append(
            Finding(
                DECIDE,
                "proxies",
                "settings",
                "TRUSTED_PROXIES trusts no proxy: behind a load balancer every anonymous "
                "client shares one rate limit",
                "docs/settings.md#trusted_proxies",
            )
        )
    return findings


def _token_keywords(known: _Settings) -> list[Finding]:
    from knox.settings import knox_settings
    from rest_framework.authentication import TokenAuthentication as DrfToken

    from drf_apifirst.authentication import TokenAuthentication

    used = known.before["DEFAULT_AUTHENTICATION_CLASSES"]
    after = known.after["DEFAULT_AUTHENTICATION_CLASSES"]
    if not any(isinstance(c, type) and issubclass(c, DrfToken) for c in used):
        return []
    both = any(isinstance(c, type) and issubclass(c, DrfToken) for c in after) and any(
        isinstance(c, type) and issubclass(c, TokenAuthentication) for c in after
    )
    if both and str(knox_settings.AUTH_HEADER_PREFIX).lower() == DrfToken.keyword.lower():
        return [
            Finding(
                BREAK,
                "authentication",
                "settings",
                "knox and DRF's TokenAuthentication both read 'Authorization: Token ...': "
                "each rejects the other's tokens",
                "REST_KNOX = {'AUTH_HEADER_PREFIX': 'Bearer'} "
                "(docs/migrating.md#authentication-and-tokens)",
            )
        ]
    return [
        Finding(
            DECIDE,
            "authentication",
            "settings",
            "DRF authtoken tokens are in use: knox tokens cannot be carried over; keep DRF's "
            "TokenAuthentication beside knox (another keyword) until users have logged in "
            "again",
            "docs/migrating.md#authentication-and-tokens",
        )
    ]


def _check_findings(view_classes: Sequence[type]) -> list[Finding]:
    messages: list[CheckMessage] = [
        *checks.check_list_attributes(view_classes=view_classes),
        *checks.check_view_schemas(view_classes=view_classes),
        *checks.check_shadowed_urls(),
    ]
    return [
        Finding(
            BREAK,
            "checks",
            checks._name(m.obj) if isinstance(m.obj, type) else "settings",
            f"{m.id}: {m.msg}",
            m.hint or "",
        )
        for m in messages
    ]


def _schema_findings(contract_dir: Any) -> list[Finding]:
    from pathlib import Path

    import yaml

    from drf_apifirst.contract import diff_schemas
    from drf_apifirst.management.commands.apifirst_schema import file_name, render
    from drf_apifirst.settings import apifirst_settings

    findings = []
    for version in list(apifirst_settings.VERSIONS) or [None]:
        path = Path(contract_dir) / file_name(version)
        if not path.exists():
            continue
        old = yaml.safe_load(path.read_text(encoding="utf-8"))
        new = yaml.safe_load(render(version))
        for change in diff_schemas(old, new):
            findings.append(
                Finding(
                    CHANGE,
                    "schema",
                    f"schema {version or ''}".strip(),
                    f"{'breaking: ' if change.breaking else ''}{change.location}: {change.message}",
                    change.kind,
                )
            )
    return findings


def diagnose(*, contract_dir: Any = None, before: Mapping[str, Any] | None = None) -> list[Finding]:
    """Every finding for the project as configured now: settings first, then per view.

    ``before``: after the switch, the ``REST_FRAMEWORK`` the project had (default: DRF's
    defaults); ``contract_dir``: documents exported before the switch."""
    migrated = is_migrated()
    known = _Settings(migrated, before)
    views = routed_views()
    findings = _settings_findings(known) + _token_keywords(known)
    for view_class, paths in views.items():
        findings += _view_findings(view_class, paths, known)
    findings += _check_findings(list(views))
    findings += _host_decisions()
    if contract_dir is not None:
        findings += _schema_findings(contract_dir)
    return findings
