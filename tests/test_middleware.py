"""Request ids and problems for what DRF never sees (drf_apifirst.middleware)."""

import io
import json
import logging
import re

import pytest
from django.test import override_settings

from drf_apifirst.logging import JsonFormatter, RequestIdFilter

PROBLEM = "application/problem+json"


def test_request_id_is_generated_when_the_client_sends_none(api_client):
    response = api_client.get("/api/denied/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_sane_client_request_id_is_echoed(api_client):
    response = api_client.get("/api/denied/", HTTP_X_REQUEST_ID="client-7.abc_DEF")
    assert response["X-Request-ID"] == "client-7.abc_DEF"
    assert response.json()["request_id"] == "client-7.abc_DEF"


@pytest.mark.parametrize(
    "malicious",
    ["abc\ndef", "x" * 10_000, "a b", "<script>", "", "x" * 129],
    ids=["newline", "10kB", "space", "markup", "empty", "129-chars"],
)
def test_malicious_request_id_is_replaced(api_client, malicious):
    response = api_client.get("/api/denied/", HTTP_X_REQUEST_ID=malicious)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_request_id_is_on_successful_responses_and_outside_the_api(client):
    response = client.get("/html/missing/", HTTP_X_REQUEST_ID="abc")
    assert response["X-Request-ID"] == "abc"


@override_settings(
    DRF_APIFIRST={
        "REQUEST_ID_HEADER": "X-Correlation-ID",
        "REQUEST_ID_GENERATOR": "tests.test_middleware.fixed_id",
    }
)
def test_header_name_and_generator_are_settings(api_client):
    response = api_client.get("/api/denied/", HTTP_X_REQUEST_ID="ignored")
    assert response["X-Correlation-ID"] == "fixed-id"
    assert not response.has_header("X-Request-ID")
    response = api_client.get("/api/denied/", HTTP_X_CORRELATION_ID="mine")
    assert response["X-Correlation-ID"] == "mine"


def fixed_id() -> str:
    return "fixed-id"


def test_log_filter_adds_the_request_id_inside_a_request_and_a_dash_outside():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "msg", None, None)
    assert RequestIdFilter().filter(record) is True
    assert record.request_id == "-"


def test_unknown_url_under_the_prefix_is_a_problem(api_client):
    response = api_client.get("/api/nothing-here/", HTTP_X_REQUEST_ID="r1")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "https://docs.example.com/errors/not_found",
        "title": "Not found.",
        "status": 404,
        "detail": "Not found.",
        "instance": "/api/nothing-here/",
        "code": "not_found",
        "request_id": "r1",
    }


@override_settings(DEBUG=True)
def test_unknown_url_under_the_prefix_is_a_problem_in_debug_too(api_client):
    response = api_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_unknown_url_outside_the_prefix_keeps_django_html(client):
    response = client.get("/html/missing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_plain_django_view_refusing_a_method_is_a_problem_with_allow(client):
    response = client.get("/api/plain/post-only/")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


def test_plain_django_view_crashing_under_the_prefix_is_a_500_problem(client):
    client.raise_request_exception = False
    response = client.get("/api/plain/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "server_error"
    assert "plain view failed" not in response.content.decode()


def test_json_formatter_writes_one_line_per_record_with_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    client.raise_request_exception = False
    try:
        response = client.get("/api/plain/boom/", HTTP_X_REQUEST_ID="trace-42")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1  # the traceback is inside the JSON object, not on extra lines
    entry = json.loads(lines[0])
    assert response["X-Request-ID"] == "trace-42"
    assert entry["request_id"] == "trace-42"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["message"].startswith("Internal Server Error: /api/plain/boom/")
    assert "plain view failed" in entry["exception"]
    assert entry["status_code"] == 500  # Django's extra= fields are kept
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


@pytest.mark.django_db
def test_client_errors_django_logs_after_the_middleware_carry_the_request_id(api_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = api_client.get("/api/tasks/", HTTP_AUTHORIZATION="Token nope")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 401
    [entry] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == response["X-Request-ID"]


def test_json_formatter_writes_values_json_cannot_hold_as_text():
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "saved %s", ("x",), None)
    record.when = object()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "saved x"
    assert entry["when"].startswith("<object object")
    assert entry["request_id"] is None


def test_plain_django_view_crashing_outside_the_prefix_keeps_django_html(client):
    client.raise_request_exception = False
    response = client.get("/html/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@override_settings(DRF_APIFIRST={"API_PREFIXES": ["/html/"]})
def test_prefixes_are_a_setting(client):
    assert client.get("/html/missing/")["Content-Type"] == PROBLEM
    assert client.get("/api/nothing-here/")["Content-Type"].startswith("text/html")


def test_async_stack_sets_request_id_and_problems():
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    get = async_to_sync(AsyncClient().get)
    response = get("/api/nothing-here/", headers={"X-Request-ID": "async-1"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "async-1"
    assert response.json()["request_id"] == "async-1"


UNSAFE = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize(
    ("path", "target"),
    [("/api/tasks", "/api/tasks/"), ("/api/tasks/7?x=1&y=%C3%BC", "/api/tasks/7/?x=1&y=%C3%BC")],
)
def test_an_unsafe_method_without_the_trailing_slash_is_a_308_never_a_301_or_500(
    quiet_client, method, debug, path, target, caplog
):
    with override_settings(DEBUG=debug), caplog.at_level(logging.WARNING):
        response = quiet_client.generic(method, path, b'{"title": "x"}', "application/json")
    assert response.status_code == 308
    assert response["Location"] == target
    assert response["X-Request-ID"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_following_the_308_repeats_the_method_and_the_body(api_client, method):
    from tests.testapp.models import Task

    task = Task.objects.create(title="before")
    path = "/api/tasks" if method == "POST" else f"/api/tasks/{task.pk}"
    response = api_client.generic(method, path, b'{"title": "after"}', "application/json")
    assert response.status_code == 308
    followed = api_client.generic(
        method, response["Location"], b'{"title": "after"}', "application/json"
    )
    assert followed.status_code in (200, 201, 204), followed.content
    if method == "DELETE":
        assert not Task.objects.filter(pk=task.pk).exists()
    else:
        assert Task.objects.filter(title="after").count() == 1


def test_get_without_the_trailing_slash_keeps_djangos_301(client):
    response = client.get("/api/tasks")
    assert response.status_code == 301
    assert response["Location"] == "/api/tasks/"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_no_slash_redirect_where_neither_url_exists_or_append_slash_is_off(client, method):
    response = client.generic(method, "/api/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    with override_settings(APPEND_SLASH=False):
        response = client.generic(method, "/api/tasks")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_outside_the_api_prefix_django_decides(client):
    with override_settings(DEBUG=False):
        response = client.post("/html/boom")
    assert response.status_code == 301


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/json"])
def test_a_500_of_a_plain_view_under_the_prefix_is_a_json_problem(quiet_client, debug, accept):
    with override_settings(DEBUG=debug):
        response = quiet_client.get("/api/plain/boom/", HTTP_ACCEPT=accept)
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)  # JSON, not Django's HTML page
    assert body["code"] == "server_error"
    assert "plain view failed" not in response.content.decode()  # Django's debug page's


@pytest.mark.parametrize(
    "url", ["/api/docs/?version=v9", "/api/redoc/?version=v9", "/api/schema/?version=v9"]
)
def test_a_problem_from_a_non_json_view_is_rendered_as_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert json.loads(response.content)["code"] == "unknown_version"


@pytest.mark.django_db
def test_the_308_does_not_depend_on_where_common_middleware_sits(quiet_client):
    inner_problem = [
        "drf_apifirst.middleware.RequestIdMiddleware",
        "django.middleware.common.CommonMiddleware",
        "drf_apifirst.middleware.ProblemMiddleware",
    ]
    with override_settings(MIDDLEWARE=inner_problem, DEBUG=True):
        response = quiet_client.post("/api/tasks", b"{}", content_type="application/json")
    assert response.status_code == 308
    assert response["Location"] == "/api/tasks/"
