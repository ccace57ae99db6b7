"""Shared by scripts/contract.py and scripts/browser_check.py: serve the example project."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
