"""Contract test: schemathesis, an independent client, against the example project.

Serves example_project with gunicorn on a fresh SQLite database with the demo data, then
runs schemathesis over each version's OpenAPI document — v1 with a demo token, v2 with a
demo API key — with a fixed seed and a bounded number of examples. Exit status: non-zero
when schemathesis finds any failure.

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

from _example_server import ROOT, demo_server

# No --checks: schemathesis runs every check it has (its default), and
# scripts/schemathesis.toml says what each may not expect of this API, with the reason.


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
            login = urllib.request.Request(
                f"{base}/api/auth/login/",
                data=json.dumps(
                    {"username": credentials["username"], "password": credentials["password"]}
                ).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            token = json.loads(urllib.request.urlopen(login).read())["token"]
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
                    check=False,
                )
                failures += result.returncode != 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ncontract: {2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
