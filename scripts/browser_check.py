"""Swagger UI in a real browser: headless Chromium (Debian's) driven by Playwright.

Serves the example project on loopback, opens /api/docs/, waits for the operations to
render, checks the operation list and the version switch are there and that the browser
asked nothing of any host but this one, and saves a screenshot under build/artifacts/.

    python scripts/browser_check.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from _example_server import CEILING, PROJECT, ROOT, free_port, stop, wait_for
from playwright.sync_api import sync_playwright

ARTIFACTS = ROOT / "build" / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        sys.exit("Debian's chromium is not installed (apt-get install chromium).")
    workdir = Path(tempfile.mkdtemp(prefix="apifirst-browser-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "DEBUG": "1"}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=PROJECT, env=env, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    failures = []
    try:
        wait_for(f"{base}/api/docs/", server)
        requested: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            # Every wait below (page loads, selectors) ends when ready; ceilings generous.
            page.set_default_timeout(CEILING * 1000)
            page.set_default_navigation_timeout(CEILING * 1000)
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{base}/api/docs/", wait_until="networkidle")
            page.wait_for_selector(".opblock")
            operations = page.locator(".opblock").count()
            versions = page.locator("#apifirst-versions").inner_text()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "swagger-ui.png"), full_page=False)
            page.goto(f"{base}/api/docs/?version=v1", wait_until="networkidle")
            page.wait_for_selector(".opblock")
            deprecated = page.locator(".opblock-deprecated").count()
            browser.close()
        print(f"{operations} operations rendered; version switch: {versions!r}")
        print(f"{deprecated} operations shown deprecated in v1")
        if operations < 5:
            failures.append(f"only {operations} operations rendered")
        if "v1" not in versions or "v2" not in versions:
            failures.append(f"version switch lacks v1/v2: {versions!r}")
        if deprecated == 0:
            failures.append("v1's operations are not shown as deprecated")
        foreign = sorted({u for u in requested if urlsplit(u).hostname not in ("127.0.0.1", None)})
        foreign = [u for u in foreign if not u.startswith(("data:", "blob:"))]
        if foreign:
            failures.append(f"requests off loopback: {foreign}")
        print(f"{len(requested)} requests, all to 127.0.0.1" if not foreign else "")
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    for failure in failures:
        print("FAILED:", failure)
    print(f"browser: {0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
