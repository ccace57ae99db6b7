"""API keys and knox tokens: accepted, refused with one message, cached, rotated."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from drf_apifirst.models import APIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password="correct horse")


@pytest.fixture
def key(alice):
    api_key, plaintext = APIKey.objects.create_key(name="ci", owner=alice, scopes=["tasks:read"])
    return api_key, plaintext


def api_key_header(plaintext):
    return {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}


def assert_401(response, code, detail):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["detail"] == detail
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_key_in_authorization_header(api_client, key):
    _, plaintext = key
    response = api_client.get("/api/whoami/", **api_key_header(plaintext))
    assert response.status_code == 200
    assert response.json() == {"user": "alice", "auth": "APIKey"}


def test_x_api_key_header_only_when_configured(api_client, key):
    _, plaintext = key
    response = api_client.get("/api/whoami/", HTTP_X_API_KEY=plaintext)
    assert_401(response, "not_authenticated", "Authentication credentials were not provided.")
    with override_settings(DRF_APIFIRST={"API_KEY_HEADER": "X-Api-Key"}):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=plaintext).status_code == 200


def test_missing_credentials(api_client):
    assert_401(
        api_client.get("/api/whoami/"),
        "not_authenticated",
        "Authentication credentials were not provided.",
    )


@pytest.mark.parametrize("header", ["Api-Key", "Api-Key a b", "Api-Key  "])
def test_malformed_header(api_client, header):
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=header)
    assert_401(
        response,
        "authentication_failed",
        "Invalid API key header: send 'Authorization: Api-Key <key>'.",
    )


def test_unknown_expired_and_revoked_keys_get_one_indistinguishable_answer(api_client, alice, key):
    _, plaintext = key
    _, expired_plain = APIKey.objects.create_key(
        name="old", owner=alice, expiry_date=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_plain = APIKey.objects.create_key(name="gone", owner=alice)
    revoked.revoke()
    wrong_secret = plaintext.split(".")[0] + ".not-the-secret"
    bodies = []
    for candidate in ("nope.nope", wrong_secret, expired_plain, revoked_plain, "x" * 500):
        response = api_client.get("/api/whoami/", **api_key_header(candidate))
        assert_401(response, "authentication_failed", "Invalid API key.")
        body = response.json()
        bodies.append({k: v for k, v in body.items() if k != "request_id"})
    assert all(body == bodies[0] for body in bodies)


def test_inactive_owner_is_refused(api_client, alice, key):
    _, plaintext = key
    alice.is_active = False
    alice.save()
    assert_401(
        api_client.get("/api/whoami/", **api_key_header(plaintext)),
        "authentication_failed",
        "Invalid API key.",
    )


def test_keys_are_stored_only_as_hashes(key):
    api_key, plaintext = key
    stored = APIKey.objects.get(pk=api_key.pk)
    secret = plaintext.split(".", 1)[1]
    assert secret not in stored.hashed_key
    assert secret not in stored.id
    assert stored.hashed_key.startswith("sha512$$")


def test_warm_cache_costs_no_query_for_the_key(api_client, key, django_assert_num_queries):
    _, plaintext = key
    api_client.get("/api/whoami/", **api_key_header(plaintext))  # warms the cache
    with django_assert_num_queries(0):
        response = api_client.get("/api/whoami/", **api_key_header(plaintext))
    assert response.status_code == 200


def test_cold_cache_costs_one_query(api_client, key, django_assert_num_queries):
    _, plaintext = key
    with (
        override_settings(DRF_APIFIRST={"API_KEY_CACHE_SECONDS": 0}),
        django_assert_num_queries(2),  # the key with its owner, then last_used_at
    ):
        api_client.get("/api/whoami/", **api_key_header(plaintext))


def test_revoking_drops_the_cached_key_at_once(api_client, key):
    api_key, plaintext = key
    assert api_client.get("/api/whoami/", **api_key_header(plaintext)).status_code == 200
    api_key.revoke()
    assert api_client.get("/api/whoami/", **api_key_header(plaintext)).status_code == 401


def test_last_used_is_written_at_most_once_per_interval(api_client, key, django_assert_num_queries):
    api_key, plaintext = key
    assert APIKey.objects.get(pk=api_key.pk).last_used_at is None
    api_client.get("/api/whoami/", **api_key_header(plaintext))
    first = APIKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    for _ in range(3):
        with django_assert_num_queries(0):
            api_client.get("/api/whoami/", **api_key_header(plaintext))
    assert APIKey.objects.get(pk=api_key.pk).last_used_at == first
    with override_settings(DRF_APIFIRST={"API_KEY_LAST_USED_INTERVAL": 0}):
        api_client.get("/api/whoami/", **api_key_header(plaintext))
    assert APIKey.objects.get(pk=api_key.pk).last_used_at > first


def test_rotation_keeps_both_keys_valid_for_the_overlap(api_client, key):
    old, old_plain = key
    successor, new_plain = old.rotate(overlap=timedelta(hours=1))
    assert successor.replaces == old
    assert successor.scopes == ["tasks:read"]
    assert successor.owner == old.owner
    old.refresh_from_db()
    assert timezone.now() < old.expiry_date <= timezone.now() + timedelta(hours=1)
    assert api_client.get("/api/whoami/", **api_key_header(old_plain)).status_code == 200
    assert api_client.get("/api/whoami/", **api_key_header(new_plain)).status_code == 200
    old.expiry_date = timezone.now() - timedelta(seconds=1)
    old.save()
    assert api_client.get("/api/whoami/", **api_key_header(old_plain)).status_code == 401
    assert api_client.get("/api/whoami/", **api_key_header(new_plain)).status_code == 200


# --- knox tokens ---


def login(api_client, username="alice", password="correct horse"):
    return api_client.post(
        "/api/auth/login/", {"username": username, "password": password}, format="json"
    )


def test_login_returns_a_token_that_authenticates(api_client, alice):
    response = login(api_client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert body["expiry"].endswith("Z")
    whoami = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert whoami.json() == {"user": "alice", "auth": "AuthToken"}


def test_login_with_bad_credentials_is_a_problem(api_client, alice):
    response = login(api_client, password="wrong")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["detail"] == "Unable to log in with the username and password given."
    missing = api_client.post("/api/auth/login/", {"username": "alice"}, format="json")
    assert missing.json()["errors"] == [
        {"code": "required", "detail": "This field is required.", "pointer": "#/password"}
    ]


def test_login_is_throttled(api_client, alice, frozen_clock):
    for _ in range(10):
        assert login(api_client, password="guess").status_code == 400
    response = login(api_client)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["RateLimit-Policy"] == '"login";q=10;w=60'
    assert response["RateLimit"].startswith('"login";r=0;t=')


def test_invalid_token(api_client):
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["detail"] == "Invalid token."


def test_logout_invalidates_the_token(api_client, alice):
    token = login(api_client).json()["token"]
    other = login(api_client).json()["token"]
    response = api_client.post("/api/auth/logout/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 204
    assert api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Token {other}").status_code == 200


def test_logout_all_invalidates_every_token(api_client, alice):
    tokens = [login(api_client).json()["token"] for _ in range(3)]
    response = api_client.post("/api/auth/logout-all/", HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert response.status_code == 204
    for token in tokens:
        assert (
            api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
        )


def test_logout_needs_a_token(api_client):
    response = api_client.post("/api/auth/logout/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_request_costs_one_query(api_client, alice, django_assert_num_queries):
    token = login(api_client).json()["token"]
    with django_assert_num_queries(1):
        api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Token {token}")
