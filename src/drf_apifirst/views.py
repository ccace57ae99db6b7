"""The login, logout and logout-all views moved to ``drf_apifirst.auth_views`` in 0.2: a
module named ``views`` suggested all of the library's views. The old names import from
here with a ``PendingDeprecationWarning`` (docs/deprecation-policy.md)."""

from __future__ import annotations

from drf_apifirst._moved import moved_names

# Old name -> the module it lives in now.
MOVED = dict.fromkeys(
    (
        "InvalidCredentials",
        "LoginSerializer",
        "LoginView",
        "LogoutAllView",
        "LogoutView",
        "TokenSerializer",
        "TooManyTokens",
    ),
    "drf_apifirst.auth_views",
)

__all__: list[str] = []

__getattr__ = moved_names(__name__, MOVED)
