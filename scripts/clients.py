"""Typed clients, generated from the example's committed OpenAPI documents, against a
live example server (issue #16).

1. TypeScript: ``npm ci`` in clients/typescript (versions pinned by its lockfile), types
   from example_project/openapi/v1.yaml and v2.yaml with openapi-typescript, then
   clients/typescript/flow.ts (openapi-fetch) compiled with ``tsc --strict`` — which
   fails on any type error — and run.
2. Python: a client per version with openapi-python-client, then clients/python/flow.py,
   checked with ``mypy --strict`` against the generated models, and run.
3. Redocly lint of both documents with clients/redocly.yaml.

Exit status: non-zero when any step fails.

    python scripts/clients.py [--skip-typescript] [--skip-python] [--skip-lint]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _example_server import ROOT, demo_server

TYPESCRIPT = ROOT / "clients" / "typescript"
PYTHON = ROOT / "clients" / "python"
DOCUMENTS = [ROOT / "example_project" / "openapi" / f"{v}.yaml" for v in ("v1", "v2")]
# What the flows may not contain: a type assertion, `any`, a non-null assertion.
CASTS = {
    TYPESCRIPT / "flow.ts": re.compile(r"\bas\s+[A-Za-z{(\[]|\bany\b|<[A-Za-z]+>\s*\w|\w!\."),
    PYTHON / "flow.py": re.compile(r"\bcast\(|# type: ignore|\bAny\b"),
}


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    print("$", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=cwd, check=True)


def without_comments(text: str) -> str:
    """The code of a flow, without comments and imports (``import { a as b }`` renames)."""
    return "\n".join(
        line.split("//")[0].split("# ")[0]
        for line in text.splitlines()
        if not line.lstrip().startswith(("import ", "from "))
    )


def check_no_casts() -> None:
    for path, pattern in CASTS.items():
        if not path.exists():
            sys.exit(f"{path.relative_to(ROOT)} is missing")
        found = pattern.findall(without_comments(path.read_text()))
        if found:
            sys.exit(f"{path.relative_to(ROOT)} has casts: {found}")


def build_typescript() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed (scripts/test installs it with apt where it can)")
    run(npm, "ci", "--no-audit", "--no-fund", cwd=TYPESCRIPT)
    run(npm, "run", "--silent", "generate", cwd=TYPESCRIPT)
    # tsconfig.json is strict; noEmitOnError: a type error fails the build.
    run(npm, "run", "--silent", "build", cwd=TYPESCRIPT)


def generate_python(workdir: Path) -> Path:
    packages = workdir / "python"
    packages.mkdir()
    for document in DOCUMENTS:
        run(
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", document,
            "--output-path", packages / f"tracker_{document.stem}",
            "--meta", "none",
            "--config", PYTHON / "config.yaml",
        )  # fmt: skip
    return packages


def lint_documents() -> None:
    npx = shutil.which("npx")
    assert npx is not None
    run(npx, "redocly", "lint", "--config", ROOT / "clients" / "redocly.yaml", *DOCUMENTS,
        cwd=TYPESCRIPT)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-typescript", action="store_true")
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-lint", action="store_true")
    options = parser.parse_args()
    check_no_casts()
    workdir = Path(tempfile.mkdtemp(prefix="apifirst-clients-"))
    try:
        if not options.skip_typescript:
            build_typescript()
        if not options.skip_lint:
            lint_documents()
        packages = None if options.skip_python else generate_python(workdir)
        with demo_server(workdir) as (base, credentials):
            arguments = [
                base,
                credentials["username"],
                credentials["password"],
                credentials["api_keys"]["read"],
                credentials["api_keys"]["write"],
            ]
            if not options.skip_typescript:
                run("node", TYPESCRIPT / "dist" / "flow.js", *arguments)
            if packages is not None:
                env = {**os.environ, "PYTHONPATH": str(packages), "MYPYPATH": str(packages)}
                # The flow type-checks against the generated models (mypy --strict) ...
                subprocess.run(
                    [sys.executable, "-m", "mypy", "--config-file=", "--strict", "--no-incremental",
                     str(PYTHON / "flow.py")],
                    env=env, check=True,
                )  # fmt: skip
                # ... and runs.
                print("$ python clients/python/flow.py ...", flush=True)
                subprocess.run(
                    [sys.executable, str(PYTHON / "flow.py"), *arguments], env=env, check=True
                )
    except subprocess.CalledProcessError as error:
        print(f"\nclients: failed: {error}", flush=True)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nclients: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
