"""Base viewsets: serializers and permissions per action, field selection, query counts."""

import pytest
from django.contrib.auth.models import User

from tests.testapp.models import Article

pytestmark = pytest.mark.django_db


def problem_errors(response, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


def test_serializer_per_action(api_client, articles):
    listed = api_client.get("/api/articles/").json()["results"][0]
    assert set(listed) == {"id", "title"}
    detail = api_client.get(f"/api/articles/{articles[0].pk}/").json()
    assert set(detail) == {"id", "title", "author", "tags", "created"}


def test_permissions_per_action(api_client, articles):
    assert api_client.delete(f"/api/articles/{articles[0].pk}/").status_code == 401
    api_client.force_authenticate(User.objects.create_user("member", password="pw"))
    response = api_client.delete(f"/api/articles/{articles[0].pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert api_client.get(f"/api/articles/{articles[0].pk}/").status_code == 200
    admin = User.objects.create_user("admin", password="pw", is_staff=True)
    api_client.force_authenticate(admin)
    assert api_client.delete(f"/api/articles/{articles[0].pk}/").status_code == 204
    assert not Article.objects.filter(pk=articles[0].pk).exists()


def test_sparse_fieldset_on_list_and_detail(api_client, articles):
    response = api_client.get("/api/expandable-articles/", {"fields": "title,id"})
    assert response.json()["results"][0] == {"id": articles[0].pk, "title": articles[0].title}
    response = api_client.get(f"/api/expandable-articles/{articles[1].pk}/", {"fields": "title"})
    assert response.json() == {"title": articles[1].title}


def test_sparse_fieldset_on_a_queryset_that_joins_a_relation_itself(
    api_client, articles, monkeypatch
):
    from tests.testapp.views import ExpandableArticleViewSet

    joined = Article.objects.select_related("author", "editor")
    monkeypatch.setattr(ExpandableArticleViewSet, "queryset", joined)
    response = api_client.get("/api/expandable-articles/", {"fields": "id"})
    assert response.status_code == 200
    assert response.json()["results"][0] == {"id": articles[0].pk}
    expanded = api_client.get(
        "/api/expandable-articles/", {"fields": "id,author", "expand": "author"}
    )
    assert expanded.json()["results"][0]["author"]["id"] == articles[0].author_id


def test_expand_on_list(api_client, articles):
    response = api_client.get("/api/expandable-articles/", {"expand": "author,tags"})
    row = response.json()["results"][3]
    assert row["author"] == {"id": articles[3].author_id, "name": "Ada", "email": "ada@example.com"}
    assert row["tags"] == [{"id": t.pk, "name": t.name} for t in articles[3].tags.all()]


def test_unknown_sparse_field_and_expansion_are_problems(api_client, articles):
    assert problem_errors(api_client.get("/api/expandable-articles/", {"fields": "id,secret"})) == [
        {
            "code": "invalid",
            "detail": "Unknown field(s): secret. Choose from: author, created, id, tags, title.",
            "parameter": "fields",
        }
    ]
    assert problem_errors(api_client.get("/api/expandable-articles/", {"expand": "editor"})) == [
        {
            "code": "invalid",
            "detail": "Unknown field(s): editor. Choose from: author, tags.",
            "parameter": "expand",
        }
    ]
    assert problem_errors(api_client.get("/api/expandable-articles/", {"fields": ","})) == [
        {"code": "invalid", "detail": "Name at least one field.", "parameter": "fields"}
    ]


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/nested-articles/", {}),
        ("/api/flat-articles/", {}),
        ("/api/expandable-articles/", {"expand": "author,tags"}),
        ("/api/expandable-articles/", {"fields": "id,title,author", "expand": "author"}),
    ],
)
def test_query_count_does_not_grow_with_page_size(
    api_client, articles, django_assert_num_queries, url, params
):
    api_client.get(url, {**params, "page_size": 1})  # warm-up (query plan cache)
    counts = []
    for page_size in (1, 5, 10):  # none is the last page, so each runs COUNT(*)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(url, {**params, "page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        counts.append(len(captured))
    assert counts[0] == counts[1] == counts[2]
    # page + count + one per to-many relation
    with django_assert_num_queries(counts[0]):
        api_client.get(url, {**params, "page_size": 10})


def test_list_queries_are_exact(api_client, articles, django_assert_num_queries):
    # rows (+1 to see a next page), COUNT(*), tags prefetch; author/editor are joined.
    with django_assert_num_queries(3):
        response = api_client.get("/api/nested-articles/", {"page_size": 5})
    assert response.json()["count"] == 12
    # The last page needs no COUNT(*).
    with django_assert_num_queries(2):
        api_client.get("/api/nested-articles/", {"page_size": 50})


def test_sparse_fieldset_selects_only_those_columns(api_client, articles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        api_client.get("/api/expandable-articles/", {"fields": "id,title", "page_size": 50})
    [select] = [q["sql"] for q in captured.captured_queries]
    assert '"testapp_article"."title"' in select
    assert '"testapp_article"."body"' not in select


def test_strict_query_parameters(api_client, articles):
    assert problem_errors(api_client.get("/api/articles/", {"titel": "x", "page": 1})) == [
        {"code": "invalid", "detail": "Unknown query parameter.", "parameter": "titel"}
    ]
    # Everything documented is accepted.
    response = api_client.get(
        "/api/articles/",
        {
            "page": 1,
            "page_size": 2,
            "ordering": "-id",
            "search": "Article",
            "author": articles[0].author_id,
            "is_public": "true",
            "fields": "id",
            "format": "json",
        },
    )
    assert response.status_code == 200, response.content


def test_strict_query_parameters_can_be_turned_off(api_client, articles, settings):
    settings.DRF_APIFIRST = {"STRICT_QUERY_PARAMETERS": False}
    assert api_client.get("/api/articles/", {"titel": "x"}).status_code == 200


def test_ordering_whitelist(api_client, articles):
    response = api_client.get("/api/articles/", {"ordering": "-id", "page_size": 2})
    assert [r["id"] for r in response.json()["results"]] == [articles[-1].pk, articles[-2].pk]
    assert problem_errors(api_client.get("/api/articles/", {"ordering": "body"})) == [
        {
            "code": "invalid",
            "detail": "Unknown ordering field(s): body. Choose from: title, published, id.",
            "parameter": "ordering",
        }
    ]


def test_ordering_refused_where_the_view_declares_none(api_client, articles):
    assert problem_errors(api_client.get("/api/nested-articles/", {"ordering": "id"})) == [
        {"code": "invalid", "detail": "Unknown query parameter.", "parameter": "ordering"}
    ]


def test_filters_and_invalid_filter_values(api_client, articles):
    response = api_client.get("/api/articles/", {"author": articles[1].author_id, "page_size": 50})
    assert response.json()["count"] == 6
    assert problem_errors(api_client.get("/api/articles/", {"published": "yesterday"})) == [
        {"code": "invalid", "detail": "Enter a valid date.", "parameter": "published"}
    ]
    assert problem_errors(api_client.get("/api/articles/", {"author": "999"})) == [
        {
            "code": "invalid_choice",
            "detail": "Select a valid choice. That choice is not one of the available choices.",
            "parameter": "author",
        }
    ]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"published": ""}, "published"),
        ({"is_public": "maybe"}, "is_public"),
        ({"author": ""}, "author"),
    ],
)
def test_a_filter_given_without_a_usable_value_is_refused(api_client, articles, params, parameter):
    assert problem_errors(api_client.get("/api/articles/", params)) == [
        {
            "code": "blank",
            "detail": "Give a valid value, or leave the parameter out.",
            "parameter": parameter,
        }
    ]


def test_a_filter_without_a_value_is_ignored_when_not_strict(api_client, articles, settings):
    settings.DRF_APIFIRST = {"STRICT_QUERY_PARAMETERS": False}
    response = api_client.get("/api/articles/", {"published": "", "page_size": 100})
    assert response.json()["count"] == len(articles)


def test_search(api_client, articles):
    response = api_client.get("/api/articles/", {"search": "number 11"})
    assert [r["title"] for r in response.json()["results"]] == ["Article number 11"]


def test_create_and_update_use_the_full_serializer(api_client, articles):
    admin = User.objects.create_user("admin", password="pw", is_staff=True)
    api_client.force_authenticate(admin)
    response = api_client.post(
        "/api/articles/",
        {"title": "Fresh", "author": articles[0].author_id, "created": "2026-05-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Fresh"
    created = Article.objects.get(pk=response.json()["id"])
    response = api_client.patch(f"/api/articles/{created.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert Article.objects.get(pk=created.pk).title == "Renamed"


@pytest.mark.parametrize("title", [123, 2.5e-309, True, ["a"], {"a": 1}])
def test_a_string_field_takes_only_a_json_string(api_client, articles, title):
    admin = User.objects.create_user("admin", password="pw", is_staff=True)
    api_client.force_authenticate(admin)
    body = {"title": title, "author": articles[0].author_id, "created": "2026-05-01T00:00:00Z"}
    response = api_client.post("/api/articles/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Not a valid string.", "pointer": "#/title"}
    ]
    assert not Article.objects.filter(created__year=2026, title__in=["123", "True"]).exists()


def test_query_count_is_the_same_at_page_sizes_1_50_and_100(
    api_client, articles, django_assert_num_queries
):
    from tests.testapp.models import Article, Author

    author = Author.objects.first()
    Article.objects.bulk_create(
        Article(title=f"More {i}", author=author, created=articles[0].created) for i in range(150)
    )
    for article in Article.objects.filter(title__startswith="More")[:150:3]:
        article.tags.set(articles[3].tags.all())
    api_client.get("/api/nested-articles/", {"page_size": 1})  # warm-up
    for page_size in (1, 50, 100):
        # the page, COUNT(*), the tags prefetch (author and editor are joined)
        with django_assert_num_queries(3):
            response = api_client.get("/api/nested-articles/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
    for page_size in (1, 50, 100):
        # the page, COUNT(*), the tag ids of the whole page
        with django_assert_num_queries(3):
            response = api_client.get("/api/flat-articles/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
