"""Every failure of an API view is an RFC 9457 problem (drf_apifirst.handlers)."""

import logging

import pytest
from django.test import override_settings

PROBLEM = "application/problem+json"
DOCS = "https://docs.example.com/errors/"


def assert_problem(response, *, status, code, title=None, detail=None):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == DOCS + code
    assert body["instance"] == response.wsgi_request.path
    assert body["request_id"] == response["X-Request-ID"]
    if title is not None:
        assert body["title"] == title
    if detail is not None:
        assert body["detail"] == detail
    return body


def test_malformed_json_is_a_parse_error(api_client):
    response = api_client.post("/api/orders/", "{not json", content_type="application/json")
    body = assert_problem(response, status=400, code="parse_error", title="Malformed request.")
    assert body["detail"].startswith("JSON parse error")


def test_wrong_content_type_is_unsupported_media_type(api_client):
    response = api_client.post("/api/orders/", "title=x", content_type="text/plain")
    assert_problem(
        response,
        status=415,
        code="unsupported_media_type",
        detail='Unsupported media type "text/plain" in request.',
    )


def test_not_acceptable(api_client):
    response = api_client.get("/api/tasks/", HTTP_ACCEPT="application/xml")
    assert_problem(response, status=406, code="not_acceptable")


@pytest.mark.django_db
def test_field_errors_point_into_the_body(api_client):
    response = api_client.post("/api/orders/", {"items": []}, format="json")
    body = assert_problem(
        response,
        status=400,
        code="validation_error",
        title="Invalid input.",
        detail="1 field is invalid.",
    )
    assert body["errors"] == [
        {"code": "required", "detail": "This field is required.", "pointer": "#/title"}
    ]


def test_nested_list_and_list_serializer_errors_have_exact_pointers(api_client):
    payload = {
        "title": "x" * 21,
        "items": [
            {"sku": "ok", "quantity": 1},
            {"sku": "ok", "quantity": 1},
            {"sku": "ok", "quantity": 1},
            {"sku": "much-too-long", "quantity": 0},
        ],
        "tags": ["abc", "toolong"],
        "address": {"city": "Paris", "zip": "12"},
    }
    response = api_client.post("/api/orders/", payload, format="json")
    body = assert_problem(
        response, status=400, code="validation_error", detail="5 fields are invalid."
    )
    assert body["errors"] == [
        {
            "code": "max_length",
            "detail": "Ensure this field has no more than 20 characters.",
            "pointer": "#/title",
        },
        {
            "code": "max_length",
            "detail": "Ensure this field has no more than 8 characters.",
            "pointer": "#/items/3/sku",
        },
        {
            "code": "min_value",
            "detail": "Ensure this value is greater than or equal to 1.",
            "pointer": "#/items/3/quantity",
        },
        {
            "code": "max_length",
            "detail": "Ensure this field has no more than 3 characters.",
            "pointer": "#/tags/1",
        },
        {
            "code": "invalid",
            "detail": "This value does not match the required pattern.",
            "pointer": "#/address/zip",
        },
    ]


def test_non_field_errors_have_no_pointer_at_the_top_and_point_at_nested_objects(api_client):
    response = api_client.post(
        "/api/orders/",
        {"title": "forbidden", "items": [{"sku": "a", "quantity": 1}]},
        format="json",
    )
    body = assert_problem(
        response, status=400, code="validation_error", detail="This order is not allowed."
    )
    assert body["errors"] == [{"code": "forbidden_order", "detail": "This order is not allowed."}]

    response = api_client.post(
        "/api/orders/",
        {
            "title": "t",
            "items": [{"sku": "a", "quantity": 1}],
            "address": {"city": "Nowhere", "zip": "12345"},
        },
        format="json",
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert body["errors"] == [
        {"code": "no_shipping", "detail": "We do not ship to Nowhere.", "pointer": "#/address"}
    ]


def test_pointer_escapes_tilde_and_slash():
    from drf_apifirst.problems import json_pointer

    assert json_pointer(["a/b", "m~n", 0, "c d"]) == "#/a~1b/m~0n/0/c%20d"


def test_query_parameter_errors_name_the_parameter(api_client):
    response = api_client.get("/api/parameters/")
    body = assert_problem(
        response, status=400, code="validation_error", detail="1 query parameter is invalid."
    )
    assert body["errors"] == [
        {"code": "invalid", "detail": "A valid integer is required.", "parameter": "page_size"}
    ]


@pytest.mark.django_db
def test_http404_from_get_object_or_404(api_client):
    response = api_client.get("/api/tasks/9999/")
    assert_problem(
        response,
        status=404,
        code="not_found",
        title="Not found.",
        detail="No Task matches the given query.",
    )


def test_django_permission_denied(api_client):
    response = api_client.get("/api/denied/")
    assert_problem(
        response, status=403, code="permission_denied", detail="Only the owner may look."
    )


def test_django_validation_error_from_full_clean(api_client):
    response = api_client.post("/api/full-clean/", {}, format="json")
    body = assert_problem(response, status=400, code="validation_error")
    assert body["errors"] == [
        {
            "code": "max_length",
            "detail": "Ensure this value has at most 200 characters (it has 300).",
            "pointer": "#/title",
        }
    ]


def test_not_authenticated_carries_www_authenticate(api_client):
    response = api_client.get("/api/private/")
    assert_problem(response, status=401, code="not_authenticated")
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


@pytest.mark.django_db
def test_authentication_failed(api_client):
    response = api_client.get("/api/private/", HTTP_AUTHORIZATION="Basic bm90OnJpZ2h0")
    assert_problem(
        response,
        status=401,
        code="authentication_failed",
        detail="Invalid username/password.",
    )
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


@pytest.mark.django_db
def test_method_not_allowed_carries_allow(api_client):
    response = api_client.delete("/api/tasks/")
    assert_problem(
        response, status=405, code="method_not_allowed", detail='Method "DELETE" not allowed.'
    )
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_throttled_carries_retry_after(api_client):
    from django.core.cache import cache

    cache.clear()
    assert api_client.get("/api/throttled/").status_code == 200
    response = api_client.get("/api/throttled/")
    body = assert_problem(response, status=429, code="throttled")
    assert int(response["Retry-After"]) > 80000
    assert body["detail"].startswith("Request was throttled. Expected available in")


def test_host_problem_with_extension_members(api_client):
    response = api_client.post("/api/credit/", {}, format="json")
    body = assert_problem(
        response,
        status=403,
        code="out_of_credit",
        title="Out of credit.",
        detail="Your account has too little credit.",
    )
    assert body["balance"] == 30
    assert body["accounts"] == ["/accounts/12"]


def test_host_problem_cannot_replace_reserved_members():
    from tests.testapp.views import OutOfCredit

    with pytest.raises(TypeError, match="reserved problem members: status"):
        OutOfCredit(status=200)


def test_unhandled_exception_is_a_500_problem_that_leaks_nothing(quiet_client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = quiet_client.get("/api/boom/", HTTP_X_REQUEST_ID="req-42")
    body = assert_problem(
        response,
        status=500,
        code="server_error",
        title="A server error occurred.",
        detail="A server error occurred.",
    )
    assert body["request_id"] == "req-42"
    assert "hunter2" not in response.content.decode()
    assert "traceback" not in body
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /api/boom/"
    assert record.request_id == "req-42"
    assert record.status_code == 500
    assert record.exc_info[0] is RuntimeError


def test_unhandled_exception_reaches_error_reporters(quiet_client):
    from django.core.signals import got_request_exception

    seen = []

    def receiver(sender, request, **kwargs):
        seen.append(request.path)

    got_request_exception.connect(receiver)
    try:
        quiet_client.get("/api/boom/")
    finally:
        got_request_exception.disconnect(receiver)
    assert seen == ["/api/boom/"]


def test_unhandled_exception_propagates_to_the_test_client_like_django(api_client):
    with pytest.raises(RuntimeError, match="hunter2"):
        api_client.get("/api/boom/")


@override_settings(DEBUG=True)
def test_debug_shows_exception_and_traceback(quiet_client):
    response = quiet_client.get("/api/boom/")
    body = assert_problem(response, status=500, code="server_error")
    assert body["detail"] == "RuntimeError: database password is hunter2"
    assert any("raise RuntimeError" in line for line in body["traceback"])


@override_settings(DRF_APIFIRST={})
def test_type_is_about_blank_without_a_docs_url(api_client):
    response = api_client.get("/api/denied/")
    assert response.json()["type"] == "about:blank"


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_413_problem(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_client.post("/api/tasks/", {"title": "x" * 500}, format="json")
    assert_problem(response, status=413, code="request_too_large")


@pytest.mark.django_db
def test_a_body_over_the_limit_with_an_idempotency_key_is_a_413_problem(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_client.post(
        "/api/idempotent-tasks/", {"title": "x" * 500}, format="json", HTTP_IDEMPOTENCY_KEY="big"
    )
    assert_problem(response, status=413, code="request_too_large")
