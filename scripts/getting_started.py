"""Follow docs/getting-started.md as a new user would, and check what it says happens.

    python scripts/getting_started.py WORKDIR

Builds the wheel from this checkout, then, in an empty WORKDIR/walkthrough, runs the
page's steps in order in one bash session:

- a ```console block marked ``<!-- walkthrough -->``: each ``$ `` line is run; the lines
  under it are output that must appear (in any order; ``...`` matches anything), and the
  command must exit 0;
- a block marked ``<!-- walkthrough: write PATH -->`` or ``append PATH``: its text (a
  ``--8<--`` include is resolved as mkdocs does) is written to, or appended to, PATH.

Two substitutions, and only these: ``pip install "drf-apifirst[...]"`` installs the wheel
just built (the package is not on an index yet), and port 8000 becomes a free port. A
command ending in ``&`` runs in the background; the next command waits until the server
it started answers. Exit status 1, naming the step, when anything differs.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from _example_server import CEILING, free_port

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "getting-started.md"

MARKER = re.compile(r"<!-- walkthrough(?::\s*(write|append)\s+(\S+))?\s*-->")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SNIPPET = re.compile(r'^--8<-- "([^":]+)(?::(\w+))?"$', re.M)


def resolve_snippets(text: str) -> str:
    def include(match: re.Match[str]) -> str:
        source = (ROOT / match.group(1)).read_text()
        section = match.group(2)
        if section:
            start = source.index(f"--8<-- [start:{section}]")
            source = source[source.index("\n", start) + 1 : source.index(f"--8<-- [end:{section}]")]
            source = source[: source.rfind("\n") + 1]
        return source.rstrip("\n")

    return SNIPPET.sub(include, text)


def steps(page: str) -> list[tuple[str, ...]]:
    """("run", command, expected_lines) and ("write"|"append", path, text), in page order."""
    found: list[tuple[str, ...]] = []
    for marker in MARKER.finditer(page):
        fence = FENCE.search(page, marker.end())
        if fence is None or page[marker.end() : fence.start()].strip():
            sys.exit(f"getting-started.md: {marker.group(0)} is not followed by a code block")
        body = fence.group(2)
        if marker.group(1):
            found.append((marker.group(1), marker.group(2), resolve_snippets(body) + "\n"))
            continue
        command: list[str] | None = None
        for line in body.splitlines():
            if line.startswith("$ "):
                command = [line[2:], ""]
                found.append(("run", *command))
            elif command is not None:
                found[-1] = ("run", found[-1][1], found[-1][2] + line + "\n")
    return found


def matches(expected: str, actual_lines: list[str]) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.strip().split("..."))
    return any(re.fullmatch(pattern, line.strip()) for line in actual_lines)


def build_wheel(workdir: Path) -> Path:
    dist = workdir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        sys.exit(f"building the wheel failed:\n{built.stdout}{built.stderr}")
    [wheel] = glob.glob(str(dist / "*.whl"))
    return Path(wheel)


def main(workdir: Path) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(workdir)
    project = workdir / "walkthrough"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    port = str(free_port())
    plan = steps(PAGE.read_text())

    script = ["set -u"]
    checks: list[tuple[int, str, str]] = []
    background = False
    for n, step in enumerate(plan):
        kind = step[0]
        if kind in ("write", "append"):
            _, path, text = step
            redirect = ">" if kind == "write" else ">>"
            script.append(
                f"cat {redirect} {shlex.quote(path)} <<'WALKTHROUGH_EOF'\n{text}WALKTHROUGH_EOF"
            )
            script.append(f"echo '@@step {n} 0'")
            continue
        _, command, expected = step
        run = re.sub(
            r'pip install (--quiet )?"drf-apifirst\[([\w,-]+)\]"',
            lambda m: f'pip install {m.group(1) or ""}"{wheel}[{m.group(2)}]"',
            command,
        ).replace("8000", port)
        if background:
            # Until the development server answers (CEILING seconds at most), saying so if not.
            script.append(
                f"ready=0; for _ in $(seq {CEILING * 5}); do "
                f"curl -s -o /dev/null http://127.0.0.1:{port}/ && ready=1 && break; "
                "sleep 0.2; done; "
                f"[ $ready = 1 ] || echo 'waited {CEILING}s for the development server on "
                f"port {port}: it did not answer'"
            )
            background = False
        if run.rstrip().endswith("&"):
            script.append(run)
            background = True
            continue
        # A newline first: a command's last line may not end with one (curl -s).
        script.append(f"{run}\nprintf '\\n@@step {n} %s\\n' $?")
        checks.append((n, command, expected.replace("8000", port)))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    process = subprocess.Popen(
        ["bash", "-c", "\n".join(script)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=3 * CEILING)
    except subprocess.TimeoutExpired:
        sys.exit(f"waited {3 * CEILING}s for the walkthrough's commands to finish")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # the background server and its reloader

    outputs: dict[int, tuple[int, list[str]]] = {}
    current: list[str] = []
    for line in output.splitlines():
        marker = re.fullmatch(r"@@step (\d+) (\d+)", line)
        if marker:
            outputs[int(marker.group(1))] = (int(marker.group(2)), current)
            current = []
        else:
            current.append(line)

    failures = 0
    for n, command, expected in checks:
        if n not in outputs:
            print(f"FAILED (never ran): $ {command}")
            failures += 1
            continue
        status, lines = outputs[n]
        missing = [e for e in expected.splitlines() if e.strip() and not matches(e, lines)]
        if status != 0 or missing:
            failures += 1
            print(f"FAILED: $ {command}\n  exit status {status}")
            for line in missing:
                print(f"  expected: {line.strip()}")
            print("  got:\n" + "\n".join(f"    {line}" for line in lines[-40:]))
        else:
            print(f"ok: $ {command[:100]}")
    ran = len([s for s in plan if s[0] != "run"]) + len(checks)
    print(f"\ngetting started: {ran} steps, {failures} failed")
    if failures and (project / "server.log").exists():
        print("server.log:\n" + (project / "server.log").read_text()[-3000:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
