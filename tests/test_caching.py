"""Response caching: a hit costs no query, a write makes the next GET fresh, tenants apart."""

import pytest
from django.contrib.auth.models import User

from drf_apifirst.models import APIKey
from tests.testapp.models import Article, Author, Tag, Task

pytestmark = pytest.mark.django_db


def test_a_cached_list_answers_with_zero_queries(api_client, articles, django_assert_num_queries):
    first = api_client.get("/api/cached-articles/", {"page_size": 5})
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = api_client.get("/api/cached-articles/", {"page_size": 5})
    assert hit.status_code == 200
    assert hit["X-Cache"] == "hit"
    assert hit.content == first.content
    assert hit["Link"] == first["Link"]
    assert "private" in first["Cache-Control"]
    assert "max-age=60" in first["Cache-Control"]
    assert {"Accept", "Authorization"} <= {v.strip() for v in first["Vary"].split(",")}


def test_the_query_string_is_part_of_the_key(api_client, articles):
    api_client.get("/api/cached-articles/", {"page_size": 5})
    assert api_client.get("/api/cached-articles/", {"page_size": 6})["X-Cache"] == "miss"
    assert api_client.get("/api/cached-articles/", {"page": 1, "page_size": 5})["X-Cache"] == "miss"


@pytest.mark.parametrize("write", ["save", "delete", "related", "m2m"])
def test_a_write_makes_the_next_get_fresh(api_client, articles, write):
    api_client.get("/api/cached-articles/", {"page_size": 50})
    article = Article.objects.get(pk=articles[3].pk)
    if write == "save":
        article.title = "Renamed"
        article.save()
    elif write == "delete":
        article.delete()
    elif write == "related":
        author = Author.objects.get(pk=article.author_id)
        author.name = "Renamed author"
        author.save()
    else:
        article.tags.add(Tag.objects.create(name="new-tag"))
    fresh = api_client.get("/api/cached-articles/", {"page_size": 50})
    assert fresh["X-Cache"] == "miss"
    text = fresh.content.decode()
    expected = {"save": "Renamed", "related": "Renamed author", "m2m": "new-tag"}.get(write)
    if expected:
        assert expected in text
    else:
        assert fresh.json()["count"] == 11


def test_two_tenants_never_see_each_others_cached_page(api_client):
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    Task.objects.create(title="alice's", owner=alice)
    Task.objects.create(title="bob's", owner=bob)
    keys = {}
    for user in (alice, bob):
        _, plaintext = APIKey.objects.create_key(name="k", owner=user)
        keys[user.username] = {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}
    a = api_client.get("/api/cached-owned-tasks/", **keys["alice"])
    b = api_client.get("/api/cached-owned-tasks/", **keys["bob"])
    assert [t["title"] for t in a.json()["results"]] == ["alice's"]
    assert [t["title"] for t in b.json()["results"]] == ["bob's"]
    assert b["X-Cache"] == "miss"
    # a second key of the same tenant shares the tenant's cached page (cache_public)
    _, second = APIKey.objects.create_key(name="k2", owner=alice)
    shared = api_client.get("/api/cached-owned-tasks/", HTTP_AUTHORIZATION=f"Api-Key {second}")
    assert shared["X-Cache"] == "hit"
    assert [t["title"] for t in shared.json()["results"]] == ["alice's"]


def test_unauthenticated_requests_are_refused_before_the_cache(api_client):
    assert api_client.get("/api/cached-owned-tasks/").status_code == 401
    assert api_client.get("/api/cached-owned-tasks/").status_code == 401


def test_errors_are_not_cached(api_client, articles):
    assert api_client.get("/api/cached-articles/", {"page": 99}).status_code == 404
    second = api_client.get("/api/cached-articles/", {"page": 99})
    assert second.status_code == 404
    assert not second.has_header("X-Cache")
