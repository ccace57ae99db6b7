"""Hardening where behaviours meet tenants: the response cache and idempotency records
per tenant, cache keys, ETags of related data, filters as existence oracles — and a
property-based sweep of generated requests from principals of two tenants."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import get_token_model
from rest_framework.test import APIClient

from drf_apifirst.models import APIKey
from tests.testapp.models import Label, Task

pytestmark = pytest.mark.django_db

RESOLVER = "tests.testapp.views.header_tenant"


@pytest.fixture
def two_tenants(settings):
    """alice and bob are tenants; carol (superuser) acts for either with X-Tenant."""
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "TENANT_RESOLVER": RESOLVER}
    alice = User.objects.create_user("alice", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    carol = User.objects.create_superuser("carol", password="pw")
    for owner in (alice, bob):
        for n in range(3):
            Task.objects.create(title=f"{owner.username}-secret-{n}", owner=owner)
    return alice, bob, carol


def token(user) -> dict[str, str]:
    _, key = get_token_model().objects.create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def api_key(owner) -> dict[str, str]:
    _, key = APIKey.objects.create_key(name="k", owner=owner)
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


def titles(response) -> list[str]:
    return sorted(row["title"] for row in response.json()["results"])


# --- 4. the response cache never answers for another tenant ---


def test_the_same_caller_switching_tenant_gets_that_tenants_page(api_client, two_tenants):
    _, _, carol = two_tenants
    auth = token(carol)
    as_alice = api_client.get("/api/tenant-cached-tasks/", HTTP_X_TENANT="alice", **auth)
    as_bob = api_client.get("/api/tenant-cached-tasks/", HTTP_X_TENANT="bob", **auth)
    assert titles(as_alice) == ["alice-secret-0", "alice-secret-1", "alice-secret-2"]
    assert titles(as_bob) == ["bob-secret-0", "bob-secret-1", "bob-secret-2"]
    assert as_bob["X-Cache"] == "miss"
    again = api_client.get("/api/tenant-cached-tasks/", HTTP_X_TENANT="alice", **auth)
    assert (again["X-Cache"], again.content) == ("hit", as_alice.content)


def test_vary_names_the_configured_api_key_header(api_client, settings):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "API_KEY_HEADER": "X-Integration-Key"}
    alice = User.objects.create_user("alice", password="pw")
    response = api_client.get("/api/tenant-cached-tasks/", **token(alice))
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept", "Authorization", "X-Integration-Key"} <= vary
    assert "X-Api-Key" not in vary


# --- 3. an idempotent replay never crosses tenants ---


def test_the_same_key_in_two_tenants_creates_in_each(api_client, two_tenants):
    alice, bob, carol = two_tenants
    auth = {**token(carol), "HTTP_IDEMPOTENCY_KEY": "same-key"}
    url = "/api/tenant-idempotent-tasks/"
    first = api_client.post(url, {"title": "t"}, format="json", HTTP_X_TENANT="alice", **auth)
    second = api_client.post(url, {"title": "t"}, format="json", HTTP_X_TENANT="bob", **auth)
    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.has_header("Idempotent-Replayed")
    assert Task.objects.filter(title="t", owner=alice).count() == 1
    assert Task.objects.filter(title="t", owner=bob).count() == 1


def test_the_same_key_with_another_query_string_is_another_request(api_client):
    alice = User.objects.create_user("alice", password="pw")
    auth = {**token(alice), "HTTP_IDEMPOTENCY_KEY": "k"}
    url = "/api/tenant-idempotent-tasks/"
    first = api_client.post(f"{url}?fields=id", {"title": "t"}, format="json", **auth)
    second = api_client.post(f"{url}?fields=title", {"title": "t"}, format="json", **auth)
    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.has_header("Idempotent-Replayed")


# --- 5. cache keys are injective ---

names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
multidicts = st.lists(st.tuples(names, names), max_size=5)


def _query(pairs) -> str:
    from drf_apifirst.context import canonical_query

    return canonical_query(RequestFactory().get("/", data=None, QUERY_STRING=urlencode(pairs)))


@settings(max_examples=300, deadline=None)
@given(multidicts, multidicts)
def test_two_different_query_multidicts_never_share_a_key(first, second):
    def canonical(pairs):
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        return sorted(grouped.items())

    if canonical(first) != canonical(second):
        assert _query(first) != _query(second)
    else:
        assert _query(first) == _query(second)


def test_an_encoded_ampersand_does_not_collide_with_two_parameters(api_client, articles):
    # Joined as "k=v" pairs with "&", both were "search=number&tag=x": one entry.
    poisoned = api_client.get("/api/cached-articles/?search=number%26tag%3Dx")
    assert (poisoned.status_code, poisoned.json()["results"]) == (200, [])
    honest = api_client.get("/api/cached-articles/?search=number&tag=x")
    assert honest["X-Cache"] == "miss"
    assert honest.json()["count"] > 0


# --- 6. a 304 never hides a change of related data ---


def test_removing_a_label_changes_the_etag(api_client):
    task = Task.objects.create(title="t")
    urgent = Label.objects.create(name="urgent")
    task.labels.add(urgent)
    url = f"/api/labelled-tasks/{task.pk}/"
    etag = api_client.get(url)["ETag"]
    task.labels.remove(urgent)  # the row (and its `updated`) is untouched
    fresh = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["labels"] == []
    assert fresh["ETag"] != etag


def test_an_expanded_relation_changes_the_etag(api_client):
    alice = User.objects.create_user("alice", password="pw")
    task = Task.objects.create(title="t", owner=alice)
    url = f"/api/labelled-tasks/{task.pk}/?expand=owner"
    etag = api_client.get(url)["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    alice.username = "alice2"
    alice.save()  # the task's row (and its `updated`) is untouched
    fresh = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["owner"]["username"] == "alice2"


# --- 7. filters are no existence oracle across tenants ---


@pytest.mark.parametrize("parameter", ["owner", "labels"])
def test_another_tenants_id_in_a_filter_answers_like_an_id_nobody_has(api_client, parameter):
    alice = User.objects.create_user("alice", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    mine, theirs = Label.objects.create(name="mine"), Label.objects.create(name="theirs")
    Task.objects.create(title="a", owner=alice).labels.add(mine)
    Task.objects.create(title="b", owner=bob).labels.add(theirs)
    ids = {"owner": (alice.pk, bob.pk), "labels": (mine.pk, theirs.pk)}[parameter]
    auth = api_key(alice)
    own = api_client.get("/api/filtered-tasks/", {parameter: ids[0]}, **auth)
    assert own.status_code == 200
    assert [row["title"] for row in own.json()["results"]] == ["a"]
    other = api_client.get("/api/filtered-tasks/", {parameter: ids[1]}, **auth)
    nobody = api_client.get("/api/filtered-tasks/", {parameter: 999_999}, **auth)
    assert other.status_code == nobody.status_code == 400

    def comparable(response):
        body = response.json()
        body["errors"] = [
            {**e, "detail": e["detail"].replace(str(ids[1]), "N")} for e in body["errors"]
        ]
        body["errors"] = [
            {**e, "detail": e["detail"].replace("999999", "N")} for e in body["errors"]
        ]
        return {k: v for k, v in body.items() if k not in ("request_id", "instance")}

    assert comparable(other) == comparable(nobody)


# --- the sweep: generated requests from principals of two tenants ---

ENDPOINTS = [
    "/api/tenant-cached-tasks/",
    "/api/tenant-idempotent-tasks/",
    "/api/filtered-tasks/",
    "/api/owned-tasks/",
]
QUERY_NAMES = ["fields", "expand", "page", "page_size", "ordering", "owner", "search", "x"]
QUERY_VALUES = ["id", "title", "owner", "1", "2", "-id", "", "alice", "bob", "%26", "a,b"]
PRINCIPALS = ["alice-token", "alice-key", "bob-token", "bob-key", "carol", "anonymous"]
ACTING_FOR = [None, "alice", "bob", "nobody"]
# One request shape, sent by every principal acting for every tenant, in a generated order:
# a cache entry or idempotency record shared across them would show the other's rows.
templates = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "GET", "POST", "PATCH", "DELETE"]),
        "endpoint": st.sampled_from(ENDPOINTS),
        "detail": st.sampled_from([None, "own", "other"]),
        "query": st.lists(
            st.tuples(st.sampled_from(QUERY_NAMES), st.sampled_from(QUERY_VALUES)), max_size=3
        ),
        "forwarded_for": st.sampled_from([None, "203.0.113.9", "10.0.0.1, 198.51.100.7"]),
        "idempotency_key": st.sampled_from([None, "k1"]),
        "order": st.permutations([(p, a) for p in PRINCIPALS for a in ACTING_FOR]),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(template=templates)
def test_no_response_carries_another_tenants_object_and_none_is_a_500(two_tenants, template):
    alice, bob, carol = two_tenants
    credentials = _credentials(alice, bob, carol)
    users = {"alice": alice, "bob": bob}
    for principal, acting_for in template["order"]:
        if principal == "anonymous":
            tenant = None
        elif principal == "carol":
            tenant = users.get(acting_for) if acting_for else carol
        else:
            own = users[principal.split("-")[0]]
            # A user acting for a tenant not theirs gets none (the resolver's rule).
            tenant = own if acting_for in (None, own.username) or "key" in principal else None
        others = [user for user in (alice, bob) if user != tenant]
        headers = dict(credentials.get(principal, {}))
        if acting_for:
            headers["HTTP_X_TENANT"] = acting_for
        if template["forwarded_for"]:
            headers["HTTP_X_FORWARDED_FOR"] = template["forwarded_for"]
        if template["idempotency_key"]:
            headers["HTTP_IDEMPOTENCY_KEY"] = template["idempotency_key"]
        url = template["endpoint"]
        if template["detail"]:
            owner = tenant if template["detail"] == "own" else (others or [None])[0]
            target = Task.objects.filter(owner=owner).first() if owner is not None else None
            url += f"{target.pk if target else 999_999}/"
        query = urlencode(template["query"])
        client = APIClient(raise_request_exception=False)
        response = client.generic(
            template["method"],
            f"{url}?{query}" if query else url,
            data=None if template["method"] in ("GET", "DELETE") else _json({"title": "new"}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code < 500, (principal, acting_for, response.content[:300])
        for other in others:
            assert f"{other.username}-secret".encode() not in response.content, (
                principal,
                acting_for,
                template,
                response.content[:500],
            )


_CREDENTIALS: dict[tuple[int, int, int], dict[str, dict[str, str]]] = {}


def _credentials(alice, bob, carol) -> dict[str, dict[str, str]]:
    """One token and key per principal for the whole sweep (made once per database)."""
    key = (alice.pk, bob.pk, carol.pk)
    if key not in _CREDENTIALS or not User.objects.filter(pk=alice.pk).exists():
        _CREDENTIALS[key] = {
            "alice-token": token(alice),
            "alice-key": api_key(alice),
            "bob-token": token(bob),
            "bob-key": api_key(bob),
            "carol": token(carol),
        }
    return _CREDENTIALS[key]


def _json(data) -> str:
    import json

    return json.dumps(data)
