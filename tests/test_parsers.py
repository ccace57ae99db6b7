"""drf_apifirst.parsers.JSONParser: every body it cannot turn into data is a 400 problem."""

import contextlib
import io
import json
import logging

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from drf_apifirst.parsers import JSONParser, json_depth
from drf_apifirst.testing import assert_problem

JSON = "application/json"

# Bodies DRF's own parser cannot survive: RecursionError inside json (a 500 with a
# traceback) from a few thousand levels on Python 3.12, 100,000 on 3.13.
DEEP_BODIES = {
    "arrays-5k": b"[" * 5_000,
    "arrays-100k": b"[" * 100_000,
    "closed-arrays-5k": b"[" * 5_000 + b"]" * 5_000,
    "objects-5k": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "mixed-5k": b'[{"a":' * 2_500,
    "in-a-field": b'{"title": "t", "labels": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
}

# (method, path) of views that read a body, anonymous allowed in the test settings.
BODY_ENDPOINTS = [
    ("post", "/api/tasks/"),
    ("put", "/api/tasks/{pk}/"),
    ("patch", "/api/tasks/{pk}/"),
    ("post", "/api/orders/"),
    ("post", "/api/auth/login/"),
]


def parse(body: bytes):
    return JSONParser().parse(io.BytesIO(body), JSON, {})


@pytest.fixture
def task(db):
    from tests.testapp.models import Task

    return Task.objects.create(title="existing")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("body", list(DEEP_BODIES.values()), ids=list(DEEP_BODIES))
def test_a_deeply_nested_body_is_a_parse_error_problem_without_a_traceback(
    method, path, body, task, caplog
):
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.DEBUG):
        response = getattr(client, method)(
            path.format(pk=task.pk), body, content_type=JSON, HTTP_X_REQUEST_ID="deep-1"
        )
    problem = assert_problem(response, status=400, code="parse_error")
    assert problem["detail"] == "The JSON body nests arrays and objects deeper than 100 levels."
    assert problem["request_id"] == response["X-Request-ID"] == "deep-1"
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_depth_is_counted_without_recursion_and_strings_do_not_count():
    assert json_depth("1") == 0
    assert json_depth("[]") == 1
    assert json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('["[[[[", "\\"[[[", {"k]]]": "{{{"}]') == 2
    assert json_depth("[" * 1_000_000) == 1_000_000
    assert json_depth("]]]]") == 0


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_the_limit_is_the_setting_exactly(limit):
    with override_settings(DRF_APIFIRST={"MAX_JSON_DEPTH": limit}):
        at_limit = "[" * limit + "]" * limit
        assert parse(at_limit.encode()) == json.loads(at_limit)
        with pytest.raises(ParseError, match=f"deeper than {limit} levels"):
            parse(b"[" * (limit + 1) + b"]" * (limit + 1))


def test_strings_full_of_brackets_are_not_nesting():
    body = json.dumps({"text": "[" * 50_000 + "{" * 50_000, "list": ["]" * 10]})
    assert parse(body.encode()) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"a": NaN}', "NaN is not a JSON number; send a number or null."),
        (b"[Infinity]", "Infinity is not a JSON number; send a number or null."),
        (b'{"a": -Infinity}', "-Infinity is not a JSON number; send a number or null."),
        (b"[1e400]", "The number 1e400 is too large."),
        (b'{"a": 1, "a": 2}', 'The key "a" appears twice in one object.'),
        (b'[{"x": {"b": 1, "c": 2, "b": 1}}]', 'The key "b" appears twice in one object.'),
        (b"\xff\xfe{}", "The JSON body is not valid UTF-8."),
        ('{"a": "é"}'.encode("latin-1"), "The JSON body is not valid UTF-8."),
        ('{"a": 1}'.encode("utf-16"), "The JSON body is not valid UTF-8."),
        (b'{"a": "\\ud800"}', "The JSON body has an escaped lone surrogate (\\ud800-\\udfff)."),
        (b'{"\\udfff": 1}', "The JSON body has an escaped lone surrogate (\\ud800-\\udfff)."),
        (b'{"a": 1', "JSON parse error - Expecting ',' delimiter: line 1 column 8 (char 7)"),
        (b"1" * 5000, None),  # more digits than int() converts
    ],
)
def test_refused_bodies_are_parse_error_problems(client, body, detail, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/orders/", body, content_type=JSON)
    problem = assert_problem(response, status=400, code="parse_error")
    assert problem["title"] == "Malformed request."
    if detail is not None:
        assert problem["detail"] == detail
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    ("body", "data"),
    [
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # a UTF-8 byte order mark is skipped
        (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),  # a surrogate pair is one character
        ('{"é": "ü"}'.encode(), {"é": "ü"}),
        (b'{"a": 1e308, "b": -0.0, "c": 12345678901234567890}', None),
        (b"  null ", None),
    ],
)
def test_valid_json_is_accepted(body, data):
    parsed = parse(body)
    assert parsed == (data if data is not None else json.loads(body))


def test_a_charset_parameter_does_not_change_the_decoding(client, db):
    body = json.dumps({"title": "Grüße"}).encode()
    response = client.post("/api/tasks/", body, content_type="application/json; charset=latin-1")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Grüße"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # every string, brackets, quotes and backslashes included
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from('[]{}"\\')),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON_VALUES, indent=st.sampled_from([None, 1]), ascii=st.booleans())
def test_any_json_document_within_the_limit_parses_as_json_loads_does(value, indent, ascii):
    text = json.dumps(value, indent=indent, ensure_ascii=ascii)
    assert parse(text.encode()) == json.loads(text)


def _depth(value):
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON_VALUES, ascii=st.booleans())
def test_json_depth_is_the_nesting_of_any_document(value, ascii):
    assert json_depth(json.dumps(value, ensure_ascii=ascii)) == _depth(value)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=200) | st.text(alphabet='[]{}",:\\ 0a').map(str.encode))
def test_any_bytes_parse_or_are_a_parse_error(body):
    with contextlib.suppress(ParseError):
        parse(body)


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(101, 20_000), opener=st.sampled_from(["[", '{"k":', '[{"":']))
def test_any_nesting_beyond_the_limit_is_a_parse_error(depth, opener):
    with pytest.raises(ParseError, match="deeper than 100 levels"):
        parse((opener * depth).encode())


@pytest.mark.parametrize("value", [0, 201, -1, True, "50", 1.5, None])
def test_max_json_depth_must_be_a_whole_number_from_1_to_200(value):
    from django.core.exceptions import ImproperlyConfigured

    from drf_apifirst.settings import apifirst_settings

    with (
        override_settings(DRF_APIFIRST={"MAX_JSON_DEPTH": value}),
        pytest.raises(ImproperlyConfigured, match="MAX_JSON_DEPTH"),
    ):
        _ = apifirst_settings.MAX_JSON_DEPTH


def test_rest_framework_settings_parse_json_with_the_strict_parser():
    import drf_apifirst

    parsers = drf_apifirst.rest_framework_settings()["DEFAULT_PARSER_CLASSES"]
    assert "drf_apifirst.parsers.JSONParser" in parsers
    assert "rest_framework.parsers.JSONParser" not in parsers


# --- Uploads (#17): JSON-only by default, multipart where a view takes files ---


def upload(name="report.csv", content=b"a,b\n1,2\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_view_with_upload_parsers_takes_multipart(api_client, db):
    response = api_client.post(
        "/api/uploads/", {"name": "q3", "file": upload()}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json() == {"name": "q3", "size": 8, "file_name": "report.csv"}


def test_the_upload_view_still_takes_json_first(api_client, db):
    response = api_client.post("/api/uploads/", {"name": "q3", "file": "a,b"}, format="json")
    body = assert_problem(response, status=400, code="validation_error")
    assert body["errors"] == [
        {
            "code": "invalid",
            "detail": "The submitted data was not a file. Check the encoding type on the form.",
            "pointer": "#/file",
        }
    ]


def test_multipart_to_a_json_only_view_is_a_415_problem(api_client, db):
    response = api_client.post(
        "/api/articles/", {"title": "t", "file": upload()}, format="multipart"
    )
    body = assert_problem(response, status=415, code="unsupported_media_type")
    assert body["detail"].startswith('Unsupported media type "multipart/form-data')


def test_an_idempotent_upload_is_replayed(api_client, db):
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = encode_multipart(BOUNDARY, {"name": "q3", "file": upload()})
    first = api_client.generic(
        "POST", "/api/uploads/", body, MULTIPART_CONTENT, HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert first.status_code == 201
    again = api_client.generic(
        "POST", "/api/uploads/", body, MULTIPART_CONTENT, HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    other = encode_multipart(BOUNDARY, {"name": "q4", "file": upload()})
    conflict = api_client.generic(
        "POST", "/api/uploads/", other, MULTIPART_CONTENT, HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert_problem(conflict, status=422)


def test_upload_views_document_multipart_after_json():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    content = schema["paths"]["/api/uploads/"]["post"]["requestBody"]["content"]
    assert list(content) == ["application/json", "multipart/form-data"]
    assert content["multipart/form-data"]["schema"] == {
        "$ref": "#/components/schemas/UploadRequest"
    }
    upload_request = schema["components"]["schemas"]["UploadRequest"]
    assert upload_request["properties"]["file"] == {"type": "string", "format": "binary"}
    # A view without files keeps one media type.
    articles = schema["paths"]["/api/articles/"]["post"]["requestBody"]["content"]
    assert list(articles) == ["application/json"]
