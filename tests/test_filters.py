"""Query parameters the library reads: a repeated one is honoured as documented or a 400
naming it, never reduced to its last value; ordering takes only the listed names."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.testapp.models import Article


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def parameter(schema, path, name):
    parameters = schema["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/articles/?fields=id&fields=title", "fields"),
        ("/api/expandable-articles/?expand=author&expand=tags", "expand"),
        ("/api/articles/?ordering=title&ordering=-id", "ordering"),
        ("/api/articles/?author=1&author=2", "author"),
        ("/api/articles/?is_public=true&is_public=false", "is_public"),
        ("/api/articles/?page=1&page=2", "page"),
        ("/api/articles/?page_size=1&page_size=2", "page_size"),
        ("/api/cursor-articles/?page_size=2&page_size=3", "page_size"),
        ("/api/articles/?search=a&search=b", "search"),
    ],
)
def test_a_repeated_parameter_is_a_400_naming_it(api_client, articles, url, name):
    response = api_client.get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["parameter"], e["code"]) for e in errors] == [(name, "repeated")]


def test_a_repeated_parameter_on_a_detail_read_is_a_400_too(api_client, articles):
    response = api_client.get(f"/api/expandable-articles/{articles[0].pk}/?fields=id&fields=title")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "fields"


def test_repeated_parameters_are_documented_as_one_comma_separated_value(schema):
    for path, name in [
        ("/api/articles/", "fields"),
        ("/api/articles/", "ordering"),
        ("/api/expandable-articles/", "expand"),
    ]:
        documented = parameter(schema, path, name)
        assert (documented["style"], documented["explode"]) == ("form", False), (path, name)
        assert documented["schema"]["type"] == "array"


def test_a_multiple_choice_filter_takes_repeated_values_as_documented(schema, api_client, articles):
    documented = parameter(schema, "/api/tagged-articles/", "tags")
    assert documented["schema"]["type"] == "array"
    assert documented.get("explode", True) is True  # form style explodes by default
    django, api, _rest = articles[3].tags.all()
    response = api_client.get(f"/api/tagged-articles/?tags={django.pk}&tags={api.pk}")
    assert response.status_code == 200
    # django-filter's multiple choice: articles with any of the tags.
    either = {a.pk for a in articles if {django.pk, api.pk} & {t.pk for t in a.tags.all()}}
    assert {row["id"] for row in response.json()["results"]} == either
    only_api = {a.pk for a in articles if api.pk in {t.pk for t in a.tags.all()}}
    assert either != only_api  # so the last value alone would have been a different answer
    # A single-valued filter of the same view is still refused when repeated.
    response = api_client.get("/api/tagged-articles/?author=1&author=2")
    assert response.status_code == 400


def test_ordering_is_documented_as_the_names_it_accepts(schema):
    documented = parameter(schema, "/api/articles/", "ordering")
    assert documented["schema"] == {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "string",
            "enum": ["title", "-title", "published", "-published", "id", "-id"],
        },
    }


@pytest.mark.parametrize(
    ("ordering", "status"),
    [("-title,id", 200), ("--title", 400), ("title,", 400), ("body", 400), ("+title", 400)],
)
def test_ordering_accepts_only_what_it_documents(api_client, articles, ordering, status):
    response = api_client.get("/api/articles/", {"ordering": ordering})
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["errors"][0]["parameter"] == "ordering"


@pytest.mark.parametrize("value", ["", "%20%20"])
def test_a_string_filter_sent_blank_is_a_400_and_documented_as_not_blank(
    schema, api_client, articles, value
):
    # What the server refuses (the value is stripped, then blank), the document excludes:
    # schemathesis' positive_data_acceptance sent `?label=` to the example and got a 400.
    documented = parameter(schema, "/api/tagged-articles/", "title")
    assert documented["schema"] == {"type": "string", "pattern": "\\S"}
    response = api_client.get(f"/api/tagged-articles/?title={value}")
    assert response.status_code == 400
    assert [(e["parameter"], e["code"]) for e in response.json()["errors"]] == [("title", "blank")]
    assert api_client.get(f"/api/tagged-articles/?title={articles[0].title}").status_code == 200


def test_only_filters_read_from_one_parameter_are_documented_as_refusing_blanks(db):
    """The server's blank check is per filter: a range's halves (``_after``/``_before``)
    are not refused blank one by one, so the document puts no pattern on them."""
    import django_filters

    from drf_apifirst.filters import DjangoFilterBackend

    class Filters(django_filters.FilterSet):
        title = django_filters.CharFilter()
        published = django_filters.DateFromToRangeFilter()

        class Meta:
            model = Article
            fields = ["title", "published"]

    class View:
        filterset_class = Filters

        def get_queryset(self):
            return Article.objects.all()

    backend = DjangoFilterBackend()
    assert backend.query_parameter_names(View()) == {
        "title",
        "published_after",
        "published_before",
    }
    assert backend.blank_refused_parameter_names(View()) == {"title"}
