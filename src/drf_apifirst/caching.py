"""Server-side caching of safe GET responses, invalidated by writes to the models.

    class TaskViewSet(ApiModelViewSet):
        cache_seconds = 30                        # or {"list": 30, "retrieve": 60}
        cache_models = [Project]                  # also invalidated by these (nested data)
        cache_public = False                      # True: shared across callers of a tenant

A cached response is keyed by path, sorted query string, version, ``Accept`` and the
caller (the key, user or address) — or, with ``cache_public``, the tenant only, never
shared across tenants. Every write through the ORM (``post_save``, ``post_delete``,
``m2m_changed``) bumps a per-model generation counter that is part of the key, so the next
GET misses: no key scan, no stale page. A hit is answered after authentication,
permissions and throttling, without touching the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from drf_apifirst.exceptions import ShortCircuit
from drf_apifirst.tenancy import get_tenant
from drf_apifirst.throttling import principal_ident

__all__ = ["ResponseCacheMixin", "bump_generation", "model_generations", "watch_models"]

_GENERATION = "drf_apifirst:gen:{label}"
# Headers a cached response keeps.
_KEPT_HEADERS = ("Content-Type", "ETag", "Link", "Deprecation", "Sunset", "Content-Language")
_VARY = ("Accept", "Authorization", "X-Api-Key")


_WATCHED: set[str] = set()


def _bump(labels: Iterable[str]) -> None:
    for label in labels:
        key = _GENERATION.format(label=label)
        if not cache.add(key, 1, None):
            try:
                cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, None)


def bump_generation(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete receiver: the model's cached responses are stale."""
    _bump([sender._meta.label_lower])


def _bump_on_m2m(sender: Any, instance: Any, action: str, model: Any, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    labels = {type(instance)._meta.label_lower, model._meta.label_lower} & _WATCHED
    _bump(labels)


def watch_models(models: Iterable[type[Model]]) -> None:
    """Invalidate cached responses when these models are written (done for cached viewsets)."""
    for model in models:
        label = model._meta.label_lower
        if label in _WATCHED:
            continue
        _WATCHED.add(label)
        post_save.connect(
            bump_generation, sender=model, dispatch_uid=f"drf_apifirst.gen.save.{label}"
        )
        post_delete.connect(
            bump_generation, sender=model, dispatch_uid=f"drf_apifirst.gen.delete.{label}"
        )
    m2m_changed.connect(_bump_on_m2m, dispatch_uid="drf_apifirst.gen.m2m")


def model_generations(models: Iterable[type[Model]]) -> str:
    labels = sorted({model._meta.label_lower for model in models})
    keys = [_GENERATION.format(label=label) for label in labels]
    found = cache.get_many(keys)
    return ",".join(f"{label}={found.get(key, 0)}" for label, key in zip(labels, keys, strict=True))


class ResponseCacheMixin:
    """Opt-in caching of GET responses; see the module docstring."""

    # Seconds to cache GET responses: an int for every action, or {action: seconds}.
    cache_seconds: int | dict[str, int] | None = None
    # More models whose writes invalidate the cached responses.
    cache_models: Iterable[type[Model]] = ()
    # Share one cached response across the callers of a tenant (never across tenants).
    cache_public: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.cache_seconds:
            queryset = getattr(cls, "queryset", None)
            watch_models([*([queryset.model] if queryset is not None else []), *cls.cache_models])

    def _cache_ttl(self) -> int:
        seconds = self.cache_seconds
        if isinstance(seconds, dict):
            seconds = seconds.get(getattr(self, "action", None) or "")
        return int(seconds or 0)

    def _cache_key(self, request: Any) -> str:
        queryset = getattr(self, "queryset", None)
        models = [*([queryset.model] if queryset is not None else []), *self.cache_models]
        if self.cache_public:
            tenant = get_tenant(request) if getattr(self, "tenant_field", None) else None
            who = f"tenant:{type(tenant).__name__}:{getattr(tenant, 'pk', None)}"
        else:
            who = principal_ident(request, request.META.get("REMOTE_ADDR", ""))
        parts = (
            request.path,
            "&".join(
                sorted(f"{k}={v}" for k, values in request.query_params.lists() for v in values)
            ),
            str(getattr(request, "version", None)),
            request.headers.get("Accept", ""),
            who,
            model_generations(models),
        )
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return f"drf_apifirst:resp:{digest}"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method != "GET" or not self._cache_ttl():
            return
        key = self._cache_key(request)
        stored = cache.get(key)
        if stored is not None:
            response = HttpResponse(stored["content"], status=200)
            for name, value in stored["headers"].items():
                response[name] = value
            response["X-Cache"] = "hit"
            raise ShortCircuit(response)
        self.__dict__["_apifirst_cache_key"] = key

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        ttl = self._cache_ttl() if request.method == "GET" else 0
        if not ttl:
            return response
        key = self.__dict__.pop("_apifirst_cache_key", None)
        if key is not None and response.status_code == 200:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            cache.set(
                key,
                {
                    "content": response.content,
                    "headers": {n: response[n] for n in _KEPT_HEADERS if response.has_header(n)},
                },
                ttl,
            )
            response["X-Cache"] = "miss"
        if response.status_code == 200:
            if self.cache_public and not getattr(self, "tenant_field", None):
                patch_cache_control(response, public=True, max_age=ttl)
            else:
                patch_cache_control(response, private=True, max_age=ttl)
            patch_vary_headers(response, _VARY)
        return response
