"""HyperlinkedApiModelSerializer: DRF's hyperlinked wire format, with field selection,
batch loading and the library's writes (#17)."""

import pytest
from rest_framework.test import APIRequestFactory

from drf_apifirst.testing import assert_constant_queries, assert_problem
from tests.testapp.models import Article
from tests.testapp.views import DrfHyperlinkedArticleSerializer

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api"


def drf_rendering(articles):
    request = APIRequestFactory().get("/")
    serializer = DrfHyperlinkedArticleSerializer(articles, many=True, context={"request": request})
    return serializer.data


def test_the_list_is_what_drf_hyperlinked_serializer_renders(api_client, articles):
    response = api_client.get("/api/hyperlinked-articles/", {"page_size": 5})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results == [dict(row) for row in drf_rendering(Article.objects.all()[:5])]
    first = results[0]
    assert first["url"] == f"{BASE}/hyperlinked-articles/{articles[0].pk}/"
    assert first["author"] == f"{BASE}/authors/{articles[0].author_id}/"
    assert first["tags"] == [f"{BASE}/tags/{t.pk}/" for t in articles[0].tags.all()]


def test_detail_and_field_selection(api_client, articles):
    article = articles[3]
    detail = api_client.get(f"/api/hyperlinked-articles/{article.pk}/")
    assert detail.json() == dict(drf_rendering([article])[0])
    chosen = api_client.get("/api/hyperlinked-articles/", {"fields": "url,title"}).json()
    assert chosen["results"][0] == {
        "url": f"{BASE}/hyperlinked-articles/{articles[0].pk}/",
        "title": articles[0].title,
    }
    unknown = api_client.get("/api/hyperlinked-articles/", {"fields": "url,nope"})
    assert_problem(unknown, status=400, code="validation_error")


def test_queries_do_not_grow_with_the_page(api_client, articles):
    # The page, its count and one query for the tags of the whole page.
    url = "/api/hyperlinked-articles/"
    assert assert_constant_queries(api_client, url, page_sizes=(1, 5)) == 3


def test_writes_take_links(api_client, articles):
    author = articles[0].author
    response = api_client.post(
        "/api/hyperlinked-articles/",
        {
            "title": "New",
            "author": f"{BASE}/authors/{author.pk}/",
            "tags": [],
            "created": "2026-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.content
    created = Article.objects.get(pk=response.json()["id"])
    assert created.author == author
    bad = api_client.post(
        "/api/hyperlinked-articles/",
        {"title": "New", "author": f"{BASE}/tags/1/", "tags": [], "created": "2026-01-01"},
    )
    body = assert_problem(bad, status=400, code="validation_error")
    assert body["errors"] == [
        {
            "code": "incorrect_match",
            "detail": "Invalid hyperlink - Incorrect URL match.",
            "pointer": "#/author",
        }
    ]


def test_documented_as_uri_strings():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    properties = schema["components"]["schemas"]["HyperlinkedArticle"]["properties"]
    assert properties["url"] == {"type": "string", "format": "uri", "readOnly": True}
    assert properties["author"] == {"type": "string", "format": "uri"}
    assert properties["tags"]["items"] == {"type": "string", "format": "uri"}
