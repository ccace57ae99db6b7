"""API versions with a lifecycle: declared once, deprecated with headers, sunset with 410.

    DRF_APIFIRST = {
        "VERSIONS": {
            "v1": {"deprecated": "2026-06-01", "sunset": "2027-06-01",
                   "link": "https://docs.example.com/migrate-to-v2"},
            "v2": {},
        },
        "DEFAULT_VERSION": "v2",
    }

Turn it on with ``rest_framework_settings(DEFAULT_VERSIONING_CLASS=
"drf_apifirst.versioning.URLPathVersioning")`` (``/api/v1/...``), or
``"drf_apifirst.versioning.AcceptHeaderVersioning"`` for
``Accept: application/json; version=v2``. Responses of a deprecated version (or endpoint)
carry ``Deprecation: @<unix-seconds>`` (RFC 9745), ``Sunset: <HTTP-date>`` (RFC 8594) and
``Link: <url>; rel="deprecation"``; after the sunset they are ``410 Gone`` problems.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import classproperty
from django.utils.http import http_date, parse_header_parameters
from django.utils.translation import gettext_lazy as _
from rest_framework import versioning
from rest_framework.exceptions import NotFound

from drf_apifirst.context import add_response_headers
from drf_apifirst.exceptions import Problem
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "AcceptHeaderVersioning",
    "Lifecycle",
    "URLPathVersioning",
    "UnknownVersion",
    "VersionLifecycleMixin",
    "VersionSunset",
    "deprecate",
    "endpoint_lifecycle",
    "lifecycle_headers",
    "parse_moment",
    "version_lifecycle",
]


def now() -> datetime.datetime:
    """The clock the lifecycle reads; tests freeze it."""
    return timezone.now()


def parse_moment(value: Any) -> datetime.datetime | None:
    """``"2026-06-01"`` (midnight UTC), an ISO datetime, a date or datetime; else None."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.timezone.utc)
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return parse_moment(moment)
        day = parse_date(value)
        if day is not None:
            return parse_moment(day)
    return None


@dataclass(frozen=True)
class Lifecycle:
    """When something was deprecated, when it goes away, and where to read about it."""

    deprecated: datetime.datetime | None = None
    sunset: datetime.datetime | None = None
    link: str | None = None
    sunset_link: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Lifecycle:
        return cls(
            deprecated=parse_moment(config.get("deprecated")),
            sunset=parse_moment(config.get("sunset")),
            link=config.get("link"),
            sunset_link=config.get("sunset_link") or config.get("link"),
        )

    @property
    def is_deprecated(self) -> bool:
        return self.deprecated is not None or self.sunset is not None

    def is_past_sunset(self, moment: datetime.datetime) -> bool:
        return self.sunset is not None and moment >= self.sunset


def version_lifecycle(version: str | None) -> Lifecycle | None:
    """The lifecycle ``DRF_APIFIRST["VERSIONS"]`` declares for ``version`` (read at each
    call), or ``None`` for a version without one."""
    if version is None:
        return None
    config = apifirst_settings.VERSIONS.get(version)
    return Lifecycle.from_config(config) if config else None


def endpoint_lifecycle(view: Any) -> Lifecycle | None:
    """The lifecycle ``@deprecate`` put on the view's action, else on the view class."""
    handler = getattr(view, getattr(view, "action", None) or "", None)
    for target in (handler, type(view)):
        lifecycle: Lifecycle | None = getattr(target, "apifirst_lifecycle", None)
        if lifecycle is not None:
            return lifecycle
    return None


def lifecycle_headers(lifecycle: Lifecycle) -> dict[str, str]:
    """The Deprecation, Sunset and Link header values for a lifecycle."""
    headers: dict[str, str] = {}
    links = []
    if lifecycle.deprecated is not None:
        headers["Deprecation"] = f"@{int(lifecycle.deprecated.timestamp())}"
        if lifecycle.link:
            links.append(f'<{lifecycle.link}>; rel="deprecation"')
    if lifecycle.sunset is not None:
        headers["Sunset"] = http_date(lifecycle.sunset.timestamp())
        if lifecycle.sunset_link:
            links.append(f'<{lifecycle.sunset_link}>; rel="sunset"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def deprecate(
    *,
    deprecated: Any = None,
    sunset: Any = None,
    link: str | None = None,
    sunset_link: str | None = None,
) -> Callable[[Any], Any]:
    """Mark a viewset, view or action as deprecated:

    @deprecate(deprecated="2026-01-01", sunset="2026-12-31", link="https://...")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None): ...
    """
    lifecycle = Lifecycle(
        deprecated=parse_moment(deprecated) if deprecated is not None else None,
        sunset=parse_moment(sunset) if sunset is not None else None,
        link=link,
        sunset_link=sunset_link or link,
    )
    if (deprecated is not None and lifecycle.deprecated is None) or (
        sunset is not None and lifecycle.sunset is None
    ):
        raise ValueError(f"deprecate() takes ISO dates or datetimes, not {deprecated!r}/{sunset!r}")
    if lifecycle.deprecated is None and lifecycle.sunset is None:
        lifecycle = Lifecycle(deprecated=now(), link=link)
    if lifecycle.deprecated and lifecycle.sunset and lifecycle.sunset < lifecycle.deprecated:
        raise ValueError("deprecate(): the sunset is before the deprecation.")

    def mark(target: Any) -> Any:
        target.apifirst_lifecycle = lifecycle
        return target

    return mark


class UnknownVersion(Problem):
    """404: the URL names a version ``DRF_APIFIRST["VERSIONS"]`` does not declare.

    Its body lists the declared ``versions``. With ``AcceptHeaderVersioning`` the same
    problem is a 406; a host's own versioning class picks another through
    ``unknown_version_class``.
    """

    status_code = 404
    default_code = "unknown_version"
    default_detail: StrOrPromise = _("This API version does not exist.")
    title: StrOrPromise = _("Unknown API version.")
    extension_members: Mapping[str, Any] = {
        "versions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The versions this API has.",
        }
    }


class UnknownAcceptedVersion(UnknownVersion):
    status_code = 406


class VersionSunset(Problem):
    """410: the version (or the ``@deprecate``-d endpoint) is past its sunset date and
    ``DRF_APIFIRST["AFTER_SUNSET"]`` is ``"gone"``.

    Raised while the version is determined, before authentication and the action, so a
    retired version answers nothing else; until the sunset, the lifecycle headers
    announce it.
    """

    status_code = 410
    default_code = "version_sunset"
    default_detail: StrOrPromise = _("This API version (or endpoint) has been retired.")
    title: StrOrPromise = _("Gone.")


class _LifecycleVersioning:
    """Versions and the default read from DRF_APIFIRST at each request."""

    unknown_version_class: type[UnknownVersion] = UnknownVersion

    @classproperty
    def allowed_versions(cls) -> list[str]:
        return list(apifirst_settings.VERSIONS)

    @classproperty
    def default_version(cls) -> str | None:
        version: str | None = apifirst_settings.DEFAULT_VERSION
        return version

    def is_allowed_version(self, version: Any) -> bool:
        allowed = self.allowed_versions
        return not allowed or version in allowed

    def unknown(self, version: Any) -> UnknownVersion:
        versions = list(self.allowed_versions)
        return self.unknown_version_class(
            _("Unknown API version '{version}'. Versions: {versions}.").format(
                version=version, versions=", ".join(versions)
            ),
            versions=versions,
        )


class URLPathVersioning(_LifecycleVersioning, versioning.URLPathVersioning):  # type: ignore[misc]
    """``/api/<version>/tasks/``: an unknown version is a 404 problem listing the versions."""

    def determine_version(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        version = kwargs.get(self.version_param, self.default_version)
        if version is None:
            version = self.default_version
        if not self.is_allowed_version(version):
            raise self.unknown(version)
        return version


class AcceptHeaderVersioning(_LifecycleVersioning, versioning.AcceptHeaderVersioning):  # type: ignore[misc]
    """``Accept: application/json; version=v2``: an unknown version is a 406 problem."""

    unknown_version_class = UnknownAcceptedVersion

    def determine_version(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            _, params = parse_header_parameters(request.accepted_media_type or "")
        except ValueError:  # longer than Django parses: a version is not in it
            params = {}
        version = params.get(self.version_param, self.default_version)
        if not self.is_allowed_version(version):
            raise self.unknown(version)
        return version


class VersionLifecycleMixin:
    """Per-version actions, deprecated endpoints and sunsets.

    ``action_versions = {"archive": ("v2", None)}``: the action exists from v2 on (inclusive)
    and until a version if given; elsewhere it is a 404. ``@deprecate(...)`` on the viewset
    or an action, or a deprecated version in ``VERSIONS``, adds the lifecycle headers;
    after the sunset the request is a 410 problem (``AFTER_SUNSET = "gone"``).
    """

    # {action: (first version, last version or None)}.
    action_versions: Mapping[str, tuple[str | None, str | None]] = {}

    def action_in_version(self, action: str | None, version: str | None) -> bool:
        span = self.action_versions.get(action or "")
        if span is None or version is None:
            return True
        order = list(apifirst_settings.VERSIONS)
        if version not in order:
            return True
        since, until = span
        position = order.index(version)
        if since is not None and position < order.index(since):
            return False
        return not (until is not None and position > order.index(until))

    def get_lifecycle(self) -> Lifecycle | None:
        """The endpoint's own lifecycle (action, then viewset), else its version's."""
        version = getattr(self.request, "version", None)  # type: ignore[attr-defined]
        return endpoint_lifecycle(self) or version_lifecycle(version)

    def determine_version(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        version, scheme = super().determine_version(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular generating a schema
            return version, scheme
        if not self.action_in_version(getattr(self, "action", None), version):
            raise NotFound()
        request.version = version
        lifecycle = self.get_lifecycle()
        if lifecycle is not None and lifecycle.is_deprecated:
            add_response_headers(request, lifecycle_headers(lifecycle))
            if lifecycle.is_past_sunset(now()) and apifirst_settings.AFTER_SUNSET == "gone":
                raise VersionSunset()
        return version, scheme
