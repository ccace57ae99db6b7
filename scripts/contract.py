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

from _example_server import CEILING, PROJECT, ROOT, free_port, manage, stop, wait_for

# The checks the contract holds to (schemathesis' names).
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    )
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--max-examples", type=int, default=int(os.environ.get("CONTRACT_EXAMPLES", 15))
    )
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="apifirst-contract-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "contract-test-secret-key-long-enough-for-the-deploy-checks-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    env.pop("REDIS_URL", None)  # one process's locmem is enough for a contract run
    # Generous limits: the run must test the API, not its throttles.
    env["APIFIRST_EXAMPLE_RELAXED_LIMITS"] = "1"
    # Only server errors in the output: the 4xx schemathesis provokes are the point.
    env.update(ACCESS_LOG="", LOG_LEVEL="ERROR")
    manage(env, "migrate", "--no-input", "-v", "0")
    credentials = json.loads(manage(env, "seed_demo", "--json").strip().splitlines()[-1])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "1",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=PROJECT,
        env=env,
    )
    failures = 0
    try:
        wait_for(f"{base}/api/schema/", server)
        login = urllib.request.Request(
            f"{base}/api/auth/login/",
            data=json.dumps(
                {"username": credentials["username"], "password": credentials["password"]}
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        token = json.loads(urllib.request.urlopen(login, timeout=CEILING).read())["token"]
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
                    "--checks",
                    CHECKS,
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
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ncontract: {2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
