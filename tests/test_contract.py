"""The contract guard: diff classification (every row of the table), export, check, diff."""

import copy
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from drf_apifirst.contract import (
    REQUEST_PLACES,
    RESPONSE_PLACES,
    RULES,
    SCHEMA_RULES,
    diff_schemas,
    format_changes,
    rules_markdown,
)


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema):
    return {"application/json": {"schema": schema}}


OLD = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/items/": {
            "get": {
                "description": "List items.",
                "parameters": [
                    {"in": "query", "name": "page", "schema": {"type": "integer"}},
                    {
                        "in": "query",
                        "name": "status",
                        "schema": {"type": "string", "enum": ["a", "b", "c"]},
                    },
                    {"in": "query", "name": "legacy_flag", "schema": {"type": "boolean"}},
                ],
                "responses": {
                    "200": {
                        "description": "",
                        "content": json_content({"type": "array", "items": ref("Item")}),
                    }
                },
            },
            "post": {
                "security": [{"tokenAuth": []}, {"apiKeyAuth": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": ref("ItemRequest")},
                        "application/x-www-form-urlencoded": {"schema": ref("ItemRequest")},
                    },
                },
                "responses": {"201": {"description": "", "content": json_content(ref("Item"))}},
            },
        },
        "/items/{id}/": {
            "get": {
                "responses": {
                    "200": {
                        "description": "",
                        "content": {
                            "application/json": {"schema": ref("Item")},
                            "application/xml": {"schema": ref("Item")},
                        },
                    },
                    "404": {"description": ""},
                }
            },
            "delete": {"responses": {"204": {"description": ""}}},
        },
        "/legacy/": {"get": {"responses": {"200": {"description": ""}}}},
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["id", "name", "kind"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string", "description": "The name."},
                    "kind": {"type": "string", "enum": ["x", "y"]},
                    "size": {"type": "integer"},
                    "label": {"type": "string", "description": "Old words."},
                },
            },
            "ItemRequest": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "maxLength": 100},
                    "note": {"type": "string"},
                    "color": {"type": "string", "enum": ["red", "green"]},
                    "count": {"type": "integer"},
                },
            },
        }
    },
}


def new_document():
    new = copy.deepcopy(OLD)
    paths = new["paths"]
    del paths["/legacy/"]
    paths["/reports/"] = {"get": {"responses": {"200": {"description": ""}}}}
    listing = paths["/items/"]["get"]
    listing["description"] = "List the items."
    listing["deprecated"] = True
    listing["parameters"] = [
        {"in": "query", "name": "page", "required": True, "schema": {"type": "integer"}},
        {"in": "query", "name": "status", "schema": {"type": "string", "enum": ["a", "b", "d"]}},
        {"in": "query", "name": "tenant", "required": True, "schema": {"type": "integer"}},
        {"in": "query", "name": "search", "schema": {"type": "string"}},
    ]
    create = paths["/items/"]["post"]
    create["security"] = [{"tokenAuth": []}]
    del create["requestBody"]["content"]["application/x-www-form-urlencoded"]
    detail = paths["/items/{id}/"]["get"]
    del detail["responses"]["200"]["content"]["application/xml"]
    del detail["responses"]["404"]
    paths["/items/{id}/"]["delete"]["responses"] = {"200": {"description": ""}}
    item = new["components"]["schemas"]["Item"]
    item["required"] = ["kind"]
    del item["properties"]["name"]
    item["properties"]["kind"]["enum"] = ["x"]
    item["properties"]["size"] = {"type": "string"}
    item["properties"]["label"]["description"] = "New words."
    item["properties"]["created"] = {"type": "string", "format": "date-time"}
    request = new["components"]["schemas"]["ItemRequest"]
    request["required"] = ["name", "note", "owner"]
    request["properties"]["name"]["maxLength"] = 50
    request["properties"]["color"]["enum"] = ["red", "green", "blue"]
    del request["properties"]["count"]
    request["properties"]["owner"] = {"type": "integer"}
    request["properties"]["priority"] = {"type": "integer"}
    return new


# (severity, rule, location) for every row of the first round's classification table.
EXPECTED = {
    ("error", "api-removed-without-deprecation", "GET /legacy/"),
    ("info", "endpoint-added", "GET /reports/"),
    ("error", "new-required-request-parameter", "GET /items/ query parameter 'tenant'"),
    ("error", "request-parameter-became-required", "GET /items/ query parameter 'page'"),
    ("error", "request-parameter-enum-value-removed", "GET /items/ query parameter 'status'"),
    ("info", "request-parameter-enum-value-added", "GET /items/ query parameter 'status'"),
    ("info", "new-optional-request-parameter", "GET /items/ query parameter 'search'"),
    ("warning", "request-parameter-removed", "GET /items/ query parameter 'legacy_flag'"),
    ("info", "description-changed", "GET /items/"),
    ("info", "endpoint-deprecated", "GET /items/"),
    ("error", "api-security-removed", "POST /items/"),
    ("error", "request-body-media-type-removed", "POST /items/ request body"),
    ("error", "request-property-max-length-decreased", "POST /items/ request body property 'name'"),
    ("error", "new-required-request-property", "POST /items/ request body property 'owner'"),
    ("error", "request-property-became-required", "POST /items/ request body property 'note'"),
    ("info", "request-property-enum-value-added", "POST /items/ request body property 'color'"),
    ("warning", "request-property-removed", "POST /items/ request body property 'count'"),
    ("info", "new-optional-request-property", "POST /items/ request body property 'priority'"),
    ("error", "response-media-type-removed", "GET /items/{id}/ response 200"),
    ("info", "response-non-success-status-removed", "GET /items/{id}/"),
    ("error", "response-success-status-removed", "DELETE /items/{id}/"),
    ("info", "response-success-status-added", "DELETE /items/{id}/"),
}

# Item is in three responses (one a list); each reports the changes to its properties.
# An enum value removed from a response was "breaking" in the first round: clients never
# receive it again, which breaks none of them (oasdiff agrees: info).
ITEM_CHANGES = {
    ("error", "response-required-property-removed", "name"),
    ("error", "response-property-became-optional", "id"),
    ("info", "response-property-enum-value-removed", "kind"),
    ("error", "response-property-type-changed", "size"),
    ("info", "description-changed", "label"),
    ("info", "response-optional-property-added", "created"),
}
ITEM_RESPONSES = {
    "GET /items/ response 200": "[].",
    "POST /items/ response 201": "",
    "GET /items/{id}/ response 200": "",
}


def test_every_row_of_the_classification_table():
    changes = {(c.severity, c.rule, c.location) for c in diff_schemas(OLD, new_document())}
    item = {
        (severity, rule, f"{where} property '{prefix}{name}'")
        for where, prefix in ITEM_RESPONSES.items()
        for severity, rule, name in ITEM_CHANGES
    }
    assert changes == EXPECTED | item


def test_no_changes_between_equal_documents():
    assert diff_schemas(OLD, copy.deepcopy(OLD)) == []


def test_errors_come_first_and_read_well():
    changes = diff_schemas(OLD, new_document())
    order = ["error", "warning", "info"]
    assert [c.severity for c in changes] == sorted((c.severity for c in changes), key=order.index)
    assert "error    GET /legacy/: operation removed  [api-removed-without-deprecation]" in [
        str(c) for c in changes
    ]
    # The first round's names still answer.
    removed = next(c for c in changes if c.rule == "api-removed-without-deprecation")
    assert removed.breaking
    assert removed.kind == removed.rule
    assert removed.operation == "GET /legacy/"


def test_widening_a_request_is_not_breaking():
    new = copy.deepcopy(OLD)
    request = new["components"]["schemas"]["ItemRequest"]["properties"]
    request["name"]["maxLength"] = 200
    new["paths"]["/items/"]["post"]["security"].append({})
    kinds = {(c.severity, c.rule) for c in diff_schemas(OLD, new)}
    assert kinds == {
        ("info", "request-property-max-length-increased"),
        ("info", "api-security-anonymous-access-added"),
    }


# --- the command ---


def run(*args):
    out = io.StringIO()
    call_command("apifirst_schema", *args, stdout=out)
    return out.getvalue()


def write(path, document):
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_diff_command_fails_on_errors(tmp_path):
    old, new = write(tmp_path / "old.yaml", OLD), write(tmp_path / "new.yaml", new_document())
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^20 error change\(s\) of 40 \(--fail-on error\)\.$"):
        call_command("apifirst_schema", "diff", old, new, stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "40 change(s): 20 error, 2 warning, 18 info."
    assert "error    GET /legacy/: operation removed  [api-removed-without-deprecation]" in text
    assert "info     GET /reports/: operation added  [endpoint-added]" in text
    assert "change(s)" in run("diff", old, new, "--fail-on", "never")


def test_diff_command_passes_without_errors(tmp_path):
    new = copy.deepcopy(OLD)
    new["paths"]["/reports/"] = {"get": {"responses": {"200": {"description": ""}}}}
    (tmp_path / "new.json").write_text(json.dumps(new))
    out = run("diff", write(tmp_path / "old.yaml", OLD), str(tmp_path / "new.json"))
    assert out.splitlines()[0] == "1 change(s): 0 error, 0 warning, 1 info."
    for fail_on in ("info", "any"):  # "any" is the first round's word for "info"
        with pytest.raises(CommandError, match=r"0 error, 0 warning, 1 info change"):
            run(
                "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.json"), "--fail-on", fail_on
            )


@pytest.mark.parametrize(
    ("content", "message"),
    [("paths: [", "is not valid YAML"), ("just: text", "is not an OpenAPI document")],
)
def test_diff_command_refuses_bad_files(tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("diff", str(bad), str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        run("diff", str(tmp_path / "missing.yaml"), str(bad))


def test_export_then_check_passes_on_an_unchanged_project(tmp_path):
    out = run("export", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.yaml", "v2.yaml"]
    assert f"Wrote {tmp_path / 'v1.yaml'}" in out
    v1 = yaml.safe_load((tmp_path / "v1.yaml").read_text())
    assert "/api/v1/vtasks/" in v1["paths"]
    checked = run("check", "--out", str(tmp_path))
    assert f"{tmp_path / 'v2.yaml'} is up to date." in checked


def test_check_fails_after_a_field_rename(tmp_path, monkeypatch):
    run("export", "--out", str(tmp_path))
    from tests.testapp.serializers import TaskV2Serializer

    renamed = dict(TaskV2Serializer._declared_fields)
    renamed["title_text"] = renamed.pop("name")
    monkeypatch.setattr(TaskV2Serializer, "_declared_fields", renamed)
    monkeypatch.setattr(TaskV2Serializer.Meta, "fields", ["id", "title_text", "done"])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 OpenAPI document\\(s\\) out of date"):
        call_command("apifirst_schema", "check", "--out", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert f"{tmp_path / 'v1.yaml'} is up to date." in text
    assert (
        "{id}/ response 200 property 'name': removed  [response-optional-property-removed]" in text
    )
    assert (
        "\nerror    POST /api/v2/vtasks/ request body property 'title_text': new required property"
        in text
    )
    assert "+        title_text:" in text


def test_check_reports_a_missing_document(tmp_path):
    run("export", "--out", str(tmp_path), "--version", "v1")
    with pytest.raises(CommandError, match="out of date"):
        run("check", "--out", str(tmp_path))
    with pytest.raises(CommandError, match=r"Unknown version 'v3'; VERSIONS has v1, v2\."):
        run("export", "--out", str(tmp_path), "--version", "v3")


# --- one change at a time, every rule -------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
ALTERNATIVES = {"A": {"type": "object", "properties": {"a": {"type": "string"}}}}
ALTERNATIVES["B"] = {"type": "object", "properties": {"b": {"type": "string"}}}


def document(operation=None, *, path="/things/", schemas=None, security=None):
    """A one-operation document: POST ``path`` answering 200 with no body, unless told."""
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {path: {"post": operation or {"responses": {"200": {"description": ""}}}}},
        "components": {"schemas": {**ALTERNATIVES, **(schemas or {})}},
    }
    if security is not None:
        doc["security"] = security
    return doc


def placed(place, schema, *, required=True):
    """``schema`` where ``place`` says: a parameter, a body, or a property of one."""
    operation = {"responses": {"200": {"description": ""}}}
    as_property = {"type": "object", "properties": {"p": schema}}
    if required:
        as_property["required"] = ["p"]
    if place == "request-parameter":
        operation["parameters"] = [{"in": "query", "name": "p", "schema": schema}]
    elif place == "request-body":
        operation["requestBody"] = {"content": json_content(schema)}
    elif place == "request-property":
        as_property.pop("required", None)  # an optional property, so its default matters
        operation["requestBody"] = {"content": json_content(as_property)}
    elif place == "response-body":
        operation["responses"]["200"]["content"] = json_content(schema)
    elif place == "response-header":
        operation["responses"]["200"]["headers"] = {"X-P": {"schema": schema}}
    else:
        operation["responses"]["200"]["content"] = json_content(as_property)
    return document(operation)


def reported(old, new):
    return {(c.rule, c.severity) for c in diff_schemas(old, new)}


SCHEMA_CASES = [
    pytest.param(place, rule, id=f"{place}-{rule.suffix}")
    for rule in SCHEMA_RULES
    for place in REQUEST_PLACES + RESPONSE_PLACES
    if rule.severity(place)
]


@pytest.mark.parametrize(("place", "rule"), SCHEMA_CASES)
def test_each_schema_rule_in_each_place(place, rule):
    """The example of the rule table, at each place a schema sits, reports just that rule."""
    rule_id = f"{place}-{rule.suffix}"
    old, new = placed(place, rule.before), placed(place, rule.after)
    assert reported(old, new) == {(rule_id, RULES[rule_id].severity)}


def test_direction_decides_severity():
    """The same change breaks what clients send and is safe in what they receive, or the reverse."""
    expectations = {
        # suffix: (request severity, response severity)
        "enum-value-removed": ("error", "info"),
        "enum-value-added": ("info", "warning"),
        "type-generalized": ("info", "error"),  # integer -> number
        "type-specialized": ("error", "info"),  # number -> integer
        "max-length-increased": ("info", "error"),
        "max-length-decreased": ("error", "info"),
        "became-nullable": ("info", "error"),
        "pattern-added": ("error", "info"),
        "one-of-added": ("info", "error"),
        "one-of-removed": ("error", "info"),
    }
    for suffix, (request, response) in expectations.items():
        assert RULES[f"request-property-{suffix}"].severity == request
        assert RULES[f"response-property-{suffix}"].severity == response


# One change each for the rules that are not about one schema keyword:
# (name, old document, new document, expected {(rule, severity)}).
def _operation(**fields):
    return {"responses": {"200": {"description": ""}}, **fields}


def _body(schema, **fields):
    return {"content": json_content(schema), **fields}


def _object_schema(properties, required=()):
    return {"type": "object", "properties": properties, "required": list(required)}


STRING = {"type": "string"}
READ_ONLY = {"type": "string", "readOnly": True}
WRITE_ONLY = {"type": "string", "writeOnly": True}


def _request(properties, required=()):
    return document(_operation(requestBody=_body(_object_schema(properties, required))))


def _response(properties, required=()):
    return document(
        {
            "responses": {
                "200": {
                    "description": "",
                    "content": json_content(_object_schema(properties, required)),
                }
            }
        }
    )


def _parameter(**fields):
    return document(
        _operation(parameters=[{"in": "query", "name": "q", "schema": STRING, **fields}])
    )


def _secured(*requirements):
    return document(_operation(security=list(requirements)))


def _statuses(*statuses):
    return document({"responses": {s: {"description": ""} for s in statuses}})


def _headers(headers):
    return document({"responses": {"200": {"description": "", "headers": headers}}})


def _webhooks(**events):
    doc = document()
    doc["openapi"] = "3.1.0"
    doc["webhooks"] = {
        name: {"post": _operation(requestBody=_body(schema))} for name, schema in events.items()
    }
    return doc


TASK_EVENT = _object_schema({"type": STRING, "data": {**STRING, "enum": ["a"]}}, ["type", "data"])


def _media(place, *types):
    content = {t: {"schema": STRING} for t in types}
    if place == "request":
        return document(_operation(requestBody={"content": content}))
    return document({"responses": {"200": {"description": "", "content": content}}})


OTHER_CASES = [
    (
        "operation added",
        _statuses("200"),
        {
            **_statuses("200"),
            "paths": {"/things/": {"post": _operation()}, "/more/": {"get": _operation()}},
        },
        {("endpoint-added", "info")},
    ),
    ("webhook added", _webhooks(), _webhooks(created=TASK_EVENT), {("webhook-added", "info")}),
    (
        "webhook removed",
        _webhooks(created=TASK_EVENT),
        _webhooks(),
        {("webhook-removed", "error")},
    ),
    (
        "operation removed",
        document(),
        {**document(), "paths": {}},
        {("api-removed-without-deprecation", "error")},
    ),
    (
        "deprecated operation removed",
        document(_operation(deprecated=True)),
        {**document(), "paths": {}},
        {("api-removed-with-deprecation", "warning")},
    ),
    (
        "operation deprecated",
        document(),
        document(_operation(deprecated=True)),
        {("endpoint-deprecated", "info")},
    ),
    (
        "operation reactivated",
        document(_operation(deprecated=True)),
        document(),
        {("endpoint-reactivated", "info")},
    ),
    (
        "operationId",
        document(_operation(operationId="a")),
        document(_operation(operationId="b")),
        {("api-operation-id-updated", "info")},
    ),
    (
        "summary",
        document(_operation(summary="a")),
        document(_operation(summary="b")),
        {("summary-changed", "info")},
    ),
    (
        "description",
        document(_operation(description="a")),
        document(_operation(description="b")),
        {("description-changed", "info")},
    ),
    (
        "example",
        _request({"p": {**STRING, "example": "a"}}),
        _request({"p": {**STRING, "example": "b"}}),
        {("example-changed", "info")},
    ),
    (
        "security removed",
        _secured({"token": []}, {"key": []}),
        _secured({"token": []}),
        {("api-security-removed", "error")},
    ),
    (
        "scope added",
        _secured({"oauth": ["read"]}),
        _secured({"oauth": ["read", "write"]}),
        {("api-security-scope-added", "error")},
    ),
    (
        "authentication required",
        _secured({}),
        _secured({"token": []}),
        {("api-security-anonymous-access-removed", "error")},
    ),
    (
        "security added",
        _secured({"token": []}),
        _secured({"token": []}, {"key": []}),
        {("api-security-added", "info")},
    ),
    (
        "scope removed",
        _secured({"oauth": ["read", "write"]}),
        _secured({"oauth": ["read"]}),
        {("api-security-scope-removed", "info")},
    ),
    (
        "made public",
        _secured({"token": []}),
        _secured({}),
        {("api-security-anonymous-access-added", "info")},
    ),
    (
        "document-wide security made public",
        document(security=[{"token": []}]),
        document(security=[]),
        {("api-security-anonymous-access-added", "info")},
    ),
    (
        "required parameter added",
        document(),
        _parameter(required=True),
        {("new-required-request-parameter", "error")},
    ),
    (
        "optional parameter added",
        document(),
        _parameter(),
        {("new-optional-request-parameter", "info")},
    ),
    ("parameter removed", _parameter(), document(), {("request-parameter-removed", "warning")}),
    (
        "parameter became required",
        _parameter(),
        _parameter(required=True),
        {("request-parameter-became-required", "error")},
    ),
    (
        "parameter became optional",
        _parameter(required=True),
        _parameter(),
        {("request-parameter-became-optional", "info")},
    ),
    (
        "required body added",
        document(),
        document(_operation(requestBody=_body(STRING, required=True))),
        {("request-body-added-required", "error")},
    ),
    (
        "optional body added",
        document(),
        document(_operation(requestBody=_body(STRING))),
        {("request-body-added-optional", "info")},
    ),
    (
        "body removed",
        document(_operation(requestBody=_body(STRING))),
        document(),
        {("request-body-removed", "warning")},
    ),
    (
        "body became required",
        document(_operation(requestBody=_body(STRING))),
        document(_operation(requestBody=_body(STRING, required=True))),
        {("request-body-became-required", "error")},
    ),
    (
        "body became optional",
        document(_operation(requestBody=_body(STRING, required=True))),
        document(_operation(requestBody=_body(STRING))),
        {("request-body-became-optional", "info")},
    ),
    (
        "request media type removed",
        _media("request", "application/json", "text/plain"),
        _media("request", "application/json"),
        {("request-body-media-type-removed", "error")},
    ),
    (
        "request media type added",
        _media("request", "application/json"),
        _media("request", "application/json", "text/plain"),
        {("request-body-media-type-added", "info")},
    ),
    (
        "required request property added",
        _request({}),
        _request({"p": STRING}, ["p"]),
        {("new-required-request-property", "error")},
    ),
    (
        "optional request property added",
        _request({}),
        _request({"p": STRING}),
        {("new-optional-request-property", "info")},
    ),
    (
        "request property removed",
        _request({"p": STRING}),
        _request({}),
        {("request-property-removed", "warning")},
    ),
    (
        "request property became required",
        _request({"p": STRING}),
        _request({"p": STRING}, ["p"]),
        {("request-property-became-required", "error")},
    ),
    (
        "request property became optional",
        _request({"p": STRING}, ["p"]),
        _request({"p": STRING}),
        {("request-property-became-optional", "info")},
    ),
    (
        "required request property became read-only",
        _request({"p": STRING}, ["p"]),
        _request({"p": READ_ONLY}, ["p"]),
        {("request-required-property-became-read-only", "error")},
    ),
    (
        "optional request property became read-only",
        _request({"p": STRING}),
        _request({"p": READ_ONLY}),
        {("request-optional-property-became-read-only", "warning")},
    ),
    (
        "read-only property became writable and required",
        _request({"p": READ_ONLY}, ["p"]),
        _request({"p": STRING}, ["p"]),
        {("request-required-property-became-not-read-only", "error")},
    ),
    (
        "read-only property became writable",
        _request({"p": READ_ONLY}),
        _request({"p": STRING}),
        {("request-optional-property-became-not-read-only", "info")},
    ),
    (
        "success status removed",
        _statuses("200", "201"),
        _statuses("200"),
        {("response-success-status-removed", "error")},
    ),
    (
        "error status removed",
        _statuses("200", "404"),
        _statuses("200"),
        {("response-non-success-status-removed", "info")},
    ),
    (
        "success status added",
        _statuses("200"),
        _statuses("200", "202"),
        {("response-success-status-added", "info")},
    ),
    (
        "error status added",
        _statuses("200"),
        _statuses("200", "409"),
        {("response-non-success-status-added", "info")},
    ),
    (
        "required response header removed",
        _headers({"ETag": {"required": True, "schema": STRING}}),
        _headers({}),
        {("required-response-header-removed", "error")},
    ),
    (
        "optional response header removed",
        _headers({"RateLimit": {"schema": STRING}}),
        _headers({}),
        {("optional-response-header-removed", "warning")},
    ),
    (
        "response header added",
        _headers({}),
        _headers({"RateLimit": {"schema": STRING}}),
        {("response-header-added", "info")},
    ),
    (
        "response header became optional",
        _headers({"ETag": {"required": True, "schema": STRING}}),
        _headers({"etag": {"schema": STRING}}),  # names are case-insensitive
        {("response-header-became-optional", "error")},
    ),
    (
        "response header became required",
        _headers({"ETag": {"schema": STRING}}),
        _headers({"ETag": {"required": True, "schema": STRING}}),
        {("response-header-became-required", "info")},
    ),
    (
        "response media type removed",
        _media("response", "application/json", "text/csv"),
        _media("response", "application/json"),
        {("response-media-type-removed", "error")},
    ),
    (
        "response media type added",
        _media("response", "application/json"),
        _media("response", "application/json", "text/csv"),
        {("response-media-type-added", "info")},
    ),
    (
        "required response property removed",
        _response({"p": STRING}, ["p"]),
        _response({}),
        {("response-required-property-removed", "error")},
    ),
    (
        "optional response property removed",
        _response({"p": STRING}),
        _response({}),
        {("response-optional-property-removed", "error")},
    ),
    (
        "required response property added",
        _response({}),
        _response({"p": STRING}, ["p"]),
        {("response-required-property-added", "info")},
    ),
    (
        "optional response property added",
        _response({}),
        _response({"p": STRING}),
        {("response-optional-property-added", "info")},
    ),
    (
        "response property became optional",
        _response({"p": STRING}, ["p"]),
        _response({"p": STRING}),
        {("response-property-became-optional", "error")},
    ),
    (
        "response property became required",
        _response({"p": STRING}),
        _response({"p": STRING}, ["p"]),
        {("response-property-became-required", "info")},
    ),
    (
        "required response property became write-only",
        _response({"p": STRING}, ["p"]),
        _response({"p": WRITE_ONLY}, ["p"]),
        {("response-required-property-became-write-only", "error")},
    ),
    (
        "optional response property became write-only",
        _response({"p": STRING}),
        _response({"p": WRITE_ONLY}),
        {("response-optional-property-became-write-only", "error")},
    ),
    (
        "write-only property now in responses",
        _response({"p": WRITE_ONLY}),
        _response({"p": STRING}),
        {("response-optional-property-became-not-write-only", "info")},
    ),
    (
        "write-only property now in responses, always",
        _response({"p": WRITE_ONLY}, ["p"]),
        _response({"p": STRING}, ["p"]),
        {("response-required-property-became-not-write-only", "info")},
    ),
    (
        "operationId added",
        document(),
        document(_operation(operationId="a")),
        {("api-operation-id-added", "info")},
    ),
    (
        "operationId removed",
        document(_operation(operationId="a")),
        document(),
        {("api-operation-id-removed", "info")},
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in OTHER_CASES], ids=[c[0] for c in OTHER_CASES]
)
def test_each_other_rule(old, new, expected):
    assert reported(old, new) == expected


def test_every_rule_has_a_case():
    """No rule in RULES goes untested (and no case names a rule that is not in RULES)."""
    covered = {f"{place}-{rule.suffix}" for place, rule in (c.values for c in SCHEMA_CASES)}
    covered |= {rule for case in OTHER_CASES for rule, _ in case[3]}
    assert covered == set(RULES)


# --- the first round's misses and false alarms, one by one ----------------------------


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize(
    ("place", "before", "after", "expected"),
    [
        # Direction: safe in a response, breaking in a request, and the reverse.
        (
            "response-property",
            {**STRING, "enum": ["a", "b"]},
            {**STRING, "enum": ["a"]},
            ("response-property-enum-value-removed", "info"),
        ),
        (
            "request-property",
            {**STRING, "enum": ["a", "b"]},
            {**STRING, "enum": ["a"]},
            ("request-property-enum-value-removed", "error"),
        ),
        (
            "response-property",
            {"type": "number"},
            {"type": "integer"},
            ("response-property-type-specialized", "info"),
        ),
        (
            "response-property",
            {"type": "integer"},
            {"type": "number"},
            ("response-property-type-generalized", "error"),
        ),
        (
            "request-parameter",
            {"type": "integer"},
            {"type": "number"},
            ("request-parameter-type-generalized", "info"),
        ),
        (
            "request-parameter",
            {"type": "number"},
            {"type": "integer"},
            ("request-parameter-type-specialized", "error"),
        ),
        (
            "request-parameter",
            {"type": "integer", "format": "int32"},
            {"type": "integer", "format": "int64"},
            ("request-parameter-type-generalized", "info"),
        ),
        (
            "response-property",
            {**STRING, "enum": ["a"]},
            {**STRING, "enum": ["a", "b"]},
            ("response-property-enum-value-added", "warning"),
        ),
        # Constraints the first round did not compare.
        (
            "request-property",
            STRING,
            {**STRING, "pattern": "^[a-z]+$"},
            ("request-property-pattern-added", "error"),
        ),
        (
            "request-parameter",
            STRING,
            {**STRING, "pattern": "^[a-z]+$"},
            ("request-parameter-pattern-added", "error"),
        ),
        (
            "request-property",
            {"type": "array", "minItems": 1},
            {"type": "array", "minItems": 2},
            ("request-property-min-items-increased", "error"),
        ),
        (
            "request-parameter",
            {"type": "array", "maxItems": 5},
            {"type": "array", "maxItems": 3},
            ("request-parameter-max-items-decreased", "error"),
        ),
        (
            "request-property",
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "number", "exclusiveMinimum": 1},
            ("request-property-exclusive-min-increased", "error"),
        ),
        (
            "request-property",
            {"type": "number", "maximum": 9},
            {"type": "number", "maximum": 9, "exclusiveMaximum": True},
            ("request-property-exclusive-max-set", "error"),
        ),
        (
            "request-parameter",
            {**STRING, "default": "a"},
            {**STRING, "default": "b"},
            ("request-parameter-default-value-changed", "error"),
        ),
        (
            "response-property",
            {**STRING, "maxLength": 10},
            {**STRING, "maxLength": 20},
            ("response-property-max-length-increased", "error"),
        ),
        (
            "response-property",
            {"type": "integer", "minimum": 0},
            {"type": "integer"},
            ("response-property-min-unset", "error"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_direction_and_constraints(place, before, after, expected):
    assert reported(placed(place, before), placed(place, after)) == {expected}


@pytest.mark.parametrize(
    ("extensible", "severity"), [(None, "warning"), (False, "error"), (True, "info")]
)
def test_response_enum_value_added_follows_x_extensible_enum(extensible, severity):
    marker = {} if extensible is None else {"x-extensible-enum": extensible}
    old = placed("response-body", {**STRING, "enum": ["a"], **marker})
    new = placed("response-body", {**STRING, "enum": ["a", "b"], **marker})
    assert reported(old, new) == {("response-body-enum-value-added", severity)}
    # What clients send never needs the marker: a value more is accepted.
    old, new = (
        placed("request-body", old_schema := {**STRING, "enum": ["a"], **marker}),
        placed("request-body", {**old_schema, "enum": ["a", "b"]}),
    )
    assert reported(old, new) == {("request-body-enum-value-added", "info")}


def _tagged(*names, mapping=None, key="oneOf"):
    schema = {key: [_ref(n) for n in names]}
    if mapping is not None:
        schema["discriminator"] = {"propertyName": "kind", "mapping": mapping}
    return schema


OBJECTS = {n: {"type": "object", "properties": {n.lower(): STRING}} for n in "CDE"}


@pytest.mark.parametrize("key", ["oneOf", "anyOf"])
def test_alternatives_that_are_all_objects_are_told_apart(key):
    """oneOf/anyOf of $refs to objects: matched by name, so one more or less is seen."""
    stem = "one-of" if key == "oneOf" else "any-of"
    one = document(
        schemas=OBJECTS,
        operation=_operation(
            requestBody=_body(_tagged("C", "D", key=key)),
            responses={"200": {"description": "", "content": json_content(_tagged("C", key=key))}},
        ),
    )
    two = document(
        schemas=OBJECTS,
        operation=_operation(
            requestBody=_body(_tagged("C", key=key)),
            responses={
                "200": {"description": "", "content": json_content(_tagged("C", "D", key=key))}
            },
        ),
    )
    assert reported(one, two) == {
        (f"request-body-{stem}-removed", "error"),
        (f"response-body-{stem}-added", "error"),
    }
    assert reported(two, one) == {
        (f"request-body-{stem}-added", "info"),
        (f"response-body-{stem}-removed", "info"),
    }


def test_alternatives_matched_by_discriminator_mapping_then_compared():
    """A renamed component is the same alternative when the mapping says so."""
    e_renamed = {
        "E2": {
            "type": "object",
            "properties": {"e": STRING, "extra": STRING},
            "required": ["extra"],
        }
    }
    old = placed(
        "request-body",
        _tagged("C", "E", mapping={"c": "#/components/schemas/C", "e": "#/components/schemas/E"}),
    )
    new = placed(
        "request-body",
        _tagged("C", "E2", mapping={"c": "#/components/schemas/C", "e": "#/components/schemas/E2"}),
    )
    for doc, extra in ((old, {}), (new, e_renamed)):
        doc["components"]["schemas"].update({**OBJECTS, **extra})
    assert reported(old, new) == {
        ("request-body-discriminator-mapping-changed", "error"),
        ("new-required-request-property", "error"),
    }


def test_discriminator_mapping_added_to_a_response_is_like_an_enum_value():
    old = placed("response-body", _tagged("C", mapping={"c": "#/components/schemas/C"}))
    new = placed(
        "response-body",
        _tagged("C", "D", mapping={"c": "#/components/schemas/C", "d": "#/components/schemas/D"}),
    )
    for doc in (old, new):
        doc["components"]["schemas"].update(OBJECTS)
    assert reported(old, new) == {
        ("response-body-discriminator-mapping-added", "warning"),
        ("response-body-one-of-added", "error"),
    }


def test_an_oauth_scope_added_is_seen():
    old = _secured({"oauth": ["tasks:read"]}, {"key": []})
    new = _secured({"oauth": ["tasks:read", "tasks:write"]}, {"key": []})
    changes = diff_schemas(old, new)
    assert [(c.rule, c.severity, c.message) for c in changes] == [
        ("api-security-scope-added", "error", "oauth[tasks:read] now also needs scopes tasks:write")
    ]


def test_a_renamed_path_parameter_is_the_same_operation():
    def detail(name):
        parameter = {"in": "path", "name": name, "required": True, "schema": {"type": "integer"}}
        doc = document(_operation(parameters=[parameter]), path=f"/items/{{{name}}}/")
        return doc

    assert diff_schemas(detail("id"), detail("pk")) == []
    changed = detail("pk")
    changed["paths"]["/items/{pk}/"]["post"]["parameters"][0]["schema"] = STRING
    assert [(c.rule, c.location) for c in diff_schemas(detail("id"), changed)] == [
        ("request-parameter-type-changed", "POST /items/{pk}/ path parameter 'pk'")
    ]


def test_webhooks_are_what_clients_receive():
    grown = _object_schema({"type": STRING, "data": {**STRING, "enum": ["a", "b"]}}, ["type"])
    changes = diff_schemas(_webhooks(created=TASK_EVENT), _webhooks(created=grown))
    assert {(c.rule, c.severity, c.location) for c in changes} == {
        (
            "response-property-enum-value-added",
            "warning",
            "webhook created payload property 'data'",
        ),
        ("response-property-became-optional", "error", "webhook created payload property 'data'"),
    }


def test_a_recursive_schema_is_compared_once():
    node = {
        "type": "object",
        "properties": {"name": STRING, "children": {"type": "array", "items": _ref("Node")}},
    }
    old = placed("response-body", _ref("Node"))
    new = copy.deepcopy(old)
    old["components"]["schemas"]["Node"] = node
    new["components"]["schemas"]["Node"] = {
        **node,
        "properties": {**node["properties"], "name": {**STRING, "maxLength": 5}},
    }
    assert {(c.rule, c.location) for c in diff_schemas(old, new)} == {
        ("response-property-max-length-set", "POST /things/ response 200 property 'name'"),
        (
            "response-property-max-length-set",
            "POST /things/ response 200 property 'children[].name'",
        ),
    }


def test_path_level_parameters_count():
    old = document()
    new = document()
    new["paths"]["/things/"]["parameters"] = [
        {"in": "header", "name": "X-Tenant", "required": True, "schema": STRING}
    ]
    assert reported(old, new) == {("new-required-request-parameter", "error")}


# --- what must not fail CI ------------------------------------------------------------


def safe_changes():
    """OLD with every kind of change that breaks no client."""
    new = copy.deepcopy(OLD)
    schemas = new["components"]["schemas"]
    request = schemas["ItemRequest"]["properties"]
    request["name"]["maxLength"] = 200  # a request widened
    request["count"] = {"type": "number"}  # integer -> number in a request
    request["color"]["enum"].append("blue")
    request["priority"] = {"type": "integer"}  # an optional request property added
    item = schemas["Item"]["properties"]
    item["kind"]["enum"] = ["x"]  # a response narrowed
    item["size"] = {"type": "integer", "maximum": 10}
    item["created"] = {"type": "string", "format": "date-time"}  # a response property added
    item["label"]["description"] = "New words."
    item["label"]["example"] = "A label"
    listing = new["paths"]["/items/"]["get"]
    listing["description"] = "List the items."
    listing["operationId"] = "items_list"
    listing["deprecated"] = True
    listing["parameters"][0]["schema"] = {"type": "number"}  # ?page widened
    new["paths"]["/items/"]["post"]["security"].append({})  # made public
    return new


def test_safe_changes_do_not_fail(tmp_path):
    changes = diff_schemas(OLD, safe_changes())
    assert {c.severity for c in changes} == {"info"}
    assert len(changes) == 24
    old, new = write(tmp_path / "old.yaml", OLD), write(tmp_path / "new.yaml", safe_changes())
    for fail_on in ("error", "warning"):
        out = run("diff", old, new, "--fail-on", fail_on)
        assert out.splitlines()[0] == "24 change(s): 0 error, 0 warning, 24 info."


def test_fail_on_warning_fails_on_a_warning(tmp_path):
    new = copy.deepcopy(OLD)
    # The server ignores what clients still send: it may break some.
    del new["components"]["schemas"]["ItemRequest"]["properties"]["count"]
    old, new = write(tmp_path / "old.yaml", OLD), write(tmp_path / "new.yaml", new)
    assert "0 error, 1 warning" in run("diff", old, new)
    with pytest.raises(
        CommandError, match=r"^0 error, 1 warning change\(s\) of 1 \(--fail-on warning\)\.$"
    ):
        run("diff", old, new, "--fail-on", "warning")


def test_diff_formats(tmp_path):
    old, new = write(tmp_path / "old.yaml", OLD), write(tmp_path / "new.yaml", new_document())
    as_json = json.loads(run("diff", old, new, "--format", "json", "--fail-on", "never"))
    assert as_json["summary"] == {"error": 20, "warning": 2, "info": 18}
    assert as_json["changes"][0] == {
        "id": "response-success-status-removed",
        "severity": "error",
        "direction": "response",
        "operation": "DELETE /items/{id}/",
        "location": "DELETE /items/{id}/",
        "message": "response 204 removed",
    }
    markdown = run("diff", old, new, "--format", "markdown", "--fail-on", "never").splitlines()
    assert markdown[0] == "### API changes: 20 error, 2 warning, 18 info"
    assert markdown[2:4] == ["| severity | rule | where | change |", "| --- | --- | --- | --- |"]
    assert (
        "| error | `api-removed-without-deprecation` | GET /legacy/ | operation removed |"
        in markdown
    )
    assert len(markdown) == 4 + 40
    # The exit status does not depend on the format; the JSON stays whole on stdout.
    out = io.StringIO()
    with pytest.raises(CommandError, match="20 error"):
        call_command("apifirst_schema", "diff", old, new, "--format", "json", stdout=out)
    assert len(json.loads(out.getvalue())["changes"]) == 40
    assert format_changes([], "markdown").endswith("No changes.\n")


def test_a_malformed_part_is_compared_as_missing_not_a_traceback(tmp_path):
    new = copy.deepcopy(OLD)
    new["paths"]["/items/"]["get"]["responses"]["200"]["content"] = "text"
    new["components"]["schemas"]["Item"]["required"] = {"id": True}
    new["components"]["schemas"]["ItemRequest"]["properties"]["name"]["maxLength"] = "many"
    rules = {c.rule for c in diff_schemas(OLD, new)}
    assert "response-media-type-removed" in rules
    assert "response-property-became-optional" in rules
    assert "request-property-max-length-decreased" not in rules


def test_rules_command_prints_the_table():
    assert run("rules") == rules_markdown()


def test_yaml_is_read_with_libyaml_when_present():
    from drf_apifirst.management.commands import apifirst_schema

    assert apifirst_schema.YAML_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with pytest.raises(yaml.constructor.ConstructorError):  # still a safe loader
        apifirst_schema.load_yaml("!!python/object/apply:os.system ['true']")


# --- the docs -------------------------------------------------------------------------


def test_the_rule_table_in_the_docs_is_the_code():
    text = (ROOT / "docs" / "versioning.md").read_text(encoding="utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    table = text[text.index(start) + len(start) : text.index(end)]
    assert table.strip() == rules_markdown().strip(), (
        "docs/versioning.md's rule table is stale: paste `manage.py apifirst_schema rules`"
    )


# --- the example project's documents --------------------------------------------------

EXAMPLE = ROOT / "example_project" / "openapi"


def test_the_example_documents_have_no_changes_against_themselves():
    from drf_apifirst.management.commands.apifirst_schema import load

    for name in ("v1.yaml", "v2.yaml"):
        assert diff_schemas(load(EXAMPLE / name), load(EXAMPLE / name)) == []


def test_a_broken_example_v2_fails_with_the_right_rule_ids(tmp_path):
    from drf_apifirst.management.commands.apifirst_schema import load

    broken = load(EXAMPLE / "v2.yaml")
    schemas = broken["components"]["schemas"]
    del schemas["Task"]["properties"]["title"]  # a required response property
    schemas["StatusEnum"]["enum"].append("archived")  # a response (and request) enum value
    schemas["TaskRequest"]["required"].append("due")  # an optional request property
    schemas["TaskRequest"]["properties"]["title"]["maxLength"] = 100
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(broken))
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"error change\(s\)"):
        call_command("apifirst_schema", "diff", str(EXAMPLE / "v2.yaml"), str(path), stdout=out)
    rules = {line.rsplit("[", 1)[1].rstrip("]") for line in out.getvalue().splitlines()[1:]}
    assert rules == {
        "response-required-property-removed",  # responses list their fields as required
        "response-property-enum-value-added",
        "request-property-enum-value-added",
        "request-property-became-required",
        "request-property-max-length-decreased",
    }
