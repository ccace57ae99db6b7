"""The contract guard: what changed between two OpenAPI documents, and what breaks clients.

``diff_schemas(old, new)`` returns one ``Change`` per difference, each classified as
breaking or not, following oasdiff's rules where they apply (see docs/versioning.md):

breaking
    removed operation; removed success status; removed media type (request or response);
    removed response property; response property no longer required; type or format
    changed; enum value removed; new required request property or parameter; optional
    request property or parameter became required; request limits narrowed (maxLength,
    minLength, maximum, minimum); request body became required; security changed so an
    old way of authenticating no longer works.
not breaking
    added operation, status or media type; added optional request property or parameter;
    added response property; enum value added; removed request property or optional
    parameter; description or example changed; operation deprecated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Change", "diff_schemas"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LIMITS = (
    ("maxLength", "lower"),
    ("maximum", "lower"),
    ("minLength", "higher"),
    ("minimum", "higher"),
)


@dataclass(frozen=True)
class Change:
    breaking: bool
    # A stable, machine-readable name: "operation-removed", "response-property-removed", ...
    kind: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{'BREAKING' if self.breaking else 'ok      '}  {self.location}: {self.message}"


class _Differ:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old_doc, self.new_doc = old, new
        self.changes: list[Change] = []

    def add(self, breaking: bool, kind: str, location: str, message: str) -> None:
        self.changes.append(Change(breaking, kind, location, message))

    # --- $ref resolution -------------------------------------------------------------

    @staticmethod
    def resolve(doc: Mapping[str, Any], schema: Any) -> Any:
        seen = set()
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            target: Any = doc
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            schema = target
        return schema if isinstance(schema, Mapping) else {}

    # --- operations ------------------------------------------------------------------

    def operations(self, doc: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
        found = {}
        for path, item in (doc.get("paths") or {}).items():
            for method in METHODS:
                if method in item:
                    found[(path, method)] = item[method]
        return found

    def run(self) -> list[Change]:
        old_ops, new_ops = self.operations(self.old_doc), self.operations(self.new_doc)
        for key in old_ops.keys() - new_ops.keys():
            self.add(True, "operation-removed", _where(key), "operation removed")
        for key in new_ops.keys() - old_ops.keys():
            self.add(False, "operation-added", _where(key), "operation added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(_where(key), old_ops[key], new_ops[key])
        return sorted(self.changes, key=lambda c: (not c.breaking, c.location, c.kind))

    def operation(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for field in ("summary", "description"):
            if old.get(field) != new.get(field):
                self.add(False, f"{field}-changed", where, f"{field} changed")
        if new.get("deprecated") and not old.get("deprecated"):
            self.add(False, "operation-deprecated", where, "operation deprecated")
        self.security(where, old, new)
        self.parameters(where, old.get("parameters") or [], new.get("parameters") or [])
        self.request_body(where, old.get("requestBody"), new.get("requestBody"))
        self.responses(where, old.get("responses") or {}, new.get("responses") or {})

    def security(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        def ways(doc: Mapping[str, Any], operation: Mapping[str, Any]) -> set[frozenset[str]]:
            requirements = operation.get("security", doc.get("security")) or [{}]
            return {frozenset(requirement) for requirement in requirements}

        before, after = ways(self.old_doc, old), ways(self.new_doc, new)
        lost = before - after
        if lost:
            names = ", ".join(sorted(" + ".join(sorted(w)) or "anonymous" for w in lost))
            self.add(True, "security-changed", where, f"no longer accepts: {names}")
        elif after - before:
            names = ", ".join(sorted(" + ".join(sorted(w)) for w in after - before))
            self.add(False, "security-added", where, f"also accepts: {names}")

    def parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        def index(doc: Mapping[str, Any], params: list[Any]) -> dict[tuple[str, str], Any]:
            resolved = (self.resolve(doc, p) for p in params)
            return {(p.get("in", ""), p.get("name", "")): p for p in resolved}

        before, after = index(self.old_doc, old), index(self.new_doc, new)
        for key in sorted(after.keys() - before.keys()):
            label = f"{key[0]} parameter '{key[1]}'"
            if after[key].get("required"):
                self.add(True, "required-parameter-added", where, f"new required {label}")
            else:
                self.add(False, "parameter-added", where, f"new optional {label}")
        for key in sorted(before.keys() - after.keys()):
            self.add(False, "parameter-removed", where, f"{key[0]} parameter '{key[1]}' removed")
        for key in sorted(before.keys() & after.keys()):
            label = f"{key[0]} parameter '{key[1]}'"
            if after[key].get("required") and not before[key].get("required"):
                self.add(True, "parameter-became-required", where, f"{label} became required")
            self.schema(
                f"{where} {label}",
                before[key].get("schema"),
                after[key].get("schema"),
                direction="request",
                root="schema",
            )

    def request_body(self, where: str, old: Any, new: Any) -> None:
        old, new = self.resolve(self.old_doc, old), self.resolve(self.new_doc, new)
        if not new:
            return
        if not old:
            breaking = bool(new.get("required"))
            kind = "required-request-body-added" if breaking else "request-body-added"
            self.add(breaking, kind, where, "request body added")
            return
        if new.get("required") and not old.get("required"):
            self.add(True, "request-body-became-required", where, "request body became required")
        self.content(
            f"{where} request", old.get("content") or {}, new.get("content") or {}, "request"
        )

    def responses(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for status in sorted(old.keys() - new.keys()):
            if str(status).startswith("2"):
                self.add(True, "success-status-removed", where, f"response {status} removed")
            else:
                self.add(False, "status-removed", where, f"response {status} removed")
        for status in sorted(new.keys() - old.keys()):
            self.add(False, "status-added", where, f"response {status} added")
        for status in sorted(old.keys() & new.keys()):
            before = self.resolve(self.old_doc, old[status])
            after = self.resolve(self.new_doc, new[status])
            self.content(
                f"{where} {status}",
                before.get("content") or {},
                after.get("content") or {},
                "response",
            )

    def content(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: str
    ) -> None:
        for media_type in sorted(old.keys() - new.keys()):
            self.add(
                True, f"{direction}-media-type-removed", where, f"media type {media_type} removed"
            )
        for media_type in sorted(new.keys() - old.keys()):
            self.add(
                False, f"{direction}-media-type-added", where, f"media type {media_type} added"
            )
        for media_type in sorted(old.keys() & new.keys()):
            self.schema(
                where,
                (old[media_type] or {}).get("schema"),
                (new[media_type] or {}).get("schema"),
                direction=direction,
            )

    # --- schemas ---------------------------------------------------------------------

    def schema(
        self,
        where: str,
        old: Any,
        new: Any,
        *,
        direction: str,
        path: str = "",
        seen: frozenset[tuple[int, int]] = frozenset(),
        root: str = "body",
    ) -> None:
        pair = (id(old), id(new))
        if pair in seen:
            return
        seen = seen | {pair}
        old, new = self.resolve(self.old_doc, old), self.resolve(self.new_doc, new)
        old, new = _merge_all_of(self, self.old_doc, old), _merge_all_of(self, self.new_doc, new)
        label = f"{where} {direction} property {path!r}" if path else f"{where} {root}"
        if _type(old) != _type(new) and old and new:
            self.add(True, f"{direction}-type-changed", label, f"type {_type(old)} -> {_type(new)}")
            return
        if old.get("nullable") and not new.get("nullable") and direction == "request":
            self.add(True, "request-nullable-removed", label, "null no longer accepted")
        if new.get("nullable") and not old.get("nullable") and direction == "response":
            self.add(True, "response-became-nullable", label, "may now be null")
        self.enum(label, old, new, direction)
        if direction == "request":
            self.limits(label, old, new)
        for field in ("description", "example"):
            if old.get(field) != new.get(field) and path:
                self.add(False, f"{field}-changed", label, f"{field} changed")
        if "items" in old or "items" in new:
            self.schema(
                where,
                old.get("items"),
                new.get("items"),
                direction=direction,
                path=f"{path}[]",
                seen=seen,
            )
        self.properties(where, old, new, direction, path, seen)
        for key in ("anyOf", "oneOf"):
            before = _variants(self, self.old_doc, old.get(key))
            after = _variants(self, self.new_doc, new.get(key))
            if before != after:
                self.add(True, f"{direction}-{key}-changed", label, f"{key}: {before} -> {after}")

    def enum(
        self, label: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: str
    ) -> None:
        if "enum" not in old and "enum" not in new:
            return
        before: Any = old.get("enum")
        after: Any = new.get("enum")
        if before is not None and after is None:
            return  # no longer restricted: wider
        if before is None:
            self.add(True, f"{direction}-enum-added", label, f"now restricted to {after}")
            return
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        if removed:
            self.add(
                True, f"{direction}-enum-value-removed", label, f"enum values removed: {removed}"
            )
        if added:
            self.add(False, f"{direction}-enum-value-added", label, f"enum values added: {added}")

    def limits(self, label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for key, narrower in _LIMITS:
            if key not in new:
                continue
            if key not in old or (
                new[key] < old[key] if narrower == "lower" else new[key] > old[key]
            ):
                self.add(
                    True, "request-limit-narrowed", label, f"{key} {old.get(key)} -> {new[key]}"
                )

    def properties(
        self,
        where: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        direction: str,
        path: str,
        seen: frozenset[tuple[int, int]],
    ) -> None:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        was_required, is_required = set(old.get("required") or ()), set(new.get("required") or ())
        prefix = f"{path}." if path else ""
        for name in sorted(before.keys() - after.keys()):
            label = f"{where} {direction} property {prefix + name!r}"
            if direction == "response":
                self.add(True, "response-property-removed", label, "removed")
            else:
                self.add(False, "request-property-removed", label, "removed")
        for name in sorted(after.keys() - before.keys()):
            label = f"{where} {direction} property {prefix + name!r}"
            if direction == "request" and name in is_required:
                self.add(True, "required-request-property-added", label, "new required property")
            else:
                self.add(False, f"{direction}-property-added", label, "added")
        for name in sorted(before.keys() & after.keys()):
            label = f"{where} {direction} property {prefix + name!r}"
            if direction == "request" and name in is_required and name not in was_required:
                self.add(True, "request-property-became-required", label, "became required")
            if direction == "response" and name in was_required and name not in is_required:
                self.add(True, "response-property-became-optional", label, "may now be absent")
            self.schema(
                where, before[name], after[name], direction=direction, path=prefix + name, seen=seen
            )


def _where(key: tuple[str, str]) -> str:
    return f"{key[1].upper()} {key[0]}"


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    fmt = schema.get("format")
    return f"{kind}({fmt})" if fmt else str(kind)


def _merge_all_of(
    differ: _Differ, doc: Mapping[str, Any], schema: Mapping[str, Any]
) -> Mapping[str, Any]:
    parts = schema.get("allOf")
    if not parts:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        part = _merge_all_of(differ, doc, differ.resolve(doc, part))
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", ()), *value})
            else:
                merged.setdefault(key, value)
    return merged


def _variants(differ: _Differ, doc: Mapping[str, Any], variants: Any) -> set[str]:
    return {_type(differ.resolve(doc, v)) for v in variants or ()}


def diff_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two OpenAPI 3 documents, breaking ones first."""
    return _Differ(old, new).run()
