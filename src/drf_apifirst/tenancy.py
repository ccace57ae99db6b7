"""Tenant isolation: which tenant a request acts for, and the querysets it may see.

A viewset declares the path from its model to the tenant; the base viewsets filter every
queryset by it, so another tenant's object is a 404 (never a 403 that confirms it
exists), and stamp it on created objects:

    class TaskViewSet(ApiModelViewSet):
        tenant_field = "project__organization"

The tenant of a request comes from ``DRF_APIFIRST["TENANT_RESOLVER"]``.
"""

from __future__ import annotations

from typing import Any

from drf_apifirst.settings import apifirst_settings

__all__ = ["get_tenant", "owner_tenant"]


def owner_tenant(request: Any) -> Any:
    """The default resolver: an API key's owner, else the authenticated user."""
    from drf_apifirst.models import AbstractAPIKey

    if isinstance(request.auth, AbstractAPIKey):
        return request.auth.owner  # type: ignore[attr-defined]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def get_tenant(request: Any) -> Any:
    """The tenant the request acts for (cached on the request), or None."""
    if not hasattr(request, "_apifirst_tenant"):
        request._apifirst_tenant = apifirst_settings.TENANT_RESOLVER(request)
    return request._apifirst_tenant
