"""The login, logout and logout-all views moved to ``drf_apifirst.auth_views`` in 0.2: a
module named ``views`` suggested all of the library's views. The old names import from
here with a ``PendingDeprecationWarning`` (docs/deprecation-policy.md)."""

from __future__ import annotations

import warnings
from typing import Any

MOVED = (
    "InvalidCredentials",
    "LoginSerializer",
    "LoginView",
    "LogoutAllView",
    "LogoutView",
    "TokenSerializer",
    "TooManyTokens",
)

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    if name not in MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"drf_apifirst.views.{name} moved to drf_apifirst.auth_views.{name}.",
        PendingDeprecationWarning,
        stacklevel=2,
    )
    from drf_apifirst import auth_views

    return getattr(auth_views, name)
