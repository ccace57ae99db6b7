"""The contract guard: diff classification (every row of the table), export, check, diff."""

import copy
import io
import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from drf_apifirst.contract import diff_schemas


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


# (breaking, kind, location) for every row of the classification table.
EXPECTED = {
    (True, "operation-removed", "GET /legacy/"),
    (False, "operation-added", "GET /reports/"),
    (True, "required-parameter-added", "GET /items/"),
    (True, "parameter-became-required", "GET /items/"),
    (True, "request-enum-value-removed", "GET /items/ query parameter 'status' schema"),
    (False, "request-enum-value-added", "GET /items/ query parameter 'status' schema"),
    (False, "parameter-added", "GET /items/"),
    (False, "parameter-removed", "GET /items/"),
    (False, "description-changed", "GET /items/"),
    (False, "operation-deprecated", "GET /items/"),
    (True, "security-changed", "POST /items/"),
    (True, "request-media-type-removed", "POST /items/ request"),
    (True, "request-limit-narrowed", "POST /items/ request request property 'name'"),
    (True, "required-request-property-added", "POST /items/ request request property 'owner'"),
    (True, "request-property-became-required", "POST /items/ request request property 'note'"),
    (False, "request-enum-value-added", "POST /items/ request request property 'color'"),
    (False, "request-property-removed", "POST /items/ request request property 'count'"),
    (False, "request-property-added", "POST /items/ request request property 'priority'"),
    (True, "response-media-type-removed", "GET /items/{id}/ 200"),
    (False, "status-removed", "GET /items/{id}/"),
    (True, "success-status-removed", "DELETE /items/{id}/"),
    (False, "status-added", "DELETE /items/{id}/"),
}

# Item is in three responses (one a list); each reports the changes to its properties.
ITEM_CHANGES = {
    (True, "response-property-removed", "name"),
    (True, "response-property-became-optional", "id"),
    (True, "response-enum-value-removed", "kind"),
    (True, "response-type-changed", "size"),
    (False, "description-changed", "label"),
    (False, "response-property-added", "created"),
}
ITEM_RESPONSES = {
    "GET /items/ 200 response": "[].",
    "POST /items/ 201 response": "",
    "GET /items/{id}/ 200 response": "",
}


def test_every_row_of_the_classification_table():
    changes = {(c.breaking, c.kind, c.location) for c in diff_schemas(OLD, new_document())}
    item = {
        (breaking, kind, f"{where} property '{prefix}{name}'")
        for where, prefix in ITEM_RESPONSES.items()
        for breaking, kind, name in ITEM_CHANGES
    }
    assert changes == EXPECTED | item


def test_no_changes_between_equal_documents():
    assert diff_schemas(OLD, copy.deepcopy(OLD)) == []


def test_breaking_changes_come_first_and_read_well():
    changes = diff_schemas(OLD, new_document())
    first_ok = next(i for i, c in enumerate(changes) if not c.breaking)
    assert all(c.breaking for c in changes[:first_ok])
    assert not any(c.breaking for c in changes[first_ok:])
    assert "BREAKING  GET /legacy/: operation removed" in [str(c) for c in changes]


def test_widening_a_request_is_not_breaking():
    new = copy.deepcopy(OLD)
    request = new["components"]["schemas"]["ItemRequest"]["properties"]
    request["name"]["maxLength"] = 200
    new["paths"]["/items/"]["post"]["security"].append({})
    kinds = {(c.breaking, c.kind) for c in diff_schemas(OLD, new)}
    assert kinds == {(False, "security-added")}


# --- the command ---


def run(*args):
    out = io.StringIO()
    call_command("apifirst_schema", *args, stdout=out)
    return out.getvalue()


def write(path, document):
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_diff_command_fails_on_breaking_changes(tmp_path):
    old, new = write(tmp_path / "old.yaml", OLD), write(tmp_path / "new.yaml", new_document())
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"\d+ breaking change\(s\) of \d+\."):
        call_command("apifirst_schema", "diff", old, new, stdout=out)
    assert "BREAKING  GET /legacy/: operation removed" in out.getvalue()
    assert "ok        GET /reports/: operation added" in out.getvalue()
    assert "change(s)" in run("diff", old, new, "--fail-on", "never")


def test_diff_command_passes_without_breaking_changes(tmp_path):
    new = copy.deepcopy(OLD)
    new["paths"]["/reports/"] = {"get": {"responses": {"200": {"description": ""}}}}
    (tmp_path / "new.json").write_text(json.dumps(new))
    out = run("diff", write(tmp_path / "old.yaml", OLD), str(tmp_path / "new.json"))
    assert out.splitlines()[0] == "1 change(s), 0 breaking."
    with pytest.raises(CommandError, match="0 breaking change"):
        run("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.json"), "--fail-on", "any")


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
    assert "response property 'name': removed" in text
    assert "BREAKING" in text
    assert "+        title_text:" in text


def test_check_reports_a_missing_document(tmp_path):
    run("export", "--out", str(tmp_path), "--version", "v1")
    with pytest.raises(CommandError, match="out of date"):
        run("check", "--out", str(tmp_path))
    with pytest.raises(CommandError, match=r"Unknown version 'v3'; VERSIONS has v1, v2\."):
        run("export", "--out", str(tmp_path), "--version", "v3")
