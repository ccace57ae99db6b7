"""Health endpoints for load balancers and orchestrators (no auth, no throttling)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drf_apifirst.exceptions import Problem


class NotReady(Problem):
    status_code = 503
    default_code = "not_ready"
    default_detail = _("A dependency of this instance is down.")
    title = _("Not ready.")


class LivenessView(APIView):
    """``/healthz``: the process answers."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []
    versioning_class = None
    schema = None

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure at all means not ready
        return f"down: {type(exc).__name__}"
    return "ok"


def _cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # any failure at all means not ready
        return f"down: {type(exc).__name__}"
    return "ok" if ok else "down: value not kept"


class ReadinessView(LivenessView):
    """``/readyz``: each dependency's state. Without the database nothing works: a 503
    problem naming what is down, and the load balancer routes around this host. Without
    the cache the API still serves (throttles fail open, idempotent requests are refused,
    nothing is cached), and every host shares the one Redis, so taking hosts out would
    take the whole API down: a 200 that says ``"degraded"`` and names the cache."""

    def get(self, request: Request) -> Response:
        checks = {"database": _database(), "cache": _cache()}
        if checks["database"] != "ok":
            raise NotReady(checks=checks)
        status = "ok" if all(state == "ok" for state in checks.values()) else "degraded"
        return Response({"status": status, "checks": checks})
