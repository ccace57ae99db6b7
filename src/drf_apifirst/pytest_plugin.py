"""The pytest plugin (entry point ``pytest11``): fixtures for host projects.

It loads in every pytest run of an environment where drf-apifirst is installed, so it
imports nothing until a test asks for one of its fixtures — not Django, not the library:
a project that does not use Django pays nothing.

    def test_scopes(api_key_client):
        client = api_key_client(scopes=["tasks:read"])
        response = client.post("/api/v2/tasks/", {"title": "x"})
        assert_problem(response, status=403, code="insufficient_scope")

Fixtures: ``api_client``, ``api_user``, ``token_client``, ``api_key_client``,
``frozen_clock``. A project's own fixture of the same name wins (pytest's rule: a
``conftest.py`` fixture overrides a plugin's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

__all__ = ["api_client", "api_key_client", "api_user", "frozen_clock", "token_client"]


@pytest.fixture
def api_client() -> Any:
    """DRF's ``APIClient``, without credentials: what an anonymous client sees."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def frozen_clock(monkeypatch: Any) -> list[float]:
    """Rate-limit windows start at a fixed time, so a test never straddles two; set
    ``frozen_clock[0]`` to move time on."""
    from drf_apifirst.throttling import RateThrottle

    now = [1_800_000_000.0]
    monkeypatch.setattr(RateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


@pytest.fixture
def api_user(db: Any) -> Any:
    """A user to authenticate as (``api-user``, password ``api-password``), in the test
    database; ``token_client`` and ``api_key_client`` act for it."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="api-user", password="api-password")


@pytest.fixture
def token_client(api_user: Any) -> Any:
    """An APIClient sending a knox token of ``api_user``."""
    from knox.models import get_token_model
    from knox.settings import knox_settings
    from rest_framework.test import APIClient

    _, token = get_token_model().objects.create(api_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{knox_settings.AUTH_HEADER_PREFIX} {token}")
    client.user = api_user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def api_key_client(db: Any, api_user: Any) -> Callable[..., Any]:
    """A factory: ``api_key_client(scopes=[...], owner=None)`` -> an APIClient sending a new
    API key (owned by ``owner``, else ``api_user``)."""
    from rest_framework.test import APIClient

    from drf_apifirst.models import get_api_key_model

    def make(*, scopes: Iterable[str] = (), owner: Any = None, **fields: Any) -> Any:
        api_key, plaintext = get_api_key_model().objects.create_key(
            name="test key", owner=owner or api_user, scopes=list(scopes), **fields
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        client.api_key = api_key  # type: ignore[attr-defined]
        return client

    return make
