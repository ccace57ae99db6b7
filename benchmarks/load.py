"""Load test: the example project under gunicorn + PostgreSQL + Redis, driven by wrk.

    scripts/load [--duration 30] [--workers 4] [--size 2000]

Seeds a fresh database, starts gunicorn with ``--workers`` processes (the production
settings: DEBUG=0, JSON logs, Redis cache), then runs one wrk per endpoint, all at once,
for ``--duration`` seconds: a mixed load, measured per endpoint. Prints requests/s,
p50/p99 latency and the responses that were not 2xx — split into 429s (a rate limit
doing its job) and everything else. Exit status 1 when anything else came back, or a
request failed outright (timeout, reset).

Rate limits are raised for the run (APIFIRST_EXAMPLE_RELAXED_LIMITS), except the
login limit (10/minute per address): the ``login (throttled)`` endpoint's 429s are
deliberate, every other 429 is not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _example_server import CEILING, PROJECT, free_port, manage, stop, wait_for

# Each wrk thread counts statuses; done() adds them up and prints one JSON line.
LUA = r"""
local threads = {}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  sent = 0
end
function request()
  sent = sent + 1
  local headers = {}
  for name, value in pairs(HEADERS) do headers[name] = value end
  if IDEMPOTENT then headers["Idempotency-Key"] = RUN .. "-" .. id .. "-" .. sent end
  return wrk.format(METHOD, PATH, headers, BODY)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, '"' .. status .. '":' .. n) end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"statuses":{%s},' ..
    '"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    table.concat(parts, ","), errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def endpoint_script(
    method: str, path: str, headers: dict[str, str], body: str | None, idempotent: bool, run: str
) -> str:
    header_items = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    return (
        f"METHOD = {lua_string(method)}\nPATH = {lua_string(path)}\n"
        f"HEADERS = {{{header_items}}}\nBODY = {lua_string(body) if body else 'nil'}\n"
        f"IDEMPOTENT = {'true' if idempotent else 'false'}\nRUN = {lua_string(run)}\n" + LUA
    )


def call(base: str, method: str, path: str, headers: dict[str, str], body: object = None):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **headers},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=CEILING) as response:
        return json.loads(response.read() or b"null")


def fresh_database(url: str) -> str:
    """A new database next to the one ``url`` names (PostgreSQL), dropped first."""
    import psycopg

    parts = urlsplit(url)
    name = "apifirst_load"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--size", type=int, default=2000, help="tasks per demo project")
    parser.add_argument("--connections", type=int, default=4, help="per endpoint")
    options = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is not set: run scripts/load, which starts PostgreSQL and Redis.")
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk); scripts/load installs it.")

    env = {
        **os.environ,
        "DATABASE_URL": fresh_database(os.environ["DATABASE_URL"]),
        "DEBUG": "0",
        "SECRET_KEY": "load-test-secret-key-long-enough-for-the-deploy-checks-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "APIFIRST_EXAMPLE_RELAXED_LIMITS": "anon,user,api_key",  # not "login"
        "WEB_CONCURRENCY": str(options.workers),
        "ACCESS_LOG": "",  # 1 line per request would measure the terminal
        "LOG_LEVEL": "ERROR",
        # A fresh cache (rate-limit counters) without flushing a Redis others may use.
        "CACHE_KEY_PREFIX": f"load-{os.getpid()}-{int(time.time())}",
    }
    print(f"Seeding {options.size} tasks per project...", flush=True)
    manage(env, "migrate", "--no-input", "-v", "0")
    credentials = json.loads(
        manage(env, "seed_demo", "--json", "--size", str(options.size)).strip().splitlines()[-1]
    )
    port = free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=PROJECT, env=env
    )
    try:
        wait_for(f"{base}/healthz", server)
        token = call(
            base,
            "POST",
            "/api/auth/login/",
            {},
            {"username": credentials["username"], "password": credentials["password"]},
        )
        user = {"Authorization": f"Token {token['token']}"}
        read = {"Authorization": f"Api-Key {credentials['api_keys']['read']}"}
        write = {
            "Authorization": f"Api-Key {credentials['api_keys']['write']}",
            "Content-Type": "application/json",
        }
        tasks = call(base, "GET", "/api/v2/tasks/?page_size=1", read)["results"]
        task, project = tasks[0]["id"], tasks[0]["project"]
        login = json.dumps(
            {"username": credentials["username"], "password": credentials["password"]}
        )
        endpoints = [
            ("list v2 (key)", "GET", "/api/v2/tasks/?page_size=50", read, None, False),
            (
                "list v2 expanded (token)",
                "GET",
                "/api/v2/tasks/?page_size=50&expand=labels,assignee&status=open",
                user,
                None,
                False,
            ),
            ("list v1 (token)", "GET", "/api/v1/tasks/?page_size=50", user, None, False),
            ("detail v2 (key)", "GET", f"/api/v2/tasks/{task}/", read, None, False),
            (
                "create, idempotent (key)",
                "POST",
                "/api/v2/tasks/",
                write,
                json.dumps({"title": "load", "project": project}),
                True,
            ),
            (
                "login (throttled)",
                "POST",
                "/api/auth/login/",
                {"Content-Type": "application/json"},
                login,
                False,
            ),
        ]
        workdir = Path(tempfile.mkdtemp(prefix="apifirst-load-"))
        runs = []
        for n, (name, method, path, headers, body, idempotent) in enumerate(endpoints):
            script = workdir / f"endpoint{n}.lua"
            script.write_text(
                endpoint_script(method, path, headers, body, idempotent, f"{os.getpid()}-{n}")
            )
            runs.append(
                (
                    name,
                    subprocess.Popen(
                        [
                            wrk,
                            "-t1",
                            f"-c{options.connections}",
                            f"-d{options.duration}s",
                            "--timeout",  # a request stuck this long is a failure
                            "30s",
                            "-s",
                            str(script),
                            base,
                        ],
                        stdout=subprocess.PIPE,
                        text=True,
                    ),
                )
            )
        print(
            f"Running {len(runs)} endpoints at once for {options.duration} s against "
            f"{options.workers} gunicorn workers...",
            flush=True,
        )
        results = []
        for name, process in runs:
            try:
                out, _ = process.communicate(timeout=options.duration + CEILING)
            except subprocess.TimeoutExpired:
                sys.exit(f"waited {options.duration + CEILING}s for wrk to finish {name}")
            line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                sys.exit(f"wrk gave no result for {name}:\n{out}")
            results.append((name, json.loads(line[len("RESULT ") :])))
    finally:
        stop(server)
    return report(results, options)


def report(results: list[tuple[str, dict]], options: argparse.Namespace) -> int:
    print(
        f"\n{options.workers} gunicorn workers, PostgreSQL + Redis, {options.duration} s, "
        f"{options.connections} connections per endpoint\n"
    )
    header = (
        f"| {'endpoint':<26} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | "
        f"{'429':>6} | {'other non-2xx':>13} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    unexpected = 0
    for name, result in results:
        statuses = {int(k): v for k, v in result["statuses"].items()}
        throttled = statuses.get(429, 0)
        other = sum(v for k, v in statuses.items() if not 200 <= k < 300 and k != 429)
        other += result["socket_errors"]
        if throttled and "(throttled)" not in name:
            other += throttled  # a 429 where the limit was raised is not deliberate
        unexpected += other
        rate = result["requests"] / (result["duration_us"] / 1e6)
        print(
            f"| {name:<26} | {rate:>7.0f} | {result['p50_us'] / 1000:>7.1f} | "
            f"{result['p99_us'] / 1000:>7.1f} | {throttled:>6} | {other:>13} |"
        )
    total = sum(r["requests"] for _, r in results)
    print(f"\n{total} requests; unexpected non-2xx or failed: {unexpected}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
