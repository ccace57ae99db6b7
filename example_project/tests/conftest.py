"""Fixtures of the example's tests: the demo data, and clients for its people and keys."""

import uuid

import pytest
from django.core.cache import cache

from tests.servers import Receiver
from tracker.models import Organization
from tracker.services import DEMO_PASSWORD, create_integration_key, seed_demo


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Throttle counters, cached API keys and idempotency records live in the cache: each
    test gets an empty one. On Redis, a key prefix of its own, not FLUSHDB, which would
    wipe what other test runs sharing the server are counting."""
    if "Redis" in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        }
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Logging in is most of what these tests do; production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo data (3 tasks per project) and the credentials ``seed_demo --json`` prints."""
    return seed_demo(size=3)


@pytest.fixture
def acme(demo):
    return Organization.objects.get(slug="acme")


@pytest.fixture
def globex(demo):
    return Organization.objects.get(slug="globex")


@pytest.fixture
def as_user(client, demo):
    """``as_user("demo-member")``: headers carrying a fresh knox token of that demo user."""

    def headers(username):
        login = client.post(
            "/api/auth/login/",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert login.status_code == 200, login.content
        return {"HTTP_AUTHORIZATION": f"Token {login.json()['token']}"}

    return headers


@pytest.fixture
def as_key(demo):
    """``as_key(org, ["tasks:read"])``: headers carrying a new key of that organization."""

    def headers(organization, scopes, **fields):
        key = create_integration_key(
            organization=organization, name="test", scopes=scopes, **fields
        )
        return {"HTTP_AUTHORIZATION": f"Api-Key {key.plaintext_key}"}

    return headers


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 (``receiver.url``, ``receiver.received``)."""
    receiver = Receiver()
    yield receiver
    receiver.close()
