"""Shared by scripts/contract.py and scripts/browser_check.py: serve the example project."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "example_project"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Seconds. Waits end as soon as the server is ready; the ceilings are generous because
# `make test` also runs on machines busy with other work, where a server boots slowly.
CEILING = 300


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = CEILING) -> None:
    """Until the server answers (any HTTP status), or exit if it died or never answers."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            sys.exit(
                f"waited for the example server at {url}: it exited with status "
                f"{process.returncode} after {time.monotonic() - started:.0f}s"
            )
        try:
            urllib.request.urlopen(url, timeout=CEILING)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"waited {seconds:.0f}s for the example server at {url}: it did not answer")


def stop(process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Terminate a server and reap it; killed if it does not exit in ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def manage(env: dict[str, str], *args: str) -> str:
    """Run example_project/manage.py; its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def demo_server(workdir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The example under gunicorn on a fresh SQLite database with the demo data:
    ``(base URL, demo credentials)``. Limits are relaxed so a run tests the API, not its
    throttles (the RateLimit headers are still sent)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "contract-test-secret-key-long-enough-for-the-deploy-checks-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "APIFIRST_EXAMPLE_RELAXED_LIMITS": "1",
        # Only server errors in the output: the 4xx a client provokes are the point.
        "ACCESS_LOG": "",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)  # one process's locmem is enough
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
            "--workers",
            "1",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            # gunicorn's longest request line: clients send long array queries.
            "--limit-request-line",
            "8190",
        ],
        cwd=PROJECT,
        env=env,
    )
    try:
        wait_for(f"{base}/api/schema/", server)
        yield base, credentials
    finally:
        stop(server)
