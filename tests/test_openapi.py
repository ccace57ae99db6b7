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


def is_problem_schema(schema, components):
    """The Problem, a ``<Code>Problem`` (``allOf`` the Problem), or ``anyOf`` of those."""
    if schema == PROBLEM_REF:
        return True
    if "anyOf" in schema:
        return all(is_problem_schema(option, components) for option in schema["anyOf"])
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    return name.endswith("Problem") and components[name]["allOf"][0] == PROBLEM_REF


def test_every_documented_error_is_a_problem(schema):
    checked = 0
    components = schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
        assert errors, f"{method.upper()} {path} documents no error"
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"]
            body = response["content"]["application/problem+json"]["schema"]
            assert is_problem_schema(body, components), f"{method.upper()} {path} {status}"
            checked += 1
    assert checked > 20


def test_statuses_follow_what_the_operation_can_do(schema):
    responses = lambda path, method: set(schema["paths"][path][method]["responses"])  # noqa: E731
    # The default throttles apply everywhere: 429 is documented everywhere.
    # Any view can find the database down: 503 is documented everywhere.
    errors = {"405", "406", "429", "500", "503"}
    assert responses("/api/tasks/", "get") == {"200", "400", "404", *errors}
    assert responses("/api/tasks/", "post") == {"201", "400", "415", *errors}
    assert responses("/api/tasks/{id}/", "get") == {"200", "404", *errors}
    assert responses("/api/tasks/{id}/", "delete") == {"204", "404", *errors}


def test_every_operation_documents_the_503_with_retry_after(schema):
    """A database out of reach (any view) or an idempotency store that is down (requests
    with an Idempotency-Key) is a 503 service_unavailable problem with Retry-After."""
    checked = 0
    for path, method, operation in operations(schema):
        response = operation["responses"]["503"]
        assert response["description"] == "Service Unavailable", (path, method)
        assert header_refs(response)["Retry-After"] == "Retry-After", (path, method)
        media = response["content"]["application/problem+json"]
        assert media["schema"] == PROBLEM_REF, (path, method)
        assert media["examples"] == {
            "service_unavailable": {"$ref": "#/components/examples/service_unavailable"}
        }, (path, method)
        checked += 1
    assert checked > 20
    example = schema["components"]["examples"]["service_unavailable"]["value"]
    assert (example["status"], example["code"]) == (503, "service_unavailable")


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
    article = schema["components"]["schemas"]["ExpandableArticlePartial"]
    assert article["properties"]["author"]["anyOf"] == [
        {"type": "integer"},
        {"$ref": "#/components/schemas/Author"},
    ]
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
    assert schemes["knoxTokenAuth"]["description"] == (
        "A user token from the login endpoint: `Authorization: Token <token>`."
    )
    create = schema["paths"]["/api/owned-tasks/"]["post"]
    assert create["security"] == [{"knoxTokenAuth": []}, {"apiKeyAuth": []}]
    assert create["x-required-scopes"] == ["tasks:write"]
    assert create["description"] == (
        "Requires the scope `tasks:write` (API keys; users per `USER_SCOPES`)."
    )
    assert {"401", "403", "429"} <= set(create["responses"])
    archive = schema["paths"]["/api/owned-tasks/{id}/archive/"]["post"]
    assert archive["x-required-scopes"] == ["tasks:admin"]
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert login["security"] == []  # no credentials (not `[{}]`, read as optional auth)
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
    assert key["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    }
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


# --- documents typed clients can trust (#16) ---


def component(schema, ref_holder):
    ref = ref_holder["$ref"] if "$ref" in ref_holder else ref_holder["items"]["$ref"]
    return ref.rsplit("/", 1)[1]


def body_schema(schema, path, method, status):
    response = schema["paths"][path][method]["responses"][status]
    return next(iter(response["content"].values()))["schema"]


def test_response_components_list_every_field_as_required(schema):
    components = schema["components"]["schemas"]
    for name in ("ExpandableArticle", "OwnedTask", "TaskV1"):
        assert components[name]["required"] == sorted(components[name]["properties"]), name
    # Nullable where nullable: present, maybe null.
    assert components["OwnedTask"]["properties"]["owner"]["nullable"] is True


@pytest.mark.parametrize(
    ("path", "method", "status", "name"),
    [
        ("/api/articles/", "post", "201", "ExpandableArticle"),
        ("/api/articles/{id}/", "put", "200", "ExpandableArticle"),
        ("/api/articles/{id}/", "patch", "200", "ExpandableArticle"),
        # A GET takes ?fields=: any field may be left out.
        ("/api/articles/{id}/", "get", "200", "ExpandableArticlePartial"),
        ("/api/expandable-articles/{id}/", "get", "200", "ExpandableArticlePartial"),
    ],
)
def test_writes_return_the_complete_component_reads_the_partial_one(
    schema, path, method, status, name
):
    assert component(schema, body_schema(schema, path, method, status)) == name
    partial = schema["components"]["schemas"].get(f"{name}Partial") or {}
    assert "required" not in partial


def test_a_default_read_sends_every_required_field_and_a_sparse_one_fits_the_partial(
    schema, api_client, articles
):
    from jsonschema import Draft4Validator

    components = schema["components"]["schemas"]
    url = f"/api/articles/{articles[1].pk}/"
    full = api_client.get(url).json()
    assert set(full) == set(components["ExpandableArticle"]["required"])
    sparse = api_client.get(url, {"fields": "id,title"}).json()
    assert set(sparse) == {"id", "title"}
    partial = {**components["ExpandableArticlePartial"], "components": schema["components"]}
    assert not list(Draft4Validator(partial).iter_errors(sparse))


def test_library_docstrings_are_not_component_descriptions(schema):
    from drf_apifirst.serializers import ApiModelSerializer

    library_doc = ApiModelSerializer.__doc__.strip().splitlines()[0]
    for name, component_schema in schema["components"]["schemas"].items():
        assert library_doc not in component_schema.get("description", ""), name


def header_refs(response):
    return {
        name: header["$ref"].rsplit("/", 1)[1]
        for name, header in response.get("headers", {}).items()
    }


def test_every_response_documents_x_request_id_as_a_component(schema):
    headers = schema["components"]["headers"]
    assert headers["X-Request-ID"]["required"] is True
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            refs = header_refs(response)
            assert refs.get("X-Request-ID") == "X-Request-ID", (path, method, status)
            assert all(ref in headers for ref in refs.values())


@pytest.mark.parametrize(
    ("path", "method", "status", "header"),
    [
        ("/api/conditional-tasks/{id}/", "get", "200", "ETag"),
        ("/api/conditional-tasks/{id}/", "get", "304", "ETag"),
        ("/api/conditional-tasks/{id}/", "put", "200", "ETag"),
        ("/api/conditional-tasks/{id}/", "patch", "200", "ETag"),
        ("/api/idempotent-tasks/", "post", "201", "Idempotent-Replayed"),
        ("/api/articles/", "get", "429", "Retry-After"),
        ("/api/articles/", "get", "503", "Retry-After"),
        ("/api/idempotent-tasks/", "post", "503", "Retry-After"),
        ("/api/articles/", "get", "200", "RateLimit"),
        ("/api/articles/", "get", "200", "Link"),
        ("/api/cursor-articles/", "get", "200", "Link"),
        ("/api/articles/", "get", "405", "Allow"),
        ("/api/owned-tasks/", "post", "401", "WWW-Authenticate"),
    ],
)
def test_headers_are_documented_where_they_are_sent(schema, path, method, status, header):
    response = schema["paths"][path][method]["responses"][status]
    assert header_refs(response).get(header) == header


@pytest.mark.parametrize(
    ("path", "method", "status", "header"),
    [
        ("/api/limit-offset-articles/", "get", "200", "Link"),  # DRF's paginator sends none
        ("/api/conditional-tasks/{id}/", "delete", "204", "ETag"),
        ("/api/idempotent-tasks/", "post", "400", "Idempotent-Replayed"),  # never kept
        ("/api/articles/{id}/", "get", "200", "Idempotent-Replayed"),
        ("/api/articles/", "get", "500", "Retry-After"),
        ("/api/idempotent-tasks/", "post", "503", "Idempotent-Replayed"),  # never kept
    ],
)
def test_headers_are_not_promised_where_they_are_not_sent(schema, path, method, status, header):
    response = schema["paths"][path][method]["responses"][status]
    assert header not in header_refs(response)


def test_limit_offset_pagination_of_a_host_sends_no_link(api_client, articles):
    response = api_client.get("/api/limit-offset-articles/", {"limit": 2})
    assert response.status_code == 200
    assert response.json()["next"]
    assert not response.has_header("Link")


def test_precondition_failed_has_its_own_problem_schema(schema):
    components = schema["components"]["schemas"]
    assert components["PreconditionFailedProblem"]["allOf"][0] == PROBLEM_REF
    members = components["PreconditionFailedProblem"]["allOf"][1]
    assert members["required"] == ["current_etag"]
    assert members["properties"]["current_etag"]["type"] == "string"
    for method in ("put", "patch", "delete"):
        body = body_schema(schema, "/api/conditional-tasks/{id}/", method, "412")
        assert body == {"$ref": "#/components/schemas/PreconditionFailedProblem"}


def test_unknown_version_has_its_own_problem_schema(schema, api_client):
    components = schema["components"]["schemas"]
    members = components["UnknownVersionProblem"]["allOf"][1]
    assert members["required"] == ["versions"]
    body = body_schema(schema, "/api/v2/vtasks/", "get", "404")
    assert body == {"anyOf": [{"$ref": "#/components/schemas/UnknownVersionProblem"}, PROBLEM_REF]}
    response = api_client.get("/api/v9/vtasks/")
    assert response.status_code == 404
    assert response.json()["versions"] == ["v1", "v2"]


def test_auth_scheme_names_are_unique_per_authentication_class():
    from django.urls import path
    from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from drf_apifirst.authentication import TokenAuthentication

    class BothTokensView(APIView):
        authentication_classes = [TokenAuthentication, DRFTokenAuthentication]

        def get(self, request):
            return Response({})  # pragma: no cover

    generator = SchemaGenerator(patterns=[path("api/both/", BothTokensView.as_view())])
    document = generator.get_schema(request=None, public=True)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"knoxTokenAuth", "tokenAuth"}
    assert "login endpoint" in schemes["knoxTokenAuth"]["description"]
    assert "login endpoint" not in schemes["tokenAuth"].get("description", "")
    operation = document["paths"]["/api/both/"]["get"]
    assert operation["security"][:2] == [{"knoxTokenAuth": []}, {"tokenAuth": []}]


def test_every_operation_has_a_summary_and_a_tag_from_its_router_prefix(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (path, method)
        assert operation.get("tags"), (path, method)
    assert schema["paths"]["/api/v2/vtasks/"]["get"]["tags"] == ["vtasks"]
    assert schema["paths"]["/api/v2/vtasks/"]["get"]["summary"] == "List tasks"
    assert schema["paths"]["/api/v2/vtasks/{id}/"]["patch"]["summary"] == "Update a task"
    assert schema["paths"]["/api/articles/"]["get"]["tags"] == ["articles"]


def test_every_problem_response_has_example_bodies_that_fit_its_schema(schema):
    from jsonschema import Draft4Validator

    checked = 0
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status < "400":
                continue
            media = response["content"]["application/problem+json"]
            assert media["examples"], (path, method, status)
            validator = Draft4Validator({**media["schema"], "components": schema["components"]})
            for example in media["examples"].values():
                name = example["$ref"].rsplit("/", 1)[1]  # shared in components/examples
                body = schema["components"]["examples"][name]["value"]
                assert body["status"] == int(status), (path, method, status)
                assert not list(validator.iter_errors(body)), (path, method, status)
                checked += 1
    assert checked > 100


def test_problem_examples_name_their_codes(schema):
    examples = schema["paths"]["/api/v2/vtasks/"]["get"]["responses"]["404"]["content"][
        "application/problem+json"
    ]["examples"]
    assert set(examples) == {"unknown_version", "not_found"}
    shared = schema["components"]["examples"]
    assert shared["unknown_version"]["value"]["versions"] == ["v1", "v2"]
    listing = schema["paths"]["/api/articles/"]["get"]["responses"]["400"]
    assert listing["content"]["application/problem+json"]["examples"] == {
        "validation_error": {"$ref": "#/components/examples/validation_error_parameters"}
    }
    conflict = schema["paths"]["/api/owned-tasks/{id}/archive/"]["post"]["responses"]["409"]
    assert "already_archived" in conflict["content"]["application/problem+json"]["examples"]


def test_spectacular_settings_take_servers_license_and_contact():
    from drf_spectacular.settings import patched_settings

    import drf_apifirst

    settings = drf_apifirst.spectacular_settings(
        TITLE="Tracker",
        SERVERS=[{"url": "https://api.example.com"}],
        LICENSE={"name": "MIT", "url": "https://opensource.org/license/mit"},
        CONTACT={"name": "API team", "url": "https://example.com/support"},
    )
    document_keys = {k: v for k, v in settings.items() if k in ("SERVERS", "LICENSE", "CONTACT")}
    with patched_settings(document_keys):  # what SPECTACULAR_SETTINGS = settings gives
        document = SchemaGenerator().get_schema(request=None, public=True)
    assert document["servers"] == [{"url": "https://api.example.com"}]
    assert document["info"]["license"]["name"] == "MIT"
    assert document["info"]["contact"]["name"] == "API team"


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


def test_login_documents_its_request_and_response_examples(schema):
    from jsonschema import Draft4Validator

    login = schema["paths"]["/api/auth/login/"]["post"]
    components = {"components": schema["components"]}
    for media, component in (
        (login["requestBody"]["content"]["application/json"], "LoginRequest"),
        (login["responses"]["200"]["content"]["application/json"], "Token"),
    ):
        examples = list(media["examples"].values())
        assert len(examples) == 1, component
        validator = Draft4Validator({"$ref": f"#/components/schemas/{component}", **components})
        assert not list(validator.iter_errors(examples[0]["value"])), component
    request = login["requestBody"]["content"]["application/json"]["examples"]
    assert set(next(iter(request.values()))["value"]) == {"username", "password"}
    response = login["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(next(iter(response.values()))["value"]) == {"token", "expiry"}


def test_login_documents_the_problems_it_raises(schema):
    login = schema["paths"]["/api/auth/login/"]["post"]["responses"]
    examples = login["400"]["content"]["application/problem+json"]["examples"]
    assert set(examples) == {"invalid_credentials", "validation_error"}
    assert "`invalid_credentials`" in login["400"]["description"]
    # Under knox's TOKEN_LIMIT_PER_USER.
    examples = login["403"]["content"]["application/problem+json"]["examples"]
    assert "too_many_tokens" in examples
    assert "`too_many_tokens`" in login["403"]["description"]
