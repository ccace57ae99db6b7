"""Contract test: schemathesis, an independent client, against the example project.

Serves example_project with gunicorn on a fresh SQLite database with the demo data, then
runs schemathesis over each version's OpenAPI document — v1 with a demo token, v2 with a
demo API key — with a fixed seed and a bounded number of examples. Before the runs it reads
the demo data the caller can reach through the API (and adds a few rows the seed has
none of), which scripts/contract_hooks.py hands to the requests schemathesis generates as
valid. Exit status: non-zero when schemathesis finds any failure.

    python scripts/contract.py [--max-examples N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from _example_server import ROOT, demo_server

HOOKS = ROOT / "scripts" / "contract_hooks.py"

# No --checks: schemathesis runs every check it has (its default), and
# scripts/schemathesis.toml says what each may not expect of this API, with the reason.


def call(base: str, path: str, authorization: str, body: Any = None) -> Any:
    """One JSON request to the example server; its decoded body."""
    request = urllib.request.Request(
        f"{base}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": authorization, "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def rows(base: str, path: str, authorization: str) -> list[dict[str, Any]]:
    """Every row of a list, page by page."""
    found: list[dict[str, Any]] = []
    url: str | None = f"{base}{path}?page_size=100"
    while url:
        page = call(base, url.removeprefix(base), authorization)
        found += page["results"]
        url = page.get("next")
    return found


def login(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/login/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    return str(json.loads(urllib.request.urlopen(request).read())["token"])


def reachable_data(base: str, credentials: dict[str, Any], token: str) -> dict[str, Any]:
    """What the demo user and keys can reach in Acme, for scripts/contract_hooks.py:
    ``kept`` ids for any request, ``deletable`` ones for DELETEs alone (so a run cannot
    delete what its other requests name). Adds what the seed has none of: comments,
    invitations (one of them to the demo user, from Globex)."""
    auth = f"Token {token}"
    projects = sorted(row["id"] for row in rows(base, "/api/v2/projects/", auth))
    tasks = rows(base, "/api/v2/tasks/", auth)
    # Tasks of the projects that stay; a DELETE of the last project takes its tasks.
    kept_tasks = sorted(t["id"] for t in tasks if t["project"] in projects[:-1])
    labels = sorted(row["id"] for row in rows(base, "/api/v2/labels/", auth))
    comments = [
        call(base, "/api/v2/comments/", auth, {"task": kept_tasks[0], "body": text})["id"]
        for text in ("Kept by the contract run.", "Deleted by the contract run.")
    ]
    invitations = [
        call(base, "/api/v2/invitations/", auth, {"username": name})["id"]
        for name in ("contract-guest", "contract-leaver")
    ]
    globex = f"Token {login(base, 'globex-admin', credentials['password'])}"
    call(base, "/api/v2/invitations/", globex, {"username": credentials["username"]})
    mine = [row["id"] for row in rows(base, "/api/v2/me/invitations/", auth)]
    members = rows(base, "/api/v2/members/", auth)
    keys = {row["name"]: row["prefix"] for row in rows(base, "/api/v2/api-keys/", auth)}
    # The demo user: only their membership stays (a DELETE may remove the other's).
    me = {t["created_by"] for t in tasks} - {None}
    return {
        "organization": "acme",
        "login": {"username": credentials["username"], "password": credentials["password"]},
        "kept": {
            "projects": projects[:-1],
            "tasks": kept_tasks[:-1],
            "labels": labels[:-1],
            "users": sorted(me),
            "comments": comments[:1],
            "invitations": invitations[:1],
            "me/invitations": mine,
            "members": [m["id"] for m in members if m["username"] == credentials["username"]],
            "api-keys": [keys["demo-write"]],
            "webhook_urls": [f"https://hooks.example.com/contract/{n}" for n in range(3)],
        },
        "deletable": {
            "projects": projects[-1:],
            "tasks": kept_tasks[-1:],
            "labels": labels[-1:],
            "comments": comments[1:],
            "invitations": invitations[1:],
            "members": [m["id"] for m in members if m["username"] != credentials["username"]],
            "api-keys": [keys["demo-read"]],
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--max-examples", type=int, default=int(os.environ.get("CONTRACT_EXAMPLES", 15))
    )
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="apifirst-contract-"))
    failures = 0
    try:
        with demo_server(workdir) as (base, credentials):
            token = login(base, credentials["username"], credentials["password"])
            data = reachable_data(base, credentials, token)
            env = {
                **os.environ,
                "SCHEMATHESIS_HOOKS": str(HOOKS),
                "APIFIRST_CONTRACT_DATA": json.dumps(data),
            }
            # The key's run first: the token's (an admin's) may revoke that key.
            runs = [
                ("v2", f"Api-Key {credentials['api_keys']['write']}"),
                ("v1", f"Token {token}"),
            ]
            for version, authorization in runs:
                print(f"\n=== schemathesis: {version} ({authorization.split()[0]}) ===", flush=True)
                result = subprocess.run(
                    [
                        shutil.which("schemathesis") or "schemathesis",
                        "--config-file",
                        str(ROOT / "scripts" / "schemathesis.toml"),
                        "run",
                        f"{base}/api/schema/?format=json&version={version}",
                        "--header",
                        f"Authorization: {authorization}",
                        "--seed",
                        "1",
                        "--max-examples",
                        str(options.max_examples),
                        "--exclude-path-regex",
                        "/api/auth/logout",  # would revoke the token under test
                    ],
                    cwd=workdir,
                    env=env,
                    check=False,
                )
                failures += result.returncode != 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ncontract: {2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
