"""The problem schema is an OpenAPI component referenced by every documented error."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_is_valid_openapi(schema):
    validate(schema)


def test_problem_component_matches_the_wire_format(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "code",
        "request_id",
        "errors",
    }
    assert problem["required"] == [
        "code",
        "detail",
        "instance",
        "request_id",
        "status",
        "title",
        "type",
    ]
    error = schema["components"]["schemas"]["ProblemError"]
    assert set(error["properties"]) == {"code", "detail", "pointer", "parameter"}


def test_every_documented_error_is_a_problem(schema):
    checked = 0
    for path, method, operation in operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
        assert errors, f"{method.upper()} {path} documents no error"
        for status, response in errors.items():
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}, (
                f"{method.upper()} {path} {status}"
            )
            checked += 1
    assert checked > 20


def test_statuses_follow_what_the_operation_can_do(schema):
    responses = lambda path, method: set(schema["paths"][path][method]["responses"])  # noqa: E731
    # The default throttles apply everywhere: 429 is documented everywhere.
    assert responses("/api/tasks/", "get") == {"200", "400", "404", "405", "406", "429", "500"}
    assert responses("/api/tasks/", "post") == {"201", "400", "405", "406", "415", "429", "500"}
    assert responses("/api/tasks/{id}/", "get") == {"200", "404", "405", "406", "429", "500"}
    assert responses("/api/tasks/{id}/", "delete") == {"204", "404", "405", "406", "429", "500"}


def test_schema_view_serves_the_document(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "Problem" in response.json()["components"]["schemas"]


def test_docs_pages_load_their_assets_locally(api_client):
    for url in ("/api/docs/", "/api/redoc/"):
        response = api_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "cdn.jsdelivr.net" not in html
        assert "/static/drf_spectacular_sidecar/" in html


def parameters(schema, path, method="get"):
    return {p["name"]: p for p in schema["paths"][path][method].get("parameters", [])}


def test_list_documents_pagination_filters_ordering_search_and_fields(schema):
    params = parameters(schema, "/api/articles/")
    assert set(params) == {
        "page",
        "page_size",
        "ordering",
        "search",
        "author",
        "is_public",
        "published",
        "fields",
    }
    assert params["fields"]["schema"] == {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": ["id", "title"]},
    }
    assert params["fields"]["style"] == "form"
    assert params["fields"]["explode"] is False
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1}
    assert "title, published, id" in params["ordering"]["description"]


def test_paginated_response_shape_and_link_header(schema):
    response = schema["paths"]["/api/articles/"]["get"]["responses"]["200"]
    assert "Link" in response["headers"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ref]
    assert page["required"] == ["count", "next", "previous", "results"]
    no_count = schema["paths"]["/api/no-count-articles/"]["get"]["responses"]["200"]
    ref = no_count["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "count" not in schema["components"]["schemas"][ref]["properties"]
    cursor = parameters(schema, "/api/cursor-articles/")
    assert {"cursor", "page_size", "ordering"} <= set(cursor)


def test_expandable_fields_are_documented_as_either_form(schema):
    params = parameters(schema, "/api/expandable-articles/{id}/")
    assert params["expand"]["schema"]["items"]["enum"] == ["author", "tags"]
    article = schema["components"]["schemas"]["ExpandableArticle"]
    assert article["properties"]["author"]["anyOf"] == [
        {"type": "integer"},
        {"$ref": "#/components/schemas/Author"},
    ]
    # Any field may be left out with ?fields=, so none is required in responses.
    assert "required" not in article
    # Requests are unaffected.
    assert "title" in schema["components"]["schemas"]["ExpandableArticleRequest"]["required"]


def test_auth_schemes_and_scopes_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API key: `Authorization: Api-Key <key>`.",
    }
    assert schemes["tokenAuth"]["description"] == (
        "A user token from the login endpoint: `Authorization: Token <token>`."
    )
    create = schema["paths"]["/api/owned-tasks/"]["post"]
    assert create["security"] == [{"tokenAuth": []}, {"apiKeyAuth": []}]
    assert create["x-required-scopes"] == ["tasks:write"]
    assert create["description"] == (
        "Requires the scope `tasks:write` (API keys; users per `USER_SCOPES`)."
    )
    assert {"401", "403", "429"} <= set(create["responses"])
    archive = schema["paths"]["/api/owned-tasks/{id}/archive/"]["post"]
    assert archive["x-required-scopes"] == ["tasks:admin"]
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert login["security"] == [{}]
    assert set(login["responses"]) >= {"200", "400", "429"}


def test_library_docstrings_do_not_leak_into_host_docs(schema):
    listing = schema["paths"]["/api/articles/"]["get"]
    assert "description" not in listing or "``list``" not in listing["description"]


def test_safe_retry_headers_and_statuses_are_documented(schema):
    detail = schema["paths"]["/api/conditional-tasks/{id}/"]
    get = detail["get"]
    assert "If-None-Match" in {p["name"] for p in get["parameters"] if p["in"] == "header"}
    assert "304" in get["responses"]
    assert "ETag" in get["responses"]["200"]["headers"]
    patch = detail["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is False
    assert {"412"} <= set(patch["responses"])
    strict = schema["paths"]["/api/strict-tasks/{id}/"]["put"]
    assert next(p for p in strict["parameters"] if p["name"] == "If-Match")["required"] is True
    assert "428" in strict["responses"]
    create = schema["paths"]["/api/key-required-tasks/"]["post"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
    assert key["schema"] == {"type": "string", "maxLength": 255}
    assert {"409", "422"} <= set(create["responses"])


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/", "/api/docs/?version=v1"])
def test_docs_pages_load_every_asset_from_this_server(live_server, page):
    """No CDN: every script, stylesheet and icon the page names is served from here."""
    import re
    import urllib.request
    from urllib.parse import urljoin, urlsplit

    html = urllib.request.urlopen(live_server.url + page).read().decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets += re.findall(r'"(/static/[^"]+)"', html)
    assert any(a.endswith(".js") for a in assets), assets
    for asset in set(assets):
        if asset.startswith("?"):  # the version links of the page itself
            continue
        url = urljoin(live_server.url + page, asset)
        assert urlsplit(url).netloc == urlsplit(live_server.url).netloc, f"external asset {url}"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200, url
            assert response.read(), url


def test_rate_limit_headers_are_documented(schema):
    listing = schema["paths"]["/api/articles/"]["get"]["responses"]
    assert {"RateLimit-Policy", "RateLimit"} <= set(listing["200"]["headers"])
    assert {"RateLimit-Policy", "RateLimit"} <= set(listing["429"]["headers"])


def test_action_problems_are_documented_with_their_codes(schema):
    archive = schema["paths"]["/api/owned-tasks/{id}/archive/"]["post"]
    conflict = archive["responses"]["409"]
    assert conflict["content"]["application/problem+json"]["schema"] == PROBLEM_REF
    assert conflict["description"] == (
        "Conflict (`already_archived`: The task is archived already.)"
    )
    # Only the action that raises it documents it.
    update = schema["paths"]["/api/owned-tasks/{id}/"]["put"]
    assert "409" not in update["responses"]


@pytest.mark.django_db(transaction=True)
def test_the_schema_view_generates_one_document_at_a_time(monkeypatch):
    """drf-spectacular's generator is not thread-safe (tfranzel/drf-spectacular#1123)."""
    import threading
    import time

    from django.test import Client

    inside, most = [0], [0]
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        try:
            return original(self, *args, **kwargs)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    statuses = []

    def fetch():
        statuses.append(Client().get("/api/schema/", {"format": "json"}).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert most[0] == 1


def test_the_migration_guide_token_advice_gives_two_distinct_schemes():
    """docs/migrating.md: DRF's authtoken tokens beside knox's, both in the document (#17)."""
    import importlib.util
    from pathlib import Path

    from django.urls import path
    from rest_framework import authentication
    from rest_framework.views import APIView

    from drf_apifirst.authentication import TokenAuthentication

    sample = Path(__file__).parent.parent / "docs/samples/migrating/legacy_tokens.py"
    spec = importlib.util.spec_from_file_location("legacy_tokens", sample)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))

    class BothTokensView(APIView):
        authentication_classes = [TokenAuthentication, authentication.TokenAuthentication]

        def get(self, request):
            """Both kinds of tokens."""

    document = SchemaGenerator(patterns=[path("api/both/", BothTokensView.as_view())]).get_schema(
        request=None, public=True
    )
    schemes = document["components"]["securitySchemes"]
    assert schemes["legacyTokenAuth"]["description"].startswith("A token issued before")
    security = document["paths"]["/api/both/"]["get"]["security"]
    names = {name for requirement in security for name in requirement}
    # Two schemes (whatever the library names its own), each described in the document.
    assert len(names) == 2
    assert "legacyTokenAuth" in names
    assert names <= set(schemes)
