"""The contract guard: what changed between two OpenAPI documents, and whom it breaks.

``diff_schemas(old, new)`` returns one ``Change`` per difference. Each carries a rule id
(oasdiff's where the meaning is the same, so a team can look it up there), a severity
(``error`` breaks clients, ``warning`` may break some, ``info`` is safe) and a direction:
the same change is safe in what clients *send* and breaking in what they *receive*
(an enum value removed from a request breaks callers; removed from a response it cannot).

``RULES`` lists every rule; docs/versioning.md shows it as a table made by
``rules_markdown()`` (a test keeps the two equal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RULES",
    "SEVERITIES",
    "Change",
    "Rule",
    "SchemaRule",
    "count",
    "diff_schemas",
    "format_changes",
    "rules_markdown",
]

ERROR, WARNING, INFO = "error", "warning", "info"
# Most severe first; ``--fail-on`` fails on its level and every level before it.
SEVERITIES = (ERROR, WARNING, INFO)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Where a schema sits decides the direction of its changes and the prefix of its rule ids.
REQUEST_PLACES = ("request-parameter", "request-body", "request-property")
RESPONSE_PLACES = ("response-body", "response-property", "response-header")


@dataclass(frozen=True)
class Rule:
    """One kind of change, with the severity it is reported at."""

    id: str
    severity: str
    # "request" (what clients send), "response" (what they receive) or "none".
    direction: str
    summary: str
    example: str
    # How a document can change the severity (x-extensible-enum), when it can.
    note: str = ""


@dataclass(frozen=True)
class SchemaRule:
    """A change to one schema keyword, reported as ``<place>-<suffix>`` wherever it occurs.

    ``before``/``after`` are a one-change example; the docs show it and the tests diff it
    in every place, so each generated rule id is proven to be reported.
    """

    suffix: str
    request: str | None
    response: str | None
    summary: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    places: tuple[str, ...] = REQUEST_PLACES + RESPONSE_PLACES
    note: str = ""

    def severity(self, place: str) -> str | None:
        if place not in self.places:
            return None
        return self.request if place.startswith("request") else self.response


def _tightening(suffix: str, summary: str, before: Any, after: Any) -> SchemaRule:
    """Fewer values allowed: breaks what clients send, safe in what they receive."""
    return SchemaRule(suffix, ERROR, INFO, summary, before, after)


def _loosening(suffix: str, summary: str, before: Any, after: Any) -> SchemaRule:
    """More values allowed: safe for what clients send, breaks what they receive."""
    return SchemaRule(suffix, INFO, ERROR, summary, before, after)


# keyword, rule stem, which side it bounds, the example's base schema
_BOUNDS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("maxLength", "max-length", "upper", {"type": "string"}),
    ("minLength", "min-length", "lower", {"type": "string"}),
    ("maximum", "max", "upper", {"type": "number"}),
    ("minimum", "min", "lower", {"type": "number"}),
    ("exclusiveMaximum", "exclusive-max", "upper", {"type": "number"}),
    ("exclusiveMinimum", "exclusive-min", "lower", {"type": "number"}),
    ("maxItems", "max-items", "upper", {"type": "array"}),
    ("minItems", "min-items", "lower", {"type": "array"}),
    ("maxProperties", "max-properties", "upper", {"type": "object"}),
    ("minProperties", "min-properties", "lower", {"type": "object"}),
)


def _bound_rules() -> Iterable[SchemaRule]:
    for keyword, stem, side, base in _BOUNDS:
        tighter, looser = (
            ("decreased", "increased") if side == "upper" else ("increased", "decreased")
        )
        low, high = {**base, keyword: 5}, {**base, keyword: 10}
        yield _tightening(
            f"{stem}-{tighter}",
            f"{keyword} {tighter}",
            high if side == "upper" else low,
            low if side == "upper" else high,
        )
        yield _loosening(
            f"{stem}-{looser}",
            f"{keyword} {looser}",
            low if side == "upper" else high,
            high if side == "upper" else low,
        )
        yield _tightening(f"{stem}-set", f"{keyword} set", base, low)
        yield _loosening(f"{stem}-unset", f"{keyword} removed", low, base)


_STRING, _INTEGER = {"type": "string"}, {"type": "integer"}
_ENUM_ADDED_NOTE = "error with `x-extensible-enum: false`, info with `x-extensible-enum: true`"


def _object(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {name: _STRING}}


def _composition_rules() -> Iterable[SchemaRule]:
    """oneOf/anyOf alternatives, matched by $ref name, discriminator mapping, then shape."""
    for keyword, stem in (("oneOf", "one-of"), ("anyOf", "any-of")):
        one, two = {keyword: [_object("a")]}, {keyword: [_object("a"), _object("b")]}
        yield _loosening(f"{stem}-added", f"{keyword} alternative added", one, two)
        yield _tightening(f"{stem}-removed", f"{keyword} alternative removed", two, one)


def _discriminator_rules() -> Iterable[SchemaRule]:
    alternatives = [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]

    def tagged(**discriminator: Any) -> dict[str, Any]:
        return {"oneOf": alternatives, "discriminator": {"propertyName": "kind", **discriminator}}

    a_only = tagged(mapping={"a": "#/components/schemas/A"})
    both = tagged(mapping={"a": "#/components/schemas/A", "b": "#/components/schemas/B"})
    untagged = {"oneOf": alternatives}
    yield SchemaRule(
        "discriminator-added", WARNING, WARNING, "discriminator added", untagged, tagged()
    )
    yield SchemaRule(
        "discriminator-removed", WARNING, WARNING, "discriminator removed", tagged(), untagged
    )
    yield SchemaRule(
        "discriminator-property-name-changed",
        ERROR,
        ERROR,
        "discriminator propertyName changed",
        tagged(),
        tagged(propertyName="type"),
    )
    yield SchemaRule(
        "discriminator-mapping-added",
        INFO,
        WARNING,
        "discriminator mapping value added",
        a_only,
        both,
        note=_ENUM_ADDED_NOTE,
    )
    yield _tightening(
        "discriminator-mapping-deleted", "discriminator mapping value removed", both, a_only
    )
    yield SchemaRule(
        "discriminator-mapping-changed",
        ERROR,
        ERROR,
        "discriminator mapping value points elsewhere",
        a_only,
        tagged(mapping={"a": "#/components/schemas/B"}),
    )


SCHEMA_RULES: tuple[SchemaRule, ...] = (
    SchemaRule(
        "type-changed", ERROR, ERROR, "type or format changed", _STRING, {"type": "boolean"}
    ),
    _loosening("type-generalized", "type or format widened", _INTEGER, {"type": "number"}),
    _tightening("type-specialized", "type or format narrowed", {"type": "number"}, _INTEGER),
    _loosening("became-nullable", "null became possible", _STRING, {**_STRING, "nullable": True}),
    _tightening(
        "became-not-nullable", "null no longer possible", {**_STRING, "nullable": True}, _STRING
    ),
    _tightening(
        "enum-value-removed",
        "enum value removed",
        {**_STRING, "enum": ["a", "b"]},
        {**_STRING, "enum": ["a"]},
    ),
    SchemaRule(
        "enum-value-added",
        INFO,
        WARNING,
        "enum value added (a client that switches over every value meets one it does not know)",
        {**_STRING, "enum": ["a"]},
        {**_STRING, "enum": ["a", "b"]},
        note=_ENUM_ADDED_NOTE,
    ),
    _tightening("became-enum", "restricted to an enum", _STRING, {**_STRING, "enum": ["a"]}),
    SchemaRule(
        "enum-unset",
        INFO,
        WARNING,
        "no longer restricted to an enum",
        {**_STRING, "enum": ["a"]},
        _STRING,
        note=_ENUM_ADDED_NOTE,
    ),
    *_bound_rules(),
    _tightening("multiple-of-set", "multipleOf set", _INTEGER, {**_INTEGER, "multipleOf": 5}),
    _loosening("multiple-of-unset", "multipleOf removed", {**_INTEGER, "multipleOf": 5}, _INTEGER),
    SchemaRule(
        "multiple-of-changed",
        ERROR,
        ERROR,
        "multipleOf changed",
        {**_INTEGER, "multipleOf": 5},
        {**_INTEGER, "multipleOf": 3},
    ),
    _tightening(
        "unique-items-set",
        "uniqueItems set",
        {"type": "array"},
        {"type": "array", "uniqueItems": True},
    ),
    _loosening(
        "unique-items-unset",
        "uniqueItems removed",
        {"type": "array", "uniqueItems": True},
        {"type": "array"},
    ),
    _tightening("pattern-added", "pattern set", _STRING, {**_STRING, "pattern": "^[a-z]+$"}),
    SchemaRule(
        "pattern-removed",
        INFO,
        WARNING,
        "pattern removed",
        {**_STRING, "pattern": "^[a-z]+$"},
        _STRING,
    ),
    SchemaRule(
        "pattern-changed",
        WARNING,
        WARNING,
        "pattern changed (a value may match one and not the other)",
        {**_STRING, "pattern": "^[a-z]+$"},
        {**_STRING, "pattern": "^[a-z0-9]+$"},
    ),
    # A client that omits an optional parameter silently gets other results.
    SchemaRule(
        "default-value-changed",
        ERROR,
        None,
        "default changed",
        {**_INTEGER, "default": 10},
        {**_INTEGER, "default": 20},
        places=("request-parameter",),
    ),
    SchemaRule(
        "default-value-changed",
        WARNING,
        None,
        "default changed",
        {**_INTEGER, "default": 10},
        {**_INTEGER, "default": 20},
        places=("request-body", "request-property"),
    ),
    SchemaRule(
        "default-value-added",
        WARNING,
        None,
        "default set",
        _INTEGER,
        {**_INTEGER, "default": 10},
        places=REQUEST_PLACES,
    ),
    SchemaRule(
        "default-value-removed",
        WARNING,
        None,
        "default removed",
        {**_INTEGER, "default": 10},
        _INTEGER,
        places=REQUEST_PLACES,
    ),
    *_composition_rules(),
    *_discriminator_rules(),
)


def _flow(value: Any) -> str:
    """A schema on one line, YAML flow style: ``{type: string, maxLength: 5}``."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _schema_example(rule: SchemaRule) -> str:
    return f"`{_flow(rule.before)}` → `{_flow(rule.after)}`"


# The rules that are not about one schema keyword: operations, parameters, bodies,
# responses, properties, security, words. (id, severity, direction, summary, example)
_OTHER_RULES: tuple[tuple[str, str, str, str, str], ...] = (
    ("endpoint-added", INFO, "none", "operation added", "`POST /reports/` added"),
    (
        "api-removed-without-deprecation",
        ERROR,
        "none",
        "operation removed",
        "`GET /legacy/` removed",
    ),
    (
        "api-removed-with-deprecation",
        WARNING,
        "none",
        "operation removed after it was deprecated (clients were told)",
        "`deprecated: true`, then removed",
    ),
    (
        "webhook-removed",
        ERROR,
        "response",
        "webhook removed (its payloads use the response rules)",
        "`webhooks: {task.created: …}` removed",
    ),
    ("webhook-added", INFO, "response", "webhook added", "`webhooks: {task.deleted: …}` added"),
    ("endpoint-deprecated", INFO, "none", "operation deprecated", "`deprecated: true` added"),
    (
        "endpoint-reactivated",
        INFO,
        "none",
        "operation no longer deprecated",
        "`deprecated` removed",
    ),
    # operationIds name the methods of generated clients, not anything on the wire.
    (
        "api-operation-id-updated",
        INFO,
        "none",
        "operationId changed",
        "`items_list` → `list_items`",
    ),
    ("api-operation-id-added", INFO, "none", "operationId added", "`operationId: items_list`"),
    ("api-operation-id-removed", INFO, "none", "operationId removed", "`operationId` removed"),
    ("summary-changed", INFO, "none", "summary changed", "`List.` → `List items.`"),
    ("description-changed", INFO, "none", "description changed", "`Old words.` → `New words.`"),
    ("example-changed", INFO, "none", "example changed", "`example: a` → `example: b`"),
    (
        "api-security-removed",
        ERROR,
        "request",
        "a way to authenticate is no longer accepted",
        "`[{tokenAuth: []}, {apiKeyAuth: []}]` → `[{tokenAuth: []}]`",
    ),
    (
        "api-security-scope-added",
        ERROR,
        "request",
        "a scope is now required",
        "`[{oauth: [read]}]` → `[{oauth: [read, write]}]`",
    ),
    (
        "api-security-anonymous-access-removed",
        ERROR,
        "request",
        "authentication now required",
        "`[{}]` → `[{tokenAuth: []}]`",
    ),
    (
        "api-security-added",
        INFO,
        "request",
        "another way to authenticate accepted",
        "`[{tokenAuth: []}]` → `[{tokenAuth: []}, {apiKeyAuth: []}]`",
    ),
    (
        "api-security-scope-removed",
        INFO,
        "request",
        "a scope is no longer required",
        "`[{oauth: [read, write]}]` → `[{oauth: [read]}]`",
    ),
    (
        "api-security-anonymous-access-added",
        INFO,
        "request",
        "operation made public",
        "`[{tokenAuth: []}]` → `[{}]`",
    ),
    (
        "new-required-request-parameter",
        ERROR,
        "request",
        "required parameter added",
        "`?tenant` added, `required: true`",
    ),
    (
        "new-optional-request-parameter",
        INFO,
        "request",
        "optional parameter added",
        "`?search` added",
    ),
    (
        "request-parameter-removed",
        WARNING,
        "request",
        "parameter removed (the server ignores what clients still send)",
        "`?legacy_flag` removed",
    ),
    (
        "request-parameter-became-required",
        ERROR,
        "request",
        "parameter became required",
        "`required: false` → `true`",
    ),
    (
        "request-parameter-became-optional",
        INFO,
        "request",
        "parameter became optional",
        "`required: true` → `false`",
    ),
    (
        "request-body-added-required",
        ERROR,
        "request",
        "required request body added",
        "`requestBody: {required: true, …}` added",
    ),
    (
        "request-body-added-optional",
        INFO,
        "request",
        "optional request body added",
        "`requestBody: {…}` added",
    ),
    (
        "request-body-removed",
        WARNING,
        "request",
        "request body removed (the server ignores what clients still send)",
        "`requestBody` removed",
    ),
    (
        "request-body-became-required",
        ERROR,
        "request",
        "request body became required",
        "`required: false` → `true`",
    ),
    (
        "request-body-became-optional",
        INFO,
        "request",
        "request body became optional",
        "`required: true` → `false`",
    ),
    (
        "request-body-media-type-removed",
        ERROR,
        "request",
        "request media type removed",
        "`application/x-www-form-urlencoded` removed",
    ),
    (
        "request-body-media-type-added",
        INFO,
        "request",
        "request media type added",
        "`multipart/form-data` added",
    ),
    (
        "new-required-request-property",
        ERROR,
        "request",
        "required request property added",
        "`owner` added to `properties` and `required`",
    ),
    (
        "new-optional-request-property",
        INFO,
        "request",
        "optional request property added",
        "`priority` added to `properties`",
    ),
    (
        "request-property-removed",
        WARNING,
        "request",
        "request property removed (DRF ignores what clients still send)",
        "`count` removed from `properties`",
    ),
    (
        "request-property-became-required",
        ERROR,
        "request",
        "request property became required",
        "`note` added to `required`",
    ),
    (
        "request-property-became-optional",
        INFO,
        "request",
        "request property became optional",
        "`note` removed from `required`",
    ),
    (
        "request-required-property-became-read-only",
        ERROR,
        "request",
        "required request property became read-only (what clients send is ignored)",
        "`readOnly: true` added",
    ),
    (
        "request-optional-property-became-read-only",
        WARNING,
        "request",
        "optional request property became read-only (what clients send is ignored)",
        "`readOnly: true` added",
    ),
    (
        "request-required-property-became-not-read-only",
        ERROR,
        "request",
        "read-only property became writable and required",
        "`readOnly: true` removed, in `required`",
    ),
    (
        "request-optional-property-became-not-read-only",
        INFO,
        "request",
        "read-only property became writable",
        "`readOnly: true` removed",
    ),
    (
        "response-success-status-removed",
        ERROR,
        "response",
        "2xx response removed",
        "`204` → `200`",
    ),
    (
        "response-non-success-status-removed",
        INFO,
        "response",
        "error response removed",
        "`404` removed",
    ),
    ("response-success-status-added", INFO, "response", "2xx response added", "`202` added"),
    ("response-non-success-status-added", INFO, "response", "error response added", "`409` added"),
    (
        "required-response-header-removed",
        ERROR,
        "response",
        "required response header removed",
        "`ETag` removed",
    ),
    (
        "optional-response-header-removed",
        WARNING,
        "response",
        "optional response header removed",
        "`RateLimit` removed",
    ),
    ("response-header-added", INFO, "response", "response header added", "`RateLimit` added"),
    (
        "response-header-became-optional",
        ERROR,
        "response",
        "response header may now be absent",
        "`required: true` → `false`",
    ),
    (
        "response-header-became-required",
        INFO,
        "response",
        "response header always sent",
        "`required: false` → `true`",
    ),
    (
        "response-media-type-removed",
        ERROR,
        "response",
        "response media type removed",
        "`application/xml` removed",
    ),
    (
        "response-media-type-added",
        INFO,
        "response",
        "response media type added",
        "`text/csv` added",
    ),
    (
        "response-required-property-removed",
        ERROR,
        "response",
        "required response property removed",
        "`name` removed",
    ),
    # An error, where oasdiff says warning: a DRF serializer sends every field it declares,
    # so "optional" in a response mostly means "not marked required" (or trimmed by
    # ?fields=), and clients that read the field lose it.
    (
        "response-optional-property-removed",
        ERROR,
        "response",
        "optional response property removed (a serializer sent it every time)",
        "`label` removed",
    ),
    (
        "response-required-property-added",
        INFO,
        "response",
        "required response property added",
        "`created` added to `properties` and `required`",
    ),
    (
        "response-optional-property-added",
        INFO,
        "response",
        "optional response property added",
        "`created` added to `properties`",
    ),
    (
        "response-property-became-optional",
        ERROR,
        "response",
        "response property may now be absent",
        "`id` removed from `required`",
    ),
    (
        "response-property-became-required",
        INFO,
        "response",
        "response property always present",
        "`size` added to `required`",
    ),
    (
        "response-required-property-became-write-only",
        ERROR,
        "response",
        "required response property became write-only (it disappears from responses)",
        "`writeOnly: true` added",
    ),
    (
        "response-optional-property-became-write-only",
        ERROR,
        "response",
        "optional response property became write-only (it disappears from responses)",
        "`writeOnly: true` added",
    ),
    (
        "response-required-property-became-not-write-only",
        INFO,
        "response",
        "write-only property now in responses, always",
        "`writeOnly: true` removed, in `required`",
    ),
    (
        "response-optional-property-became-not-write-only",
        INFO,
        "response",
        "write-only property now in responses",
        "`writeOnly: true` removed",
    ),
)


def _build_rules() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for rule_id, severity, direction, summary, example in _OTHER_RULES:
        rules[rule_id] = Rule(rule_id, severity, direction, summary, example)
    for schema_rule in SCHEMA_RULES:
        for place in REQUEST_PLACES + RESPONSE_PLACES:
            level = schema_rule.severity(place)
            if level is None:
                continue
            rule_id = f"{place}-{schema_rule.suffix}"
            rules[rule_id] = Rule(
                rule_id,
                level,
                place.split("-")[0],
                schema_rule.summary,
                _schema_example(schema_rule),
                schema_rule.note if place.startswith("response") else "",
            )
    return rules


# Every rule the guard reports, by id.
RULES: dict[str, Rule] = _build_rules()


@dataclass(frozen=True)
class Change:
    """One difference between two documents, as a rule of ``RULES`` reports it."""

    rule: str
    severity: str
    direction: str
    # "GET /items/{id}/" (the new document's path), or "" for document-wide changes.
    operation: str
    # The operation and where in it: "GET /items/ query parameter 'status'".
    location: str
    message: str

    @property
    def breaking(self) -> bool:
        return self.severity == ERROR

    @property
    def kind(self) -> str:
        """The rule id (the first round's name for it)."""
        return self.rule

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.rule,
            "severity": self.severity,
            "direction": self.direction,
            "operation": self.operation,
            "location": self.location,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.severity:<7}  {self.location}: {self.message}  [{self.rule}]"


_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
# Formats whose values include every value of another (old format, new format).
_WIDER_FORMATS = {("int32", "int64"), ("float", "double")}
# A schema nested deeper than this is not compared further (a guard, not a limit in practice).
_MAX_DEPTH = 64


class _Differ:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old_doc, self.new_doc = old, new
        self.changes: list[Change] = []
        self.operation_name = ""

    def add(self, rule_id: str, location: str, message: str, severity: str | None = None) -> None:
        rule = RULES[rule_id]
        self.changes.append(
            Change(
                rule_id,
                severity or rule.severity,
                rule.direction,
                self.operation_name,
                location,
                message,
            )
        )

    # --- $ref and allOf --------------------------------------------------------------

    @staticmethod
    def resolve(doc: Mapping[str, Any], schema: Any) -> Mapping[str, Any]:
        seen = set()
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            target: Any = doc
            for part in ref[2:].split("/"):
                if not isinstance(target, Mapping):
                    return {}
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            schema = target
        return schema if isinstance(schema, Mapping) else {}

    def flatten(self, doc: Mapping[str, Any], schema: Any) -> Mapping[str, Any]:
        """The schema with its $ref followed and its allOf parts merged into one."""
        resolved = self.resolve(doc, schema)
        parts = _list(resolved.get("allOf"))
        if not parts:
            return resolved
        merged: dict[str, Any] = {k: v for k, v in resolved.items() if k != "allOf"}
        for part in parts:
            for key, value in self.flatten(doc, part).items():
                if key == "properties":
                    merged["properties"] = {**value, **merged.get("properties", {})}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", ()), *value})
                else:
                    merged.setdefault(key, value)
        return merged

    # --- operations ------------------------------------------------------------------

    @staticmethod
    def operations(doc: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, Mapping[str, Any]]]:
        """Operations by method and path template: ``/items/{id}/`` is ``/items/{pk}/``."""
        found = {}
        for path, item in _obj(doc.get("paths")).items():
            for method in METHODS:
                if isinstance(item, Mapping) and isinstance(item.get(method), Mapping):
                    template = _PATH_PARAMETER.sub("{}", path)
                    operation = item[method]
                    if item.get("parameters"):
                        # Path-level parameters first: the operation's own override them.
                        both = [*_list(item["parameters"]), *_list(operation.get("parameters"))]
                        operation = {**operation, "parameters": both}
                    found[(template, method)] = (path, operation)
        return found

    def run(self) -> list[Change]:
        old_ops, new_ops = self.operations(self.old_doc), self.operations(self.new_doc)
        for key in sorted(old_ops.keys() - new_ops.keys()):
            path, operation = old_ops[key]
            self.operation_name = f"{key[1].upper()} {path}"
            if operation.get("deprecated"):
                self.add("api-removed-with-deprecation", self.operation_name, "operation removed")
            else:
                self.add(
                    "api-removed-without-deprecation", self.operation_name, "operation removed"
                )
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.operation_name = f"{key[1].upper()} {new_ops[key][0]}"
            self.add("endpoint-added", self.operation_name, "operation added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            (old_path, old), (new_path, new) = old_ops[key], new_ops[key]
            self.operation_name = f"{key[1].upper()} {new_path}"
            self.operation(old_path, old, new_path, new)
        self.webhooks()
        unique = dict.fromkeys(self.changes)
        rank = {severity: i for i, severity in enumerate(SEVERITIES)}
        return sorted(unique, key=lambda c: (rank[c.severity], c.location, c.rule, c.message))

    def webhooks(self) -> None:
        """OpenAPI 3.1 ``webhooks`` (``x-webhooks`` in a 3.0 document, as
        drf_apifirst.webhooks writes them there): the server sends their payloads and
        clients receive them, so a payload is compared with the response rules."""

        def events(doc: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
            found = {}
            declared = {**_obj(doc.get("x-webhooks")), **_obj(doc.get("webhooks"))}
            for name, item in declared.items():
                item = self.resolve(doc, item)
                for method in METHODS:
                    if isinstance(item.get(method), Mapping):
                        found[(name, method)] = item[method]
            return found

        before, after = events(self.old_doc), events(self.new_doc)
        for key in sorted(before.keys() - after.keys()):
            self.operation_name = f"webhook {key[0]}"
            self.add("webhook-removed", self.operation_name, "webhook removed")
        for key in sorted(after.keys() - before.keys()):
            self.operation_name = f"webhook {key[0]}"
            self.add("webhook-added", self.operation_name, "webhook added")
        for key in sorted(before.keys() & after.keys()):
            self.operation_name = where = f"webhook {key[0]}"
            old = self.resolve(self.old_doc, before[key].get("requestBody"))
            new = self.resolve(self.new_doc, after[key].get("requestBody"))
            self.content(
                f"{where} payload", _obj(old.get("content")), _obj(new.get("content")), "response"
            )

    def operation(
        self, old_path: str, old: Mapping[str, Any], new_path: str, new: Mapping[str, Any]
    ) -> None:
        where = self.operation_name
        for field in ("summary", "description"):
            if old.get(field) != new.get(field):
                self.add(
                    f"{field}-changed", where, f"{field} {old.get(field)!r} -> {new.get(field)!r}"
                )
        before, after = old.get("operationId"), new.get("operationId")
        if before != after:
            move = "added" if before is None else "removed" if after is None else "updated"
            self.add(f"api-operation-id-{move}", where, f"operationId {before!r} -> {after!r}")
        if new.get("deprecated") and not old.get("deprecated"):
            self.add("endpoint-deprecated", where, "operation deprecated")
        if old.get("deprecated") and not new.get("deprecated"):
            self.add("endpoint-reactivated", where, "operation no longer deprecated")
        self.security(where, old, new)
        self.parameters(where, (old_path, old), (new_path, new))
        self.request_body(where, old.get("requestBody"), new.get("requestBody"))
        self.responses(where, _obj(old.get("responses")), _obj(new.get("responses")))

    # --- security --------------------------------------------------------------------

    def security(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Requirements are alternatives; the schemes (and scopes) within one are all needed.

        An old requirement still works when some new one asks for no more than it did.
        """

        def ways(doc: Mapping[str, Any], operation: Mapping[str, Any]) -> list[dict[str, set[str]]]:
            requirements = _list(operation.get("security", doc.get("security"))) or [{}]
            return [
                {str(k): _strings(v) for k, v in r.items()}
                for r in requirements
                if isinstance(r, Mapping)
            ]

        def satisfies(offered: dict[str, set[str]], demanded: dict[str, set[str]]) -> bool:
            return all(k in offered and v <= offered[k] for k, v in demanded.items())

        def label(requirement: dict[str, set[str]]) -> str:
            parts = [
                f"{name}[{', '.join(sorted(scopes))}]" if scopes else name
                for name, scopes in sorted(requirement.items())
            ]
            return " + ".join(parts) or "anonymous"

        before, after = ways(self.old_doc, old), ways(self.new_doc, new)
        if {} in before and {} not in after:
            self.add("api-security-anonymous-access-removed", where, "authentication now required")
        if {} in after:
            if {} not in before:
                self.add("api-security-anonymous-access-added", where, "operation made public")
            return
        for requirement in before:
            if not requirement or any(satisfies(requirement, n) for n in after):
                continue
            same_schemes = [n for n in after if n.keys() == requirement.keys()]
            if same_schemes:
                added = sorted(
                    set().union(*same_schemes[0].values()) - set().union(*requirement.values())
                )
                self.add(
                    "api-security-scope-added",
                    where,
                    f"{label(requirement)} now also needs scopes {', '.join(added)}",
                )
            else:
                self.add("api-security-removed", where, f"no longer accepts {label(requirement)}")
        for requirement in after if {} not in before else ():
            if requirement in before or any(satisfies(o, requirement) for o in before if o):
                if requirement not in before:
                    self.add(
                        "api-security-scope-removed", where, f"now accepts {label(requirement)}"
                    )
                continue
            if not any(n.keys() == requirement.keys() for n in before):
                self.add("api-security-added", where, f"also accepts {label(requirement)}")

    # --- parameters ------------------------------------------------------------------

    def parameters(
        self, where: str, old: tuple[str, Mapping[str, Any]], new: tuple[str, Mapping[str, Any]]
    ) -> None:
        def index(
            doc: Mapping[str, Any], path: str, operation: Mapping[str, Any]
        ) -> dict[tuple[str, str], Mapping[str, Any]]:
            # Path parameters are matched by position: {id} renamed {pk} is the same wire.
            positions = {name: str(i) for i, name in enumerate(_PATH_PARAMETER.findall(path))}
            found = {}
            for parameter in _list(operation.get("parameters")):
                p = self.resolve(doc, parameter)
                name, place = str(p.get("name", "")), str(p.get("in", ""))
                found[(place, positions.get(name, name) if place == "path" else name)] = p
            return found

        before, after = index(self.old_doc, *old), index(self.new_doc, *new)
        for key in sorted(after.keys() - before.keys()):
            label = f"{where} {key[0]} parameter {after[key].get('name')!r}"
            if after[key].get("required"):
                self.add("new-required-request-parameter", label, "new required parameter")
            else:
                self.add("new-optional-request-parameter", label, "new optional parameter")
        for key in sorted(before.keys() - after.keys()):
            label = f"{where} {key[0]} parameter {before[key].get('name')!r}"
            self.add("request-parameter-removed", label, "parameter removed")
        for key in sorted(before.keys() & after.keys()):
            label = f"{where} {key[0]} parameter {after[key].get('name')!r}"
            was, now = bool(before[key].get("required")), bool(after[key].get("required"))
            if now and not was:
                self.add("request-parameter-became-required", label, "became required")
            if was and not now:
                self.add("request-parameter-became-optional", label, "became optional")
            self.words(label, before[key], after[key])
            self.schema(
                label,
                before[key].get("schema"),
                after[key].get("schema"),
                place="request-parameter",
                optional=not now,
            )

    # --- bodies ----------------------------------------------------------------------

    def request_body(self, where: str, old: Any, new: Any) -> None:
        old, new = self.resolve(self.old_doc, old), self.resolve(self.new_doc, new)
        label = f"{where} request body"
        if not old and not new:
            return
        if not new:
            self.add("request-body-removed", label, "request body removed")
            return
        if not old:
            if new.get("required"):
                self.add("request-body-added-required", label, "required request body added")
            else:
                self.add("request-body-added-optional", label, "optional request body added")
            return
        if new.get("required") and not old.get("required"):
            self.add("request-body-became-required", label, "became required")
        if old.get("required") and not new.get("required"):
            self.add("request-body-became-optional", label, "became optional")
        self.content(label, _obj(old.get("content")), _obj(new.get("content")), "request")

    def responses(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        def success(status: Any) -> str:
            return "success" if str(status).startswith("2") else "non-success"

        for status in sorted(old.keys() - new.keys(), key=str):
            self.add(
                f"response-{success(status)}-status-removed", where, f"response {status} removed"
            )
        for status in sorted(new.keys() - old.keys(), key=str):
            self.add(f"response-{success(status)}-status-added", where, f"response {status} added")
        for status in sorted(old.keys() & new.keys(), key=str):
            before = self.resolve(self.old_doc, old[status])
            after = self.resolve(self.new_doc, new[status])
            self.content(
                f"{where} response {status}",
                _obj(before.get("content")),
                _obj(after.get("content")),
                "response",
            )
            self.headers(f"{where} response {status}", before, after)

    def headers(self, label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Response headers, by case-insensitive name (a client reads RateLimit, ETag…)."""

        def index(doc: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
            found = _obj(response.get("headers")).items()
            return {str(name).lower(): (name, self.resolve(doc, h)) for name, h in found}

        before, after = index(self.old_doc, old), index(self.new_doc, new)
        for key in sorted(before.keys() - after.keys()):
            name, header = before[key]
            required = "required" if header.get("required") else "optional"
            self.add(f"{required}-response-header-removed", f"{label} header {name!r}", "removed")
        for key in sorted(after.keys() - before.keys()):
            self.add("response-header-added", f"{label} header {after[key][0]!r}", "added")
        for key in sorted(before.keys() & after.keys()):
            (_, old_header), (name, new_header) = before[key], after[key]
            where = f"{label} header {name!r}"
            was, now = bool(old_header.get("required")), bool(new_header.get("required"))
            if was != now:
                move = "required" if now else "optional"
                self.add(f"response-header-became-{move}", where, f"became {move}")
            self.words(where, old_header, new_header)
            self.schema(
                where, old_header.get("schema"), new_header.get("schema"), place="response-header"
            )

    def content(
        self, label: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: str
    ) -> None:
        rule = "request-body" if direction == "request" else "response"
        for media_type in sorted(old.keys() - new.keys()):
            self.add(f"{rule}-media-type-removed", label, f"media type {media_type} removed")
        for media_type in sorted(new.keys() - old.keys()):
            self.add(f"{rule}-media-type-added", label, f"media type {media_type} added")
        for media_type in sorted(old.keys() & new.keys()):
            self.schema(
                label,
                _obj(old[media_type]).get("schema"),
                _obj(new[media_type]).get("schema"),
                place=f"{direction}-body",
            )

    # --- schemas ---------------------------------------------------------------------

    def schema(
        self,
        base: str,
        old: Any,
        new: Any,
        *,
        place: str,
        path: str = "",
        seen: frozenset[tuple[int, int]] = frozenset(),
        optional: bool = True,
    ) -> None:
        """Compare two schemas found at the same place; ``place`` gives the rule prefix."""
        pair = (id(old), id(new))
        if pair in seen or len(seen) > _MAX_DEPTH:
            return  # a recursive schema: this pair is being compared further up
        seen = seen | {pair}
        old, new = self.flatten(self.old_doc, old), self.flatten(self.new_doc, new)
        if not old or not new:
            return
        if not path:
            label = base
        elif not path.strip("[]"):
            label = f"{base} items"  # the items of an array (of arrays…)
        else:
            label = f"{base} property {path!r}"
        if path:
            self.words(label, old, new)
        if not self.types(label, place, old, new):
            return
        self.nullability(label, place, old, new)
        self.enum(label, place, old, new)
        self.bounds(label, place, old, new)
        self.keywords(label, place, old, new, optional)
        self.discriminator(label, place, old, new)
        if "items" in old or "items" in new:
            self.schema(
                base,
                old.get("items"),
                new.get("items"),
                place=place,
                path=f"{path}[]",
                seen=seen,
            )
        self.properties(base, place, old, new, path, seen)
        for keyword in ("oneOf", "anyOf"):
            self.alternatives(base, label, place, keyword, old, new, path, seen)

    def change(
        self, place: str, suffix: str, label: str, message: str, severity: str | None = None
    ) -> None:
        self.add(f"{place}-{suffix}", label, message, severity)

    def words(self, label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for field in ("description", "example"):
            if old.get(field) != new.get(field):
                self.add(f"{field}-changed", label, f"{field} changed")

    def types(self, label: str, place: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """Report a type or format change; False when the schemas are unrelated."""
        before, after = _types(old), _types(new)
        old_format, new_format = _format(old), _format(new)
        text = f"type {_type_label(old)} -> {_type_label(new)}"
        if before is not None and after is not None and before != after:
            wider, narrower = _accepts(after, before), _accepts(before, after)
            if wider == narrower:
                self.change(place, "type-changed", label, text)
                return False
            self.change(place, "type-generalized" if wider else "type-specialized", label, text)
        elif old_format != new_format:
            if (old_format, new_format) in _WIDER_FORMATS or new_format is None:
                self.change(place, "type-generalized", label, text)
            elif (new_format, old_format) in _WIDER_FORMATS or old_format is None:
                self.change(place, "type-specialized", label, text)
            else:
                self.change(place, "type-changed", label, text)
                return False
        return True

    def nullability(
        self, label: str, place: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        before, after = _nullable(old), _nullable(new)
        if after and not before:
            self.change(place, "became-nullable", label, "null became possible")
        if before and not after:
            self.change(place, "became-not-nullable", label, "null no longer possible")

    def enum(self, label: str, place: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before, after = _enum(old), _enum(new)
        if before is None and after is None:
            return
        severity = _growth_severity(place, new)
        if before is None:
            self.change(place, "became-enum", label, f"now restricted to {after}")
            return
        if after is None:
            self.change(place, "enum-unset", label, "no longer restricted to an enum", severity)
            return
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        if removed:
            self.change(place, "enum-value-removed", label, f"enum values removed: {removed}")
        if added:
            self.change(place, "enum-value-added", label, f"enum values added: {added}", severity)

    def bounds(
        self, label: str, place: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        for keyword, stem, _, _ in _BOUNDS:
            before, after = old.get(keyword), new.get(keyword)
            if before is after or (type(before) is type(after) and before == after):
                continue
            if isinstance(before, bool) or isinstance(after, bool):
                # OpenAPI 3.0's exclusiveMaximum: true (a flag on maximum).
                if {type(before), type(after)} - {bool, type(None)} or bool(before) == bool(after):
                    continue
                move = "set" if after else "unset"
            elif before is None:
                move = "set"
            elif after is None:
                move = "unset"
            elif isinstance(before, int | float) and isinstance(after, int | float):
                move = "increased" if after > before else "decreased"
            else:
                continue  # not numbers: not a bound this guard can order
            self.change(place, f"{stem}-{move}", label, f"{keyword} {before} -> {after}")

    def keywords(
        self,
        label: str,
        place: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        optional: bool,
    ) -> None:
        """multipleOf, uniqueItems, pattern and (for what clients send) default."""
        before, after = old.get("multipleOf"), new.get("multipleOf")
        if before != after:
            move = "set" if before is None else "unset" if after is None else "changed"
            self.change(place, f"multiple-of-{move}", label, f"multipleOf {before} -> {after}")
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            move = "set" if new.get("uniqueItems") else "unset"
            self.change(place, f"unique-items-{move}", label, f"uniqueItems {move}")
        before, after = old.get("pattern"), new.get("pattern")
        if before != after:
            move = "added" if before is None else "removed" if after is None else "changed"
            self.change(place, f"pattern-{move}", label, f"pattern {before!r} -> {after!r}")
        if place.startswith("request") and optional and old.get("default") != new.get("default"):
            before, after = old.get("default"), new.get("default")
            move = (
                "added"
                if "default" not in old
                else "removed"
                if "default" not in new
                else "changed"
            )
            self.change(place, f"default-value-{move}", label, f"default {before!r} -> {after!r}")

    def discriminator(
        self, label: str, place: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        before, after = _obj(old.get("discriminator")), _obj(new.get("discriminator"))
        if not before and not after:
            return
        if not after:
            self.change(place, "discriminator-removed", label, "discriminator removed")
            return
        if not before:
            self.change(
                place,
                "discriminator-added",
                label,
                f"discriminator {after.get('propertyName')!r} added",
            )
            return
        if before.get("propertyName") != after.get("propertyName"):
            self.change(
                place,
                "discriminator-property-name-changed",
                label,
                f"discriminator {before.get('propertyName')!r} -> {after.get('propertyName')!r}",
            )
        old_map, new_map = _obj(before.get("mapping")), _obj(after.get("mapping"))
        severity = _growth_severity(place, new)
        for value in sorted(old_map.keys() - new_map.keys()):
            self.change(place, "discriminator-mapping-deleted", label, f"mapping {value!r} removed")
        for value in sorted(new_map.keys() - old_map.keys()):
            self.change(
                place, "discriminator-mapping-added", label, f"mapping {value!r} added", severity
            )
        for value in sorted(old_map.keys() & new_map.keys()):
            if old_map[value] != new_map[value]:
                self.change(
                    place,
                    "discriminator-mapping-changed",
                    label,
                    f"mapping {value!r}: {old_map[value]} -> {new_map[value]}",
                )

    def properties(
        self,
        base: str,
        place: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        path: str,
        seen: frozenset[tuple[int, int]],
    ) -> None:
        direction = place.split("-")[0]
        # readOnly properties are not sent, writeOnly ones are not received.
        hidden = "readOnly" if direction == "request" else "writeOnly"
        before, after = _obj(old.get("properties")), _obj(new.get("properties"))
        was_required, is_required = _strings(old.get("required")), _strings(new.get("required"))
        prefix = f"{path}." if path else ""

        def visible(doc: Mapping[str, Any], schema: Any) -> bool:
            return not self.resolve(doc, schema).get(hidden)

        for name in sorted(before.keys() - after.keys()):
            if not visible(self.old_doc, before[name]):
                continue
            label = f"{base} property {prefix + name!r}"
            if direction == "request":
                self.add("request-property-removed", label, "removed")
            elif name in was_required:
                self.add("response-required-property-removed", label, "removed")
            else:
                self.add("response-optional-property-removed", label, "removed")
        for name in sorted(after.keys() - before.keys()):
            if not visible(self.new_doc, after[name]):
                continue
            label = f"{base} property {prefix + name!r}"
            required = "required" if name in is_required else "optional"
            if direction == "request":
                self.add(f"new-{required}-request-property", label, f"new {required} property")
            else:
                self.add(f"response-{required}-property-added", label, f"new {required} property")
        for name in sorted(before.keys() & after.keys()):
            label = f"{base} property {prefix + name!r}"
            shown = visible(self.old_doc, before[name]), visible(self.new_doc, after[name])
            if shown == (False, False):
                continue
            if shown != (True, True):
                self.visibility(
                    label, direction, shown[1], name in was_required, name in is_required
                )
                continue
            if name in is_required and name not in was_required:
                self.add(f"{direction}-property-became-required", label, "became required")
            if name in was_required and name not in is_required:
                self.add(f"{direction}-property-became-optional", label, "became optional")
            self.schema(
                base,
                before[name],
                after[name],
                place=f"{direction}-property",
                path=prefix + name,
                seen=seen,
                optional=name not in is_required,
            )

    def visibility(
        self, label: str, direction: str, now_visible: bool, was_required: bool, is_required: bool
    ) -> None:
        """A readOnly/writeOnly flip: the property appears in, or leaves, one direction."""
        if direction == "response":
            if now_visible:
                required = "required" if is_required else "optional"
                self.add(
                    f"response-{required}-property-became-not-write-only",
                    label,
                    "now in responses",
                )
            else:
                required = "required" if was_required else "optional"
                self.add(
                    f"response-{required}-property-became-write-only",
                    label,
                    "became write-only: no longer in responses",
                )
        elif now_visible:
            required = "required" if is_required else "optional"
            self.add(
                f"request-{required}-property-became-not-read-only", label, "clients may send it"
            )
        else:
            required = "required" if was_required else "optional"
            self.add(
                f"request-{required}-property-became-read-only",
                label,
                "became read-only: what clients send is ignored",
            )

    def alternatives(
        self,
        base: str,
        label: str,
        place: str,
        keyword: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        path: str,
        seen: frozenset[tuple[int, int]],
    ) -> None:
        """Match the alternatives by $ref name, then discriminator mapping, then shape."""
        before, after = _list(old.get(keyword)), _list(new.get(keyword))
        if not before and not after:
            return
        old_keys = [self.alternative_keys(self.old_doc, old, a) for a in before]
        new_keys = [self.alternative_keys(self.new_doc, new, a) for a in after]
        pairs: list[tuple[int, int]] = []
        left, right = set(range(len(before))), set(range(len(after)))
        for kind in range(3):
            for i in sorted(left):
                match = next(
                    (j for j in sorted(right) if old_keys[i][kind] & new_keys[j][kind]), None
                )
                if match is not None:
                    pairs.append((i, match))
                    left.discard(i)
                    right.discard(match)
        stem = "one-of" if keyword == "oneOf" else "any-of"
        for i in sorted(left):
            name = _alternative_name(old_keys[i])
            self.change(place, f"{stem}-removed", label, f"{keyword} alternative {name} removed")
        for j in sorted(right):
            name = _alternative_name(new_keys[j])
            self.change(place, f"{stem}-added", label, f"{keyword} alternative {name} added")
        for i, j in pairs:
            self.schema(
                base,
                before[i],
                after[j],
                place=place,
                path=f"{path}<{_alternative_name(new_keys[j])}>" if path else "",
                seen=seen,
            )

    def alternative_keys(
        self, doc: Mapping[str, Any], parent: Mapping[str, Any], alternative: Any
    ) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        ref = alternative.get("$ref") if isinstance(alternative, Mapping) else None
        mapping = _obj(_obj(parent.get("discriminator")).get("mapping"))
        tags = frozenset(value for value, target in mapping.items() if ref and target == ref)
        names = frozenset({ref.rsplit("/", 1)[-1]}) if ref else frozenset()
        return names, tags, frozenset({_shape(self.flatten(doc, alternative))})


def _growth_severity(place: str, schema: Mapping[str, Any]) -> str | None:
    """A new value in a response: what ``x-extensible-enum`` told clients to expect.

    ``true`` (or oasdiff's list form): unknown values are handled, info; ``false``: clients
    switch over every value, error; absent: the rule's own severity (a warning).
    """
    extensible = schema.get("x-extensible-enum")
    if not place.startswith("response") or extensible is None:
        return None
    return INFO if extensible is True or isinstance(extensible, list) else ERROR


def _alternative_name(keys: tuple[frozenset[str], frozenset[str], frozenset[str]]) -> str:
    return next(iter(keys[0] or keys[2]))


def _shape(schema: Mapping[str, Any]) -> str:
    """What an inline alternative looks like: its type and property names."""
    names = ",".join(sorted(schema.get("properties") or ()))
    return f"{_type_label(schema)}{{{names}}}" if names else _type_label(schema)


def _strings(value: Any) -> set[str]:
    """The strings of an array (``required``, scopes), whatever else it holds."""
    return {item for item in _list(value) if isinstance(item, str)}


def _format(schema: Mapping[str, Any]) -> str | None:
    fmt = schema.get("format")
    return fmt if isinstance(fmt, str) else None


def _list(value: Any) -> list[Any]:
    """``value`` where the document has an array, else an empty one."""
    return value if isinstance(value, list) else []


def _obj(value: Any) -> Mapping[str, Any]:
    """``value`` where the document has an object, else an empty one (a malformed part of
    a document is compared as missing, not a traceback)."""
    return value if isinstance(value, Mapping) else {}


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    kind = schema.get("type")
    if kind is None:
        if "properties" in schema:
            return frozenset({"object"})
        if "items" in schema:
            return frozenset({"array"})
        return None
    if not isinstance(kind, str | list):
        return None
    kinds = {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}
    kinds.discard("null")
    return frozenset(kinds)


def _type_label(schema: Mapping[str, Any]) -> str:
    kinds = _types(schema)
    kind = "|".join(sorted(kinds)) if kinds else "any"
    fmt = _format(schema)
    return f"{kind}({fmt})" if fmt else kind


def _accepts(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of the ``narrow`` types is a value of the ``wide`` ones."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return schema.get("nullable") is True or (isinstance(kind, list) and "null" in kind)


def _enum(schema: Mapping[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return [v for v in schema["enum"] if v is not None]
    if "const" in schema:
        return [schema["const"]]
    extensible = schema.get("x-extensible-enum")
    return list(extensible) if isinstance(extensible, list) else None


def diff_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two OpenAPI 3 documents, errors first."""
    return _Differ(old, new).run()


def count(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes of each severity."""
    found = [change.severity for change in changes]
    return {severity: found.count(severity) for severity in SEVERITIES}


def format_changes(changes: list[Change], fmt: str = "text") -> str:
    """The changes as ``text`` (a terminal), ``markdown`` (a pull-request comment) or ``json``."""
    totals = count(changes)
    summary = ", ".join(f"{n} {severity}" for severity, n in totals.items())
    if fmt == "json":
        document = {"summary": totals, "changes": [change.as_dict() for change in changes]}
        return json.dumps(document, indent=2)
    if fmt == "markdown":
        lines = [f"### API changes: {summary}", ""]
        if changes:
            lines += ["| severity | rule | where | change |", "| --- | --- | --- | --- |"]
            lines += [
                f"| {c.severity} | `{c.rule}` | {_cell(c.location)} | {_cell(c.message)} |"
                for c in changes
            ]
        else:
            lines.append("No changes.")
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise ValueError(f"Unknown format {fmt!r}: text, markdown or json.")
    return "\n".join([f"{len(changes)} change(s): {summary}.", *map(str, changes)]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    """The rule table of docs/versioning.md, one row per rule family and direction."""
    lines = [
        "| rule id | severity | direction | change | example |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule_id, severity, direction, summary, example in _OTHER_RULES:
        lines.append(f"| `{rule_id}` | {severity} | {direction} | {summary} | {example} |")
    for rule in SCHEMA_RULES:
        for direction, places in (("request", REQUEST_PLACES), ("response", RESPONSE_PLACES)):
            present = [p.split("-", 1)[1] for p in places if rule.severity(p)]
            if not present:
                continue
            level = rule.severity(f"{direction}-{present[0]}")
            where = present[0] if len(present) == 1 else "{" + ",".join(present) + "}"
            note = f" ({rule.note})" if rule.note and direction == "response" else ""
            lines.append(
                f"| `{direction}-{where}-{rule.suffix}` | {level}{note} | {direction} "
                f"| {_cell(rule.summary)} | {_cell(_schema_example(rule))} |"
            )
    return "\n".join(lines) + "\n"
