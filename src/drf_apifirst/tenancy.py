"""Tenant isolation: which tenant a request acts for, and the querysets it may see.

A viewset declares the path from its model to the tenant; the base viewsets filter every
queryset by it, so another tenant's object is a 404 (never a 403 that confirms it
exists), and stamp it on created and updated objects:

    class TaskViewSet(ApiModelViewSet):
        tenant_field = "project__organization"

The tenant of a request comes from ``DRF_APIFIRST["TENANT_RESOLVER"]``. The stamp reaches
``serializer.save()`` through the serializer's context (``get_save_kwargs()``), so a host's
``perform_create`` written the DRF way (``serializer.save(created_by=...)``) keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS

from drf_apifirst.principals import get_principal, get_tenant

__all__ = ["TenantScopedMixin", "get_tenant", "owner_tenant"]


def owner_tenant(request: Any) -> Any:
    """The default resolver: an API key's owner, else the authenticated user."""
    principal = get_principal(request)
    if principal.kind == "api_key":
        return principal.api_key.owner
    if principal.kind == "user":
        return principal.user
    return None


class TenantScopedMixin:
    """Filters every queryset to the request's tenant and stamps it on writes.

    ``tenant_field`` is the lookup from the model to the tenant (``"organization"``,
    ``"project__organization"``); the tenant comes from ``TENANT_RESOLVER``. Another
    tenant's object is then a 404, and a request with no tenant sees nothing.
    """

    # The lookup from the model to its tenant; None: the view is not tenant-scoped.
    tenant_field: str | None = None
    # {filter name: lookup from the filter's model to the tenant} for model-choice
    # filters the library cannot derive (drf_apifirst.filters.DjangoFilterBackend).
    filter_tenant_lookups: Mapping[str, str | None] = {}

    def get_tenant(self) -> Any:
        return get_tenant(self.request)  # type: ignore[attr-defined]

    def get_tenant_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Override to scope differently (e.g. by owner for some roles)."""
        if self.tenant_field is None:
            return queryset
        tenant = self.get_tenant()
        scoped: QuerySet[Any] = (
            queryset.none() if tenant is None else queryset.filter(**{self.tenant_field: tenant})
        )
        return scoped

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        return self.get_tenant_queryset(queryset)

    def get_save_kwargs(self) -> dict[str, Any]:
        """Keywords every ``serializer.save()`` of this view gets (the tenant, on a direct
        ``tenant_field``). Override to add your own (``{"created_by": user}``); a host's
        explicit ``serializer.save(**kwargs)`` still wins over these. The tenant keyword
        is given only to serializers whose model has the tenant field (a custom action may
        save another model); your own keywords reach every serializer the view builds."""
        if self.tenant_field is None or "__" in self.tenant_field:
            return {}
        return {self.tenant_field: self.get_tenant()}

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        if self.tenant_field is not None:
            context["tenant"] = self.get_tenant()
        request = getattr(self, "request", None)
        if request is not None and request.method not in SAFE_METHODS:
            context["save_kwargs"] = self.get_save_kwargs()
            context["tenant_field"] = self.tenant_field
        return context
