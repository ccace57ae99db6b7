"""Authentication: API keys for integrations, knox tokens for users.

    Authorization: Api-Key 3fa8Xm1q.Zk0...      (APIKeyAuthentication)
    Authorization: Token 9c1e...                 (TokenAuthentication, knox)

Unknown, expired and revoked keys all get the same 401 problem, so the answer says
nothing about which keys exist.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from hmac import compare_digest
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from drf_apifirst.faults import CACHE_ERRORS, cache_failed
from drf_apifirst.models import AbstractAPIKey, get_api_key_model
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "APIKeyAuthentication",
    "APIKeyPrincipal",
    "AuthSchemesMixin",
    "TokenAuthentication",
    "drop_cached_api_key",
    "forget_api_key",
    "lookup_api_key",
]

# Keys are "<prefix>.<secret>": 8 + 1 + 32 characters; anything much longer is not a key.
_MAX_KEY_LENGTH = 200


def _cache_key(model: Any, prefix: str) -> str:
    return f"drf_apifirst:apikey:{model._meta.label_lower}:{prefix}"


def lookup_api_key(key: str) -> AbstractAPIKey | None:
    """The key record whose hash matches ``key``, from the Django cache when it can be."""
    prefix, dot, secret = key.partition(".")
    if not (prefix and dot and secret) or len(key) > _MAX_KEY_LENGTH:
        return None
    model = get_api_key_model()
    seconds = apifirst_settings.API_KEY_CACHE_SECONDS
    cache_key = _cache_key(model, prefix)
    api_key = _cached(cache.get, cache_key) if seconds else None
    if api_key is None:
        queryset = model.objects.filter(prefix=prefix)
        if any(field.name == "owner" for field in model._meta.fields):
            queryset = queryset.select_related("owner")
        api_key = queryset.first()
        if api_key is None:
            return None
        if seconds:
            _cached(cache.set, cache_key, api_key, seconds)
    return api_key if api_key.is_valid(key) else None


def _cached(operation: Any, *args: Any) -> Any:
    """A cache call that answers None while the cache is down (the database answers)."""
    try:
        return operation(*args)
    except CACHE_ERRORS as exc:
        cache_failed("API key lookup", exc)
        return None


def forget_api_key(api_key: AbstractAPIKey) -> None:
    """Drop a key from the lookup cache (done on every save and delete of a key)."""
    # While the cache is down this cannot reach it: a revoked key may be honoured from a
    # cache that comes back with it, for at most API_KEY_CACHE_SECONDS.
    _cached(cache.delete, _cache_key(type(api_key), api_key.prefix))


def drop_cached_api_key(sender: type, instance: object, **kwargs: object) -> None:
    """post_save / post_delete receiver: a changed key must not live on in the cache."""
    if isinstance(instance, AbstractAPIKey):
        forget_api_key(instance)


def _record_use(api_key: AbstractAPIKey) -> None:
    """Write ``last_used_at`` at most once per interval per key, across processes."""
    interval = apifirst_settings.API_KEY_LAST_USED_INTERVAL
    now = timezone.now()
    last = api_key.last_used_at
    if interval and last is not None and (now - last).total_seconds() < interval:
        return
    # One process per interval wins this add (atomic in Redis, Memcached and locmem).
    used_key = f"drf_apifirst:apikey-used:{api_key.prefix}"
    if interval and not _cached(cache.add, used_key, 1, interval):
        return  # another process writes it (or the cache is down: skip it this time)
    type(api_key).objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
    if apifirst_settings.API_KEY_CACHE_SECONDS:
        _cached(
            cache.set,
            _cache_key(type(api_key), api_key.prefix),
            api_key,
            apifirst_settings.API_KEY_CACHE_SECONDS,
        )


class APIKeyPrincipal:
    """``request.user`` for a key whose owner is not a user (an organization, say).

    Authenticated, never staff, no Django permissions; ``owner`` and ``api_key`` say who.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: AbstractAPIKey) -> None:
        self.api_key = api_key
        # Whatever the key model's owner is (a user, an organization).
        self.owner: Any = api_key.owner  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix} of {self.owner}"

    @property
    def username(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, module: str) -> bool:
        return False


class APIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` (and ``DRF_APIFIRST["API_KEY_HEADER"]`` if set).

    ``request.auth`` is the key; ``request.user`` its owner when that is a user, else an
    ``APIKeyPrincipal``. A verified key is cached (``API_KEY_CACHE_SECONDS``), so with a
    warm cache authentication costs no query.
    """

    keyword = "Api-Key"
    invalid_key_message: StrOrPromise = _("Invalid API key.")
    invalid_header_message: StrOrPromise = _(
        "Invalid API key header: send 'Authorization: Api-Key <key>'."
    )

    def get_key(self, request: Request) -> str | None:
        parts = get_authorization_header(request).split()
        if parts and parts[0].lower() == self.keyword.lower().encode():
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed(self.invalid_header_message)
            try:
                return str(parts[1].decode("ascii"))
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed(self.invalid_header_message) from None
        header = apifirst_settings.API_KEY_HEADER
        if header:
            value = request.META.get("HTTP_" + header.upper().replace("-", "_"))
            if value is not None:
                if not value.strip():
                    raise exceptions.AuthenticationFailed(self.invalid_header_message)
                return str(value.strip())
        return None

    def authenticate(self, request: Request) -> tuple[Any, AbstractAPIKey] | None:
        key = self.get_key(request)
        if key is None:
            return None
        api_key = lookup_api_key(key)
        if api_key is None or not api_key.is_usable:
            raise exceptions.AuthenticationFailed(self.invalid_key_message)
        _record_use(api_key)
        owner = api_key.owner  # type: ignore[attr-defined]
        user = owner if isinstance(owner, get_user_model()) else APIKeyPrincipal(api_key)
        if not getattr(user, "is_active", True):
            raise exceptions.AuthenticationFailed(self.invalid_key_message)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


# knox has no type information: its class is Any to a type checker.
class TokenAuthentication(KnoxTokenAuthentication):  # type: ignore[misc]
    """django-rest-knox bearer tokens: ``Authorization: Token <token>``.

    The keyword, expiry and auto-refresh follow ``REST_KNOX`` settings
    (``AUTH_HEADER_PREFIX``, ``TOKEN_TTL``, ``AUTO_REFRESH``). knox matches the header
    against ``authenticate_header()``, which is also the ``WWW-Authenticate`` value.

    One query per request: knox also sweeps the user's other expired tokens on every
    request (a second query); here that sweep happens at login instead.
    """

    invalid_token_message: StrOrPromise = _("Invalid token.")

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        """knox's, with the sweep of the user's other expired tokens left to login."""
        text = token.decode("utf-8")
        for auth_token in (
            get_token_model()
            .objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
        ):
            if self.delete_if_expired(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(self.invalid_token_message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                user_and_token: tuple[Any, Any] = self.validate_user(auth_token)
                return user_and_token
        raise exceptions.AuthenticationFailed(self.invalid_token_message)

    def delete_if_expired(self, auth_token: Any) -> bool:
        """An expired token is deleted (``token_expired`` is sent) and does not match."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            return True
        return False


class AuthSchemesMixin:
    """``auth = ("token", "api_key")`` picks the authentication schemes by name.

    Names: ``token`` (knox), ``api_key``, ``session``, ``basic``; ``None`` keeps
    ``authentication_classes`` (the ``DEFAULT_AUTHENTICATION_CLASSES``).
    """

    # Scheme names (keys of AUTH_SCHEMES); None: authentication_classes.
    auth: Sequence[str] | None = None

    AUTH_SCHEMES: Mapping[str, str] = {
        "token": "drf_apifirst.authentication.TokenAuthentication",
        "api_key": "drf_apifirst.authentication.APIKeyAuthentication",
        "session": "rest_framework.authentication.SessionAuthentication",
        "basic": "rest_framework.authentication.BasicAuthentication",
    }

    def get_authenticators(self) -> list[Any]:
        if self.auth is None:
            authenticators: list[Any] = super().get_authenticators()  # type: ignore[misc]
            return authenticators
        unknown = [name for name in self.auth if name not in self.AUTH_SCHEMES]
        if unknown:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.auth names unknown schemes {unknown}; "
                f"choose from {sorted(self.AUTH_SCHEMES)}."
            )
        return [import_string(self.AUTH_SCHEMES[name])() for name in self.auth]
