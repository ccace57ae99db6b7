"""Page-number and cursor pagination: DRF's shapes, Link headers, problems for bad input."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

pytestmark = pytest.mark.django_db


def links(response):
    return dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))
    )


def test_page_number_shape_and_link_header(api_client, articles):
    response = api_client.get("/api/articles/", {"page": 2, "page_size": 5})
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 12
    assert body["next"] == "http://testserver/api/articles/?page=3&page_size=5"
    assert body["previous"] == "http://testserver/api/articles/?page_size=5"
    assert [r["id"] for r in body["results"]] == [a.pk for a in articles[5:10]]
    assert links(response) == {"next": body["next"], "prev": body["previous"]}


def test_first_and_last_pages(api_client, articles):
    first = api_client.get("/api/articles/", {"page_size": 5})
    assert first.json()["previous"] is None
    assert set(links(first)) == {"next"}
    last = api_client.get("/api/articles/", {"page": 3, "page_size": 5})
    assert last.json()["next"] is None
    assert last.json()["count"] == 12
    assert set(links(last)) == {"prev"}
    single = api_client.get("/api/articles/", {"page_size": 50})
    assert not single.has_header("Link")


def test_default_page_size_comes_from_settings_at_request_time(api_client, articles, settings):
    assert len(api_client.get("/api/articles/").json()["results"]) == 12
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 4}
    assert len(api_client.get("/api/articles/").json()["results"]) == 4


def test_page_size_over_the_maximum_is_capped(api_client, articles, settings):
    settings.DRF_APIFIRST = {"MAX_PAGE_SIZE": 3}
    response = api_client.get("/api/articles/", {"page_size": 1000})
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_malformed_page_parameters_are_400_problems(api_client, articles, params, parameter):
    response = api_client.get("/api/articles/", params)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Must be a whole number from 1 up.", "parameter": parameter}
    ]


@pytest.mark.parametrize("page", [99, 2**31, 10**40])
def test_page_past_the_end_is_a_404_problem(api_client, articles, page):
    response = api_client.get("/api/articles/", {"page": page})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Invalid page."


def test_empty_first_page_is_fine(api_client, db):
    response = api_client.get("/api/articles/")
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_count_can_be_left_out(api_client, articles, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/api/no-count-articles/", {"page_size": 5})
    body = response.json()
    assert list(body) == ["next", "previous", "results"]
    assert body["next"] == "http://testserver/api/no-count-articles/?page=2&page_size=5"
    last = api_client.get("/api/no-count-articles/", {"page": 3, "page_size": 5}).json()
    assert last["next"] is None
    assert len(last["results"]) == 2


def test_estimated_count(articles):
    from django.db import connection

    from drf_apifirst.pagination import estimated_count
    from tests.testapp.models import Article

    # Below the threshold, or off PostgreSQL, the count is exact.
    assert estimated_count(Article.objects.all(), threshold=10**9) == 12
    estimate = estimated_count(Article.objects.filter(views__gte=0), threshold=1)
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int)
        assert estimate >= 1  # the planner's guess, from EXPLAIN
    else:
        assert estimate == 12


def test_cursor_shape_links_and_walk(api_client, articles):
    seen, url, pages = [], "/api/cursor-articles/?page_size=5", 0
    while url:
        response = api_client.get(url)
        body = response.json()
        assert list(body) == ["next", "previous", "results"]
        assert links(response).get("next") == body["next"]
        seen += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert seen == sorted((a.pk for a in articles), reverse=True)


def test_cursor_previous_link(api_client, articles):
    first = api_client.get("/api/cursor-articles/", {"page_size": 5}).json()
    second = api_client.get(first["next"])
    assert links(second)["prev"] == second.json()["previous"]
    back = api_client.get(second.json()["previous"]).json()
    assert back["results"] == first["results"]


def test_cursor_with_client_ordering_on_a_unique_field(api_client, articles):
    body = api_client.get("/api/cursor-articles/", {"ordering": "id", "page_size": 3}).json()
    assert [r["id"] for r in body["results"]] == [a.pk for a in articles[:3]]


def test_bad_cursor_is_a_400_problem(api_client, articles):
    response = api_client.get("/api/cursor-articles/", {"cursor": "not-a-cursor!!"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Invalid cursor.", "parameter": "cursor"}
    ]


def test_cursor_refuses_a_client_ordering_that_is_not_unique(api_client, articles):
    response = api_client.get("/api/cursor-articles/", {"ordering": "title"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "invalid",
            "detail": "Cursor pagination needs a unique, non-null first ordering field; "
            "'title' of Article is not one.",
            "parameter": "ordering",
        }
    ]
    # unique but nullable is not enough either
    assert api_client.get("/api/cursor-articles/", {"ordering": "slug"}).status_code == 400


def test_cursor_refuses_a_declared_ordering_that_is_not_unique(api_client, articles):
    with pytest.raises(ImproperlyConfigured, match="Order by 'pk', by a field with unique=True"):
        api_client.get("/api/bad-cursor-articles/")


# --- Limit/offset: DRF's parameters, with bounds, count modes and Link headers ---


def test_limit_offset_shape_and_link_header(api_client, articles):
    response = api_client.get("/api/limit-articles/", {"limit": 5, "offset": 5})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 12
    assert body["next"] == "http://testserver/api/limit-articles/?limit=5&offset=10"
    assert body["previous"] == "http://testserver/api/limit-articles/?limit=5"
    assert [r["id"] for r in body["results"]] == [a.pk for a in articles[5:10]]
    assert links(response) == {"next": body["next"], "prev": body["previous"]}


def test_limit_offset_first_middle_and_last_pages(api_client, articles):
    first = api_client.get("/api/limit-articles/", {"limit": 5})
    assert first.json()["previous"] is None
    assert first.json()["next"] == "http://testserver/api/limit-articles/?limit=5&offset=5"
    assert set(links(first)) == {"next"}
    # An offset that is not a multiple of the limit: previous goes back one limit.
    middle = api_client.get("/api/limit-articles/", {"limit": 5, "offset": 7}).json()
    assert middle["previous"] == "http://testserver/api/limit-articles/?limit=5&offset=2"
    last = api_client.get("/api/limit-articles/", {"limit": 5, "offset": 10})
    assert last.json()["next"] is None
    assert last.json()["count"] == 12
    assert set(links(last)) == {"prev"}
    single = api_client.get("/api/limit-articles/")
    assert len(single.json()["results"]) == 12
    assert not single.has_header("Link")


def test_limit_offset_default_limit_and_maximum_are_read_per_request(
    api_client, articles, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 4}
    body = api_client.get("/api/limit-articles/").json()
    assert len(body["results"]) == 4
    assert body["next"] == "http://testserver/api/limit-articles/?limit=4&offset=4"
    settings.DRF_APIFIRST = {"MAX_PAGE_SIZE": 3}
    body = api_client.get("/api/limit-articles/", {"limit": 1000}).json()
    assert len(body["results"]) == 3
    assert body["next"] == "http://testserver/api/limit-articles/?limit=3&offset=3"


def test_limit_offset_past_the_end_is_an_empty_page_as_in_drf(api_client, articles):
    response = api_client.get("/api/limit-articles/", {"limit": 5, "offset": 50})
    assert response.status_code == 200
    assert response.json() == {
        "count": 12,
        "next": None,
        "previous": "http://testserver/api/limit-articles/?limit=5&offset=45",
        "results": [],
    }


@pytest.mark.parametrize(
    ("params", "parameter", "detail"),
    [
        ({"limit": "ten"}, "limit", "Must be a whole number from 1 up."),
        ({"limit": "0"}, "limit", "Must be a whole number from 1 up."),
        ({"limit": "-3"}, "limit", "Must be a whole number from 1 up."),
        ({"offset": "x"}, "offset", "Must be a whole number from 0 to 2147483647."),
        ({"offset": "-1"}, "offset", "Must be a whole number from 0 to 2147483647."),
        ({"offset": str(2**31)}, "offset", "Must be a whole number from 0 to 2147483647."),
        ({"offset": "1e3"}, "offset", "Must be a whole number from 0 to 2147483647."),
    ],
)
def test_malformed_limit_and_offset_are_400_problems(
    api_client, articles, params, parameter, detail
):
    response = api_client.get("/api/limit-articles/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": detail, "parameter": parameter}
    ]


def test_limit_offset_queries(api_client, articles, django_assert_num_queries):
    # A page that is not the last: the rows and a COUNT.
    with django_assert_num_queries(2):
        api_client.get("/api/limit-articles/", {"limit": 5})
    # The last page knows its count without a query.
    with django_assert_num_queries(1):
        api_client.get("/api/limit-articles/", {"limit": 5, "offset": 10})


def test_limit_offset_count_can_be_left_out(api_client, articles, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/api/no-count-limit-articles/", {"limit": 5})
    body = response.json()
    assert list(body) == ["next", "previous", "results"]
    assert body["next"] == "http://testserver/api/no-count-limit-articles/?limit=5&offset=5"
    last = api_client.get("/api/no-count-limit-articles/", {"limit": 5, "offset": 10}).json()
    assert last["next"] is None
    assert len(last["results"]) == 2


def test_limit_offset_refuses_an_unknown_count_mode(rf):
    from rest_framework.request import Request

    from drf_apifirst.pagination import LimitOffsetPagination
    from tests.testapp.models import Article

    paginator = LimitOffsetPagination()
    paginator.count_mode = "approximate"
    with pytest.raises(ImproperlyConfigured, match="count_mode is 'approximate'"):
        paginator.paginate_queryset(Article.objects.all(), Request(rf.get("/")))


def test_limit_offset_is_documented():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/limit-articles/"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1}
    assert params["limit"]["description"].endswith("Larger values are capped to the maximum.")
    assert params["offset"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    response = operation["responses"]["200"]
    assert "Link" in response["headers"]
    components = schema["components"]["schemas"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert components[ref]["required"] == ["count", "next", "previous", "results"]
    no_count = schema["paths"]["/api/no-count-limit-articles/"]["get"]["responses"]["200"]
    ref = no_count["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert components[ref]["required"] == ["next", "previous", "results"]
    assert "count" not in components[ref]["properties"]
