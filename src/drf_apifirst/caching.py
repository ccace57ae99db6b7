"""Server-side caching of safe GET responses, invalidated by writes to the models.

    class TaskViewSet(ApiModelViewSet):
        cache_seconds = 30                        # or {"list": 30, "retrieve": 60}
        cache_models = [Project]                  # also invalidated by these
        cache_public = False                      # True: shared across callers of a tenant

A cached response is keyed by path, canonical query string, version, ``Accept``, the
caller (the key, user or address) and the resolved tenant — or, with ``cache_public``, the
tenant only, never shared across tenants. Every write through the ORM (``post_save``,
``post_delete``, ``m2m_changed``) of a model the view reads bumps a per-model generation
counter that is part of the key, so the next GET misses: no key scan, no stale page. The
models a view reads are its queryset's, its serializers' (nested and expandable ones
included) and ``cache_models``. A hit is answered after authentication, permissions and
throttling, without touching the database.

While the cache cannot be reached, responses are neither read from it nor stored (the
view answers, from the database). A write whose generation bump could not reach the
cache is bumped again by this process's next cached request, before it reads the cache.

Hooks: ``get_cache_ttl()``, ``get_cache_models()``, ``get_cache_key(request)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework import serializers

from drf_apifirst.compat import declared_fields
from drf_apifirst.context import canonical_query, request_context
from drf_apifirst.exceptions import ShortCircuit
from drf_apifirst.faults import CACHE_ERRORS, cache_failed
from drf_apifirst.principals import get_principal, get_tenant, granted_scopes, tenant_ident
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "GENERATION_KEY",
    "RESPONSE_KEY_PREFIX",
    "ResponseCacheMixin",
    "bump_generation",
    "model_generations",
    "serializer_models",
    "watch_models",
]

GENERATION_KEY = "drf_apifirst:gen:{label}"
RESPONSE_KEY_PREFIX = "drf_apifirst:resp:"
# Headers a cached response keeps.
_KEPT_HEADERS = ("Content-Type", "ETag", "Link", "Deprecation", "Sunset", "Content-Language")

_WATCHED: set[str] = set()
# Models written while the cache was down, in this process: bumped when it answers again.
_PENDING_BUMPS: set[str] = set()


def _bump(labels: Iterable[str]) -> None:
    for label in labels:
        key = GENERATION_KEY.format(label=label)
        try:
            if not cache.add(key, 1, None):
                try:
                    cache.incr(key)
                except ValueError:  # evicted between add and incr
                    cache.set(key, 1, None)
        except CACHE_ERRORS as exc:
            # The write itself succeeded; never fail it for the cache's sake.
            cache_failed(f"generation of {label}", exc)
            _PENDING_BUMPS.add(label)
        else:
            _PENDING_BUMPS.discard(label)


def _bump_pending() -> None:
    """Bump what was written while the cache was down (raises while it still is)."""
    for label in list(_PENDING_BUMPS):
        key = GENERATION_KEY.format(label=label)
        if not cache.add(key, 1, None):
            cache.incr(key)
        _PENDING_BUMPS.discard(label)


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
    """The current generation of each model, as one string for a cache key
    (``app.task=3,auth.user=1``): a write bumps a model's generation, so every response
    built from it is missed from then on."""
    labels = sorted({model._meta.label_lower for model in models})
    keys = [GENERATION_KEY.format(label=label) for label in labels]
    found = cache.get_many(keys)
    return ",".join(f"{label}={found.get(key, 0)}" for label, key in zip(labels, keys, strict=True))


def serializer_models(serializer_class: Any) -> set[type[Model]]:
    """The models a serializer class reads: its ``Meta.model`` and those of its declared
    nested serializers and expandable fields, recursively (without instantiating it)."""
    found: set[type[Model]] = set()
    pending = [serializer_class]
    seen: set[Any] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, type) or current in seen:
            continue
        seen.add(current)
        model = getattr(getattr(current, "Meta", None), "model", None)
        if isinstance(model, type) and issubclass(model, Model):
            found.add(model)
        for field in declared_fields(current).values():
            nested = field.child if isinstance(field, serializers.ListSerializer) else field
            if isinstance(nested, serializers.BaseSerializer):
                pending.append(type(nested))
        expandable = getattr(getattr(current, "Meta", None), "expandable_fields", {}) or {}
        for spec in expandable.values():
            pending.append(spec[0] if isinstance(spec, tuple) else spec)
    return found


def _declared_models(view_class: Any) -> set[type[Model]]:
    """What a view class reads, as far as its class attributes tell."""
    models: set[type[Model]] = set(getattr(view_class, "cache_models", ()) or ())
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        models.add(queryset.model)
    serializer_classes = [
        getattr(view_class, "serializer_class", None),
        *(getattr(view_class, "serializer_classes", None) or {}).values(),
    ]
    for serializer_class in serializer_classes:
        if serializer_class is not None:
            models |= serializer_models(serializer_class)
    return models


# Per class, once per process: both read only class attributes, and a cached GET asks on
# every request (a hit must stay cheap).
@lru_cache(maxsize=1024)
def _class_models(view_class: Any) -> frozenset[type[Model]]:
    return frozenset(_declared_models(view_class))


@lru_cache(maxsize=1024)
def _serializer_class_models(serializer_class: Any) -> frozenset[type[Model]]:
    return frozenset(serializer_models(serializer_class))


def _scopes_ident(request: Any) -> str:
    scopes = granted_scopes(request)
    return "*" if scopes is None else ",".join(sorted(scopes))


class ResponseCacheMixin:
    """Opt-in caching of GET responses, in every ``ApiGenericViewSet``: set
    ``cache_seconds`` on a viewset to turn it on; ``cache_models`` adds the models a
    method field reads, ``cache_public`` shares a response across a tenant's callers.

    The module docstring above says what a response is keyed by and how writes
    invalidate it; the hooks below change either per view.
    """

    # Seconds to cache GET responses: an int for every action, or {action: seconds}.
    cache_seconds: int | dict[str, int] | None = None
    # More models whose writes invalidate the cached responses (a method field's reads).
    cache_models: Iterable[type[Model]] = ()
    # Share one cached response across the callers of a tenant (never across tenants).
    cache_public: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.cache_seconds:
            # At import, so every process that writes has its receivers connected.
            watch_models(_declared_models(cls))

    def get_cache_ttl(self) -> int:
        """Seconds this request's response may be cached (0: not cached)."""
        seconds = self.cache_seconds
        if isinstance(seconds, dict):
            seconds = seconds.get(getattr(self, "action", None) or "")
        return int(seconds or 0)

    def get_cache_models(self) -> set[type[Model]]:
        """The models whose writes make this view's cached responses stale."""
        models = set(_class_models(type(self)))  # type: ignore[arg-type]  # classes hash
        get_serializer_class = getattr(self, "get_serializer_class", None)
        if get_serializer_class is not None:
            models |= _serializer_class_models(get_serializer_class())
        return models

    def get_cache_key(self, request: Any) -> str:
        """The cache key of this request's response: everything that selects what it
        shows and who may see it. Override to add what your views also depend on."""
        models = self.get_cache_models()
        watch_models(models)  # models only known per request (get_serializer_class)
        scoped = getattr(self, "tenant_field", None) is not None
        parts = {
            "path": request.path,
            "query": canonical_query(request),
            "version": str(getattr(request, "version", None)),
            "accept": request.headers.get("Accept", ""),
            "who": "public" if self.cache_public else get_principal(request).ident,
            "tenant": tenant_ident(get_tenant(request)) if scoped else "",
            # What the credentials may see decides the answer too (a role changed).
            "scopes": "public" if self.cache_public else _scopes_ident(request),
            "generations": model_generations(models),
        }
        text = json.dumps(parts, sort_keys=True)
        return RESPONSE_KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()

    def answer_from_cache(self, request: Any) -> None:
        """Pipeline step: a hit is raised as a ``ShortCircuit``; a miss remembers its key."""
        if request.method != "GET" or not self.get_cache_ttl():
            return
        try:
            _bump_pending()
            key = self.get_cache_key(request)
            stored = cache.get(key)
        except CACHE_ERRORS as exc:
            cache_failed("response cache", exc)
            return  # bypassed: the view answers, nothing is stored
        if stored is not None:
            response = HttpResponse(stored["content"], status=200)
            for name, value in stored["headers"].items():
                response[name] = value
            response["X-Cache"] = "hit"
            raise ShortCircuit(response)
        request_context(request).cache_key = key

    def store_in_cache(self, request: Any, response: Any) -> None:
        """Pipeline step: fill the cache on a miss; ``Cache-Control`` and ``Vary``."""
        ttl = self.get_cache_ttl() if request.method == "GET" else 0
        if not ttl:
            return
        context = request_context(request)
        key, context.cache_key = context.cache_key, None
        if key is not None and response.status_code == 200:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            kept = {n: response[n] for n in _KEPT_HEADERS if response.has_header(n)}
            try:
                cache.set(key, {"content": response.content, "headers": kept}, ttl)
            except CACHE_ERRORS as exc:
                cache_failed("response cache", exc)
            else:
                response["X-Cache"] = "miss"
        if response.status_code == 200:
            if self.cache_public and not getattr(self, "tenant_field", None):
                patch_cache_control(response, public=True, max_age=ttl)
            else:
                patch_cache_control(response, private=True, max_age=ttl)
            vary = ["Accept", "Authorization"]
            if apifirst_settings.API_KEY_HEADER:
                vary.append(apifirst_settings.API_KEY_HEADER)
            patch_vary_headers(response, vary)
