"""schemathesis hooks for scripts/contract.py: schema-valid requests name data that exists.

A document can say an id is an integer, not which integers have rows. So that
``positive_data_acceptance`` tests the API rather than the luck of a drawn id, the parts of
a case schemathesis generated as valid get the demo data the caller can reach, from
``APIFIRST_CONTRACT_DATA`` (JSON that scripts/contract.py reads through the API before a
run): path ids, the ``project``/``task``/``assignee`` filters, the foreign keys of bodies,
the ``X-Organization`` slug and the login's username and password. A drawn value picks
which row (``value % len(rows)``), so generated variety still reaches different rows.
Parts generated as invalid are left alone: ``negative_data_rejection`` needs them invalid.

A DELETE gets rows of its own (the last of each kind, and the last project's tasks), so a
run cannot delete what its other requests name.

``filter_failure`` drops the ``positive_data_acceptance`` failures of a 400 whose errors
are all about the body and all have a code of ``EXPECTED_REFUSALS``, each listed with its
reason in scripts/schemathesis.toml.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from typing import Any

import schemathesis
from schemathesis import GenerationMode

DATA: dict[str, Any] = json.loads(os.environ.get("APIFIRST_CONTRACT_DATA") or "{}")

# /api/v2/tasks/{id}/... -> "tasks"; /api/v2/me/invitations/{id}/accept/ -> "me/invitations"
_RESOURCE = re.compile(r"^/api/v[0-9]+/(?P<resource>.+?)/\{")


def _pick(rows: list[Any], drawn: Any) -> Any:
    """One of ``rows``, chosen by a drawn value (the same value, the same row)."""
    if isinstance(drawn, bool) or not isinstance(drawn, int):
        drawn = zlib.crc32(json.dumps(drawn, sort_keys=True, default=str).encode())
    return rows[drawn % len(rows)]


def _rows(kind: str, *, deleting: bool = False) -> list[Any]:
    """The ids of ``kind`` a request may name: a DELETE's own, or the others'."""
    return list(DATA.get("deletable" if deleting else "kept", {}).get(kind) or [])


def _is_positive(case: Any, location: str) -> bool:
    meta = case.meta
    if meta is None:  # explicit examples and stateful links: values from the document
        return True
    component = meta.components.get(location)
    if component is None:  # not generated on its own (an example): the case's mode
        return bool(meta.generation.mode == GenerationMode.POSITIVE)
    return bool(component.mode == GenerationMode.POSITIVE)


def _map_fields(values: dict[str, Any], fields: dict[str, str]) -> None:
    """Replace each id in ``values`` named in ``fields`` (name -> kind) by a reachable one."""
    for name, kind in fields.items():
        value = values.get(name)
        rows = _rows(kind)
        if value is None or not rows:
            continue
        if isinstance(value, list):
            values[name] = [_pick(rows, item) for item in value]
        else:
            values[name] = _pick(rows, value)


# The request fields that name rows, by the resource of the operation.
BODY_FIELDS = {
    "tasks": {"project": "projects", "assignee": "users", "labels": "labels"},
    "comments": {"task": "tasks"},
    # Not an id, but data the document cannot describe either: a host that is public.
    "webhook-endpoints": {"url": "webhook_urls"},
}
QUERY_FIELDS = {
    "tasks": {"project": "projects", "assignee": "users"},
    "comments": {"task": "tasks"},
}


def _resource(path: str) -> str | None:
    match = _RESOURCE.match(path if path.endswith("/") else f"{path}/")
    if match:
        return match.group("resource")
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) > 2 and re.fullmatch(r"v[0-9]+", parts[1]) else None


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Generated cases (coverage, fuzzing and stateful phases)."""
    return reach(case)


@schemathesis.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    """The document's own examples (``"task": 42``), which map_case does not see."""
    for case in examples:
        reach(case)


def reach(case: Any) -> Any:
    """``case`` with the valid parts it names taken from the data the caller can reach."""
    if not DATA:
        return case
    path, method = case.operation.path, case.method.upper()
    resource = _resource(path)
    login = path.startswith("/api/auth/login")
    if login and isinstance(case.body, dict) and _is_positive(case, "body"):
        case.body = {**case.body, **DATA["login"]}
    if case.path_parameters and _is_positive(case, "path"):
        parameters = dict(case.path_parameters)
        lookup = "prefix" if "prefix" in parameters else "id"
        rows = _rows(resource or "", deleting=method == "DELETE")
        if lookup in parameters and rows:
            parameters[lookup] = _pick(rows, parameters[lookup])
            case.path_parameters = parameters
    if case.query and resource in QUERY_FIELDS and _is_positive(case, "query"):
        query = dict(case.query)
        _map_fields(query, QUERY_FIELDS[resource])
        case.query = query
    if isinstance(case.body, dict) and resource in BODY_FIELDS and _is_positive(case, "body"):
        body = dict(case.body)
        _map_fields(body, BODY_FIELDS[resource])
        case.body = body
    if case.headers and "X-Organization" in case.headers and _is_positive(case, "header"):
        case.headers = {**case.headers, "X-Organization": DATA["organization"]}
    return case


def _body_error_codes(response: Any) -> set[str]:
    """The codes of a 400 problem's errors when every one is about the body (a pointer)."""
    try:
        body = response.json()
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not all(isinstance(e, dict) and "pointer" in e for e in errors):
        return set()
    return {str(error.get("code")) for error in errors}


# 400 error codes that refuse schema-valid data (scripts/schemathesis.toml says why).
EXPECTED_REFUSALS = frozenset({"unique", "null_characters_not_allowed", "blank"})


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False for a failure listed in scripts/schemathesis.toml as a correct answer."""
    if "positive_data_acceptance" not in type(failure).checks:
        return True
    codes = _body_error_codes(response) if response.status_code == 400 else set()
    # Each a correct answer the document cannot foresee; the reasons are in schemathesis.toml.
    return not (codes and codes <= EXPECTED_REFUSALS)
