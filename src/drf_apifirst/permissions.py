"""Scopes: ``tasks:read`` for safe methods, ``tasks:write`` for the others.

    class TaskViewSet(ApiModelViewSet):
        scopes = "tasks"
        action_scopes = {"archive": "tasks:admin"}   # per action, replaces the default

An API key grants the scopes stored on it; a user (token or session) those that
``DRF_APIFIRST["USER_SCOPES"]`` returns — every scope by default. ``"tasks:*"`` grants
every ``tasks:`` scope, ``"*"`` all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from drf_apifirst.exceptions import Problem
from drf_apifirst.principals import granted_scopes

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "HasScope",
    "InsufficientScope",
    "PermissionsByActionMixin",
    "all_scopes",
    "granted_scopes",
    "required_scope",
]


class InsufficientScope(Problem):
    """403: the caller is authenticated, but its API key or user lacks the scope the
    request needs (``HasScope``); 401 stays for missing or bad credentials."""

    status_code = 403
    default_code = "insufficient_scope"
    default_detail: StrOrPromise = _("The credentials do not grant the scope this request needs.")
    title: StrOrPromise = _("Insufficient scope.")


def all_scopes(user: Any, request: Any) -> Iterable[str] | None:
    """The default ``USER_SCOPES``: a signed-in user has every scope (``None``)."""
    return None


def required_scope(request: Any, view: Any) -> str | None:
    """The scope this request needs on ``view``, or None when it declares none."""
    action = getattr(view, "action", None)
    action_scopes = getattr(view, "action_scopes", None) or {}
    if action in action_scopes:
        scope: str | None = action_scopes[action]
        return scope
    base = getattr(view, "scopes", None)
    if not base:
        return None
    return f"{base}:read" if request.method in SAFE_METHODS else f"{base}:write"


def _grants(granted: set[str], required: str) -> bool:
    family = required.split(":", 1)[0]
    return required in granted or f"{family}:*" in granted or "*" in granted


class HasScope(BasePermission):
    """Refuses, with a 403 ``insufficient_scope`` problem naming the scope, a request
    whose credentials lack the scope the view and action need."""

    def has_permission(self, request: Any, view: Any) -> bool:
        required = required_scope(request, view)
        if required is None:
            return True
        granted = granted_scopes(request)
        if granted is None or _grants(granted, required):
            return True
        raise InsufficientScope(
            _("This request needs the scope '{scope}'.").format(scope=required),
            required_scope=required,
        )


class PermissionsByActionMixin:
    """``permission_classes_by_action = {"destroy": [IsAdminUser]}`` replaces
    ``permission_classes`` for the actions it names."""

    permission_classes_by_action: Mapping[str, Sequence[type[BasePermission]]] = {}

    def get_permissions(self) -> list[BasePermission]:
        classes = self.permission_classes_by_action.get(getattr(self, "action", None) or "")
        if classes is None:
            permissions: list[BasePermission] = super().get_permissions()  # type: ignore[misc]
            return permissions
        return [permission() for permission in classes]
