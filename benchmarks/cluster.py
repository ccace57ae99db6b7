"""Several app hosts behind HAProxy, and the faults they survive (issue #19).

    scripts/cluster [--short] [--hosts 3] [--workers 3]

Builds, in Linux network namespaces named ``afc-*`` (root only): a switch namespace with
three bridges, a client namespace (10.77.1.0/24, the only network it reaches), HAProxy
(10.77.1.2:8080 in front, 10.77.2.2 behind), app hosts running gunicorn
(10.77.2.1N, and 10.77.3.1N on the database network), and one namespace with PostgreSQL
and Redis (10.77.3.2), reachable only from the app hosts. HAProxy health-checks
``/readyz``, appends ``X-Forwarded-For`` and sets ``X-Request-ID``; the hosts trust
exactly its address (``TRUSTED_PROXIES=10.77.2.2/32``).

Then it measures, printing one table: the exactness scenarios (login and per-key limits,
one Idempotency-Key from 50 clients, concurrent If-Match writes, a write on one host
read from another) and the faults (an app host killed with SIGKILL under load, a
graceful restart of each host, Redis stopped for a while, PostgreSQL restarted, the
database host's link down, PostgreSQL 200 ms further away through
benchmarks/latency_proxy.py, statements slower than ``statement_timeout``). Without
``--short``, also throughput and p50/p99 per endpoint with 1, 2 and 3 hosts in rotation
(wrk). ``--short`` (the ``cluster`` tox env, in ``make test``) runs every scenario
briefly: a fault lasts seconds, one host is restarted instead of each. Exit status 1 when
an invariant does not hold.

Everything it starts is stopped and every namespace deleted on the way out.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "example_project"

PREFIX = "afc-"
SWITCH = PREFIX + "sw"
CLIENT = PREFIX + "client"
LB = PREFIX + "lb"
DB = PREFIX + "db"
LB_FRONT, LB_BACK = "10.77.1.2", "10.77.2.2"
DB_ADDRESS = "10.77.3.2"
# The app hosts reach PostgreSQL through benchmarks/latency_proxy.py (no delay until the
# slow-database scenario sets one): this kernel has no netem to slow the link itself.
DB_PROXY_PORT = 5433
# Source addresses of the clients: one per scenario, so limits keyed on the client
# address never see another scenario's requests.
CLIENT_ADDRESSES = [f"10.77.1.{n}" for n in range(10, 40)]
BASE_PORT = 8080
APP_PORT = 8000
LOGIN_LIMIT = 10
KEY_LIMIT = 120
# The limits' fixed window. An hour rather than a minute: a scenario must run inside one
# window, and waiting for the next minute cost up to 40 s per run (the counters, and so
# the exactness across hosts, are the same whatever the window).
LIMIT_PERIOD, LIMIT_SECONDS = "hour", 3600
# Seconds. Waits end as soon as what they wait for happens; the ceilings are generous for
# a machine busy with other work.
CEILING = 180
REQUEST_TIMEOUT = 60
# Milliseconds: the app hosts' statement_timeout, and the round trip the slow-database
# scenario adds.
STATEMENT_TIMEOUT_MS = 5000
SLOW_ROUND_TRIP_MS = 200


def run(*command: str, check: bool = True, quiet: bool = False) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def in_ns(namespace: str, *command: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *command]


def wait_until(what: str, condition: Callable[[], bool], seconds: float = CEILING) -> float:
    """Until ``condition()`` is true; the seconds it took. Fails naming ``what``."""
    started = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - started
        except (OSError, RuntimeError, http.client.HTTPException):
            pass
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"waited {seconds:.0f}s for {what}: it did not happen")
        time.sleep(0.2)


# --- the network ---


def app_name(n: int) -> str:
    return f"{PREFIX}app{n}"


def app_address(n: int) -> str:
    return f"10.77.2.{10 + n}"


def delete_namespaces() -> None:
    """Every ``afc-*`` namespace, with what still runs in it (only this script's)."""
    for line in run("ip", "netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX):
            continue
        for pid in run("ip", "netns", "pids", name, check=False).split():
            if pid == str(os.getpid()):
                continue  # this driver, a client in afc-client since Run.up()
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        run("ip", "netns", "del", name, check=False)


def build_network(hosts: int) -> None:
    run("ip", "netns", "add", SWITCH)
    run("ip", "-n", SWITCH, "link", "set", "lo", "up")
    for bridge in ("fe", "be", "db"):
        run("ip", "-n", SWITCH, "link", "add", f"br-{bridge}", "type", "bridge")
        run("ip", "-n", SWITCH, "link", "set", f"br-{bridge}", "up")

    def attach(namespace: str, bridge: str, addresses: Iterable[str]) -> None:
        if namespace not in run("ip", "netns", "list"):
            run("ip", "netns", "add", namespace)
            run("ip", "-n", namespace, "link", "set", "lo", "up")
        outer = f"v-{namespace[len(PREFIX) :]}-{bridge}"
        inner = f"{bridge}0"
        run("ip", "-n", SWITCH, "link", "add", outer, "type", "veth", "peer", "name", inner,
            "netns", namespace)  # fmt: skip
        run("ip", "-n", SWITCH, "link", "set", outer, "master", f"br-{bridge}", "up")
        for address in addresses:
            run("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", inner)
        run("ip", "-n", namespace, "link", "set", inner, "up")

    attach(CLIENT, "fe", CLIENT_ADDRESSES)
    attach(LB, "fe", [LB_FRONT])
    attach(LB, "be", [LB_BACK])
    attach(DB, "db", [DB_ADDRESS])
    for n in range(1, hosts + 1):
        attach(app_name(n), "be", [app_address(n)])
        attach(app_name(n), "db", [f"10.77.3.{10 + n}"])


# --- PostgreSQL and Redis, in their own namespace ---


@dataclass
class Services:
    workdir: Path
    pg_bin: Path = field(init=False)

    def __post_init__(self) -> None:
        self.pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.pg_data = self.workdir / "pg"
        self.pg_socket = self.workdir / "pgsock"
        self.redis_dir = self.workdir / "redis"

    def as_postgres(self, *command: str) -> list[str]:
        return in_ns(DB, "runuser", "-u", "postgres", "--", *command)

    def start_postgres(self) -> None:
        if not (self.pg_data / "PG_VERSION").exists():
            self.pg_data.mkdir(parents=True)
            self.pg_socket.mkdir(exist_ok=True)
            shutil.chown(self.pg_data, "postgres")
            shutil.chown(self.pg_socket, "postgres")
            run(*self.as_postgres(str(self.pg_bin / "initdb"), "-D", str(self.pg_data),
                "-U", "postgres", "--auth=trust"))  # fmt: skip
            with open(self.pg_data / "pg_hba.conf", "a") as hba:
                hba.write("host all all 10.77.3.0/24 trust\n")
        run(*self.as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l",
            str(self.pg_data / "server.log"), "-w", "-t", str(CEILING), "-o",
            f"-p 5432 -k {self.pg_socket} -c listen_addresses={DB_ADDRESS} -c fsync=off "
            "-c max_connections=200", "start"))  # fmt: skip

    def restart_postgres(self) -> None:
        # -l: the server must not inherit our pipes (we would wait for them to close).
        run(*self.as_postgres(str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l",
            str(self.pg_data / "server.log"), "-m", "fast", "-w", "-t", str(CEILING),
            "restart"))  # fmt: skip

    def stop_postgres(self) -> None:
        run(*self.as_postgres(str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m",
            "immediate", "stop"), check=False)  # fmt: skip

    def sql(self, statement: str) -> list[list[str]]:
        out = run(*self.as_postgres(str(self.pg_bin / "psql"), "-h", str(self.pg_socket),
                  "-At", "-F", "\t", "-d", "apifirst", "-c", statement))  # fmt: skip
        return [line.split("\t") for line in out.splitlines() if line]

    def create_database(self) -> None:
        run(*self.as_postgres(str(self.pg_bin / "psql"), "-h", str(self.pg_socket), "-c",
            "CREATE DATABASE apifirst"))  # fmt: skip

    def start_redis(self) -> None:
        self.redis_dir.mkdir(exist_ok=True)
        run(*in_ns(DB, "redis-server", "--bind", DB_ADDRESS, "--port", "6379", "--daemonize",
            "yes", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir",
            str(self.redis_dir), "--pidfile", str(self.redis_dir / "redis.pid"), "--logfile",
            str(self.redis_dir / "redis.log")))  # fmt: skip
        wait_until("Redis to answer PING", lambda: "PONG" in run(
            *in_ns(DB, "redis-cli", "-h", DB_ADDRESS, "ping"), check=False))  # fmt: skip

    def start_latency_proxy(self) -> None:
        self.latency_control = self.workdir / "latency.sock"
        self.latency_proxy = subprocess.Popen(
            in_ns(DB, sys.executable, "-m", "benchmarks.latency_proxy", "--listen",
                  f"{DB_ADDRESS}:{DB_PROXY_PORT}", "--upstream", f"{DB_ADDRESS}:5432",
                  "--control", str(self.latency_control)),
            cwd=ROOT, stdout=open(self.workdir / "latency-proxy.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until("the latency proxy to listen", lambda: f":{DB_PROXY_PORT} " in run(
            *in_ns(DB, "ss", "-Hltn"), check=False))  # fmt: skip

    def set_latency(self, milliseconds: int) -> None:
        """The round-trip delay the proxy adds between the app hosts and PostgreSQL."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(self.latency_control))
            sock.sendall(f"delay {milliseconds}\n".encode())
            if sock.recv(100) != b"ok\n":
                raise RuntimeError("the latency proxy refused the delay")

    def stop_latency_proxy(self) -> None:
        proxy = getattr(self, "latency_proxy", None)
        if proxy is not None and proxy.poll() is None:
            proxy.terminate()
            proxy.wait(timeout=30)

    def stop_redis(self) -> None:
        run(*in_ns(DB, "redis-cli", "-h", DB_ADDRESS, "shutdown", "nosave"), check=False)
        wait_until("Redis to stop", lambda: "PONG" not in run(
            *in_ns(DB, "redis-cli", "-h", DB_ADDRESS, "ping"), check=False))  # fmt: skip


# --- HAProxy ---

HAPROXY_CONFIG = """\
global
    maxconn 4096
    log stdout format raw local0 info
    stats socket {workdir}/haproxy.sock mode 600 level admin

defaults
    mode http
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    timeout http-request 10s
    # A saturated host answers /readyz late, queued behind requests: not a dead host.
    timeout check 10s
    retries 3
    option redispatch 1
    errorfile 502 {workdir}/502.http
    errorfile 503 {workdir}/503.http
    errorfile 504 {workdir}/504.http

frontend api
    bind {front}:{port}
    option forwardfor
    # A request id the app adopts ([0-9A-F-] only): in this log, the app's and the response.
    unique-id-format %{{+X}}o%ci-%cp-%Ts-%rt-%pid
    http-request set-header X-Request-ID %[unique-id]
    log-format "%ci:%cp %ID %HM %HU %ST %b/%s %Ta"
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host {front}
    http-check expect status 200
    default-server inter 500ms fastinter 250ms fall 2 rise 2
    # Scenarios pin a request to one host (a write on one, the read on another).
    use-server %[req.hdr(X-Cluster-Host)] if {{ req.hdr(X-Cluster-Host) -m found }}
    http-response set-header X-Served-By %s
{servers}
"""


def problem_file(status: int, reason: str, detail: str) -> str:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": f"{reason}.",
            "status": status,
            "detail": detail,
            "code": reason.lower().replace(" ", "_"),
        }
    )
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/problem+json\r\n"
        f"Retry-After: 5\r\nCache-Control: no-store\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n{body}"
    )


class HAProxy:
    def __init__(self, workdir: Path, hosts: int) -> None:
        self.workdir = workdir
        self.hosts = hosts
        self.log = workdir / "haproxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for status, reason, detail in (
            (502, "Bad Gateway", "An app server failed to answer. Retry later."),
            (503, "Service Unavailable", "No app server is available. Retry later."),
            (504, "Gateway Timeout", "An app server took too long. Retry later."),
        ):
            (self.workdir / f"{status}.http").write_text(problem_file(status, reason, detail))
        servers = "\n".join(
            f"    server app{n} {app_address(n)}:{APP_PORT} check" for n in range(1, self.hosts + 1)
        )
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                workdir=self.workdir, front=LB_FRONT, port=BASE_PORT, servers=servers
            )
        )
        run("haproxy", "-c", "-q", "-f", str(config))
        self.process = subprocess.Popen(
            in_ns(LB, "haproxy", "-db", "-f", str(config)),
            stdout=open(self.log, "ab"),  # noqa: SIM115 (the process keeps it)
            stderr=subprocess.STDOUT,
        )

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(self.workdir / "haproxy.sock"))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self) -> dict[str, str]:
        """Server name -> HAProxy's status (UP, DOWN, MAINT, DRAIN ...)."""
        lines = self.command("show stat").splitlines()
        columns = lines[0].lstrip("# ").split(",")
        found = {}
        for line in lines[1:]:
            row = dict(zip(columns, line.split(","), strict=False))
            if row.get("pxname") == "app" and row.get("svname", "").startswith("app"):
                found[row["svname"]] = row["status"]
        return found

    def wait_state(self, server: str, prefix: str) -> float:
        return wait_until(
            f"HAProxy to see {server} {prefix}",
            lambda: self.states().get(server, "").startswith(prefix),
        )

    def set_state(self, server: str, state: str) -> None:
        self.command(f"set server app/{server} state {state}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


# --- the app hosts ---


class AppHost:
    def __init__(self, n: int, env: dict[str, str], workdir: Path, workers: int) -> None:
        self.n = n
        self.name = f"app{n}"
        self.env = {
            **env,
            "BIND": f"{app_address(n)}:{APP_PORT}",
            "WEB_CONCURRENCY": str(workers),
        }
        self.log = workdir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            in_ns(app_name(self.n), sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"),
            cwd=PROJECT,
            env=self.env,
            stdout=open(self.log, "ab"),  # noqa: SIM115 (the process keeps it)
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the master and its workers
        )

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a host that dies."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, seconds: float = 60) -> None:
        """SIGTERM: gunicorn stops accepting and lets its workers finish their requests."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- the client ---


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def request(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
    *,
    source: str = CLIENT_ADDRESSES[0],
    host: str | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Answer:
    """One request through HAProxy from ``source`` (pinned to app ``host`` if given)."""
    sent = dict(headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if host is not None:
        sent["X-Cluster-Host"] = host
    started = time.monotonic()
    connection = http.client.HTTPConnection(
        LB_FRONT, BASE_PORT, timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        content = response.read()
        return Answer(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            content,
            time.monotonic() - started,
        )
    finally:
        connection.close()


def concurrently(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` in ``count`` threads released together; their results, in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # reported as the result: the scenario judges it
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def median_ms(seconds: list[float]) -> str:
    return f"{1000 * seconds[len(seconds) // 2]:.0f}" if seconds else "-"


def spread(answers: Iterable[Any]) -> str:
    counts = collections.Counter(
        a.headers.get("x-served-by", "-") for a in answers if isinstance(a, Answer)
    )
    return ",".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def statuses(answers: Iterable[Any]) -> collections.Counter[str]:
    return collections.Counter(
        str(a.status) if isinstance(a, Answer) else type(a).__name__ for a in answers
    )


def fresh_window(seconds_left: float) -> None:
    """Wait, if needed, so that the limits' fixed window has ``seconds_left`` to run."""
    into = time.time() % LIMIT_SECONDS
    if into > LIMIT_SECONDS - seconds_left:
        time.sleep(LIMIT_SECONDS - into + 0.5)


@dataclass
class Row:
    scenario: str
    expected: str
    measured: str
    ok: bool


class Run:
    def __init__(self, options: argparse.Namespace, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.services = Services(workdir)
        self.haproxy = HAProxy(workdir, options.hosts)
        self.hosts: list[AppHost] = []
        self.rows: list[Row] = []
        self.sources = iter(CLIENT_ADDRESSES[1:])

    # -- setup --

    def up(self) -> None:
        delete_namespaces()  # what an earlier run that was killed left behind
        build_network(self.options.hosts)
        self.services.start_postgres()
        self.services.create_database()
        self.services.start_latency_proxy()
        self.services.start_redis()
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@{DB_ADDRESS}:{DB_PROXY_PORT}/apifirst",
            "REDIS_URL": f"redis://{DB_ADDRESS}:6379/0",
            "DEBUG": "0",
            "SECRET_KEY": "cluster-secret-key-long-enough-for-the-deploy-checks-0123456789ab",
            "ALLOWED_HOSTS": LB_FRONT,
            "SECURE_SSL_REDIRECT": "0",
            # Exactly the HAProxy hop: X-Forwarded-For's last entry is the client.
            "TRUSTED_PROXIES": f"{LB_BACK}/32",
            "FORWARDED_ALLOW_IPS": LB_BACK,
            "APIFIRST_EXAMPLE_RATES": (
                f"anon=1000000/minute,user=1000000/minute,api_key={KEY_LIMIT}/{LIMIT_PERIOD},"
                f"login={LOGIN_LIMIT}/{LIMIT_PERIOD}"
            ),
            # Lock, write and record in one transaction: a host killed mid-request
            # leaves nothing its client's retry could duplicate.
            "IDEMPOTENCY_STORE": "drf_apifirst.idempotency.DatabaseStore",
            "GUNICORN_TIMEOUT": "20",
            # The master imports the app once and forks its workers: a host (re)starts in
            # a few seconds instead of three imports' worth on the busy cores.
            "GUNICORN_CMD_ARGS": "--preload",
            "DATABASE_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
            "LOG_LEVEL": "INFO",
        }
        self._manage(env, "migrate", "--no-input", "-v", "0")
        seeded = self._manage(env, "seed_demo", "--json", "--size", str(self.options.size))
        self.credentials = json.loads(seeded.strip().splitlines()[-1])
        self.hosts = [
            AppHost(n, env, self.workdir, self.options.workers)
            for n in range(1, self.options.hosts + 1)
        ]
        for host in self.hosts:
            host.start()
        self.haproxy.start()
        # From here on, this process's threads are clients: in the client namespace.
        with open(f"/var/run/netns/{CLIENT}") as namespace:
            os.setns(namespace.fileno(), os.CLONE_NEWNET)
        for host in self.hosts:
            self.haproxy.wait_state(host.name, "UP")
        token = request(
            "POST",
            "/api/auth/login/",
            body={
                "username": self.credentials["username"],
                "password": self.credentials["password"],
            },
            source=CLIENT_ADDRESSES[0],
        )
        self.user = {"Authorization": f"Token {token.json()['token']}"}
        tasks = request("GET", "/api/v2/tasks/?page_size=1", self.user).json()["results"]
        self.project = tasks[0]["project"]

    def _manage(self, env: dict[str, str], *args: str) -> str:
        result = subprocess.run(
            in_ns(app_name(1), sys.executable, "manage.py", *args),
            cwd=PROJECT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}")
        return result.stdout

    def down(self) -> None:
        for host in self.hosts:
            with contextlib.suppress(Exception):  # keep tearing down
                host.stop(seconds=20)
        self.haproxy.stop()
        with contextlib.suppress(Exception):
            self.services.stop_latency_proxy()
        run(*in_ns(DB, "redis-cli", "-h", DB_ADDRESS, "shutdown", "nosave"), check=False)
        self.services.stop_postgres()
        delete_namespaces()

    def record(self, scenario: str, expected: str, measured: str, ok: bool) -> None:
        row = Row(scenario, expected, measured, ok)
        self.rows.append(row)
        print(f"[{'ok' if ok else 'FAIL'}] {scenario}: {measured}", flush=True)

    def task_rows(self, title_prefix: str) -> dict[str, int]:
        """Title -> number of rows, for the tasks whose title starts with the prefix."""
        return {
            title: int(count)
            for title, count in self.services.sql(
                "SELECT title, count(*) FROM tracker_task "
                f"WHERE title LIKE '{title_prefix}%' GROUP BY title"
            )
        }

    # -- exactness across hosts --

    def login_limit(self) -> None:
        """N logins per minute from one client, spread over the hosts, each with a forged
        X-Forwarded-For: exactly N are admitted; another client still gets in."""
        source, other = next(self.sources), next(self.sources)
        login = {"username": self.credentials["username"], "password": self.credentials["password"]}
        answers = concurrently(
            3 * LOGIN_LIMIT,
            lambda i: request("POST", "/api/auth/login/", {"X-Forwarded-For": f"203.0.113.{i}"},
                              login, source=source),
        )  # fmt: skip
        admitted = sum(1 for a in answers if isinstance(a, Answer) and a.status == 200)
        refused = [a for a in answers if isinstance(a, Answer) and a.status == 429]
        problems = all(a.headers.get("content-type") == "application/problem+json"
                       and "retry-after" in a.headers for a in refused)  # fmt: skip
        elsewhere = request("POST", "/api/auth/login/", body=login, source=other).status
        self.record(
            f"login limit ({LOGIN_LIMIT}/{LIMIT_PERIOD}), one client over all hosts",
            f"exactly {LOGIN_LIMIT} of {3 * LOGIN_LIMIT} admitted; other client 200",
            f"{admitted} admitted, {len(refused)} 429 problems ({spread(answers)}); "
            f"other client {elsewhere}",
            admitted == LOGIN_LIMIT and len(refused) == 2 * LOGIN_LIMIT and problems
            and elsewhere == 200,
        )  # fmt: skip

    def key_limit(self) -> None:
        key = {"Authorization": f"Api-Key {self.credentials['api_keys']['read']}"}
        total = KEY_LIMIT + 40
        answers = []
        lock = threading.Lock()

        def batch(i: int) -> None:
            for _ in range(total // 20):
                answer = request("GET", "/api/v2/tasks/?page_size=1", key, source=next_source[i])
                with lock:
                    answers.append(answer)

        # Spread over client addresses too: the key, not the address, is counted.
        next_source = [CLIENT_ADDRESSES[20 + i % 10] for i in range(20)]
        concurrently(20, batch)
        counts = statuses(answers)
        self.record(
            f"per-key limit ({KEY_LIMIT}/{LIMIT_PERIOD}) over all hosts",
            f"exactly {KEY_LIMIT} of {total} admitted",
            f"{counts.get('200', 0)} admitted, {counts.get('429', 0)} 429 ({spread(answers)})",
            counts.get("200", 0) == KEY_LIMIT and counts.get("429", 0) == total - KEY_LIMIT,
        )

    def idempotency_burst(self) -> None:
        key, title = f"burst-{uuid.uuid4().hex}", f"burst {uuid.uuid4().hex[:8]}"
        body = {"title": title, "project": self.project}
        answers = concurrently(
            50,
            lambda i: request("POST", "/api/v2/tasks/", {**self.user, "Idempotency-Key": key},
                              body, source=next(iter([CLIENT_ADDRESSES[1]]))),
        )  # fmt: skip
        counts = statuses(answers)
        created = [a for a in answers if isinstance(a, Answer) and a.status == 201]
        same = len({a.body for a in created}) == 1
        rows = self.task_rows(title).get(title, 0)
        self.record(
            "50 POSTs, one Idempotency-Key, over all hosts",
            "1 row; every answer the 201 (or its replay) or 409",
            f"{rows} row(s); {dict(counts)}; {len(created)} identical 201s: {same} "
            f"({spread(answers)})",
            rows == 1 and set(counts) <= {"201", "409"} and bool(created) and same,
        )

    def if_match(self) -> None:
        created = request("POST", "/api/v2/tasks/", self.user,
                          {"title": "if-match", "project": self.project})  # fmt: skip
        path = f"/api/v2/tasks/{created.json()['id']}/"
        etag = request("GET", path, self.user).headers["etag"]
        answers = concurrently(
            20,
            lambda i: request("PATCH", path, {**self.user, "If-Match": etag},
                              {"title": f"writer {i}"}),
        )  # fmt: skip
        counts = statuses(answers)
        self.record(
            "20 If-Match PATCHes, one ETag, over all hosts",
            "exactly one 200, the rest 412",
            f"{dict(counts)} ({spread(answers)})",
            counts.get("200") == 1 and counts.get("412") == 19,
        )

    def cache_across_hosts(self) -> None:
        if len(self.hosts) < 2:
            return
        labels = request("GET", "/api/v2/labels/", self.user).json()["results"]
        label = labels[0]
        path, stale, hits = f"/api/v2/labels/{label['id']}/", 0, 0
        rounds = 10 if self.options.short else 40
        for i in range(rounds):
            writer, reader = self.hosts[i % len(self.hosts)], self.hosts[(i + 1) % len(self.hosts)]
            request("GET", "/api/v2/labels/", self.user, host=reader.name)
            hit = request("GET", "/api/v2/labels/", self.user, host=reader.name)
            hits += hit.headers.get("x-cache") == "hit"
            name = f"label {uuid.uuid4().hex[:8]}"
            assert request("PATCH", path, self.user, {"name": name}, host=writer.name).status == 200
            after = request("GET", "/api/v2/labels/", self.user, host=reader.name).json()
            stale += name not in [x["name"] for x in after["results"]]
        self.record(
            "write on host A, read on host B (response cache)",
            "never stale",
            f"{stale} stale of {rounds} reads after a write; {hits}/{rounds} reads before "
            "it were cache hits",
            stale == 0 and hits == rounds,
        )

    def request_ids(self) -> None:
        """HAProxy's request id: in its log, the app's JSON log and the response."""
        answer = request("GET", "/api/v2/tasks/?page_size=1", {**self.user,
                         "X-Request-ID": "client-chosen"})  # fmt: skip
        request_id = answer.headers.get("x-request-id", "")
        host = answer.headers.get("x-served-by", "")

        def logged() -> bool:
            in_haproxy = request_id in self.haproxy.log.read_text()
            app_log = (self.workdir / f"{host}.log").read_text() if host else ""
            return in_haproxy and f'"request_id": "{request_id}"' in app_log

        try:
            wait_until(f"request id {request_id} in HAProxy's and {host}'s logs", logged, 30)
            found = True
        except RuntimeError:
            found = False
        self.record(
            "request id from HAProxy",
            "in the response, HAProxy's log and the app's JSON log",
            f"{request_id!r} from {host}; in both logs: {found}",
            bool(request_id) and request_id != "client-chosen" and found,
        )

    # -- faults under load --

    def fault(self, scenario: str, expected: str, act: Callable[[], str], *,
              all_2xx: bool = False, recovery: float = 3.0) -> None:  # fmt: skip
        """Run ``act`` under load (idempotent creates retried with their key, and reads),
        then check: no 500, every non-2xx a problem, every acknowledged write has its
        row, no duplicate rows, every client got its answer, no worker killed for a
        timeout (a hung worker), all 2xx from ``recovery`` seconds after ``act``."""
        tag = f"{scenario.split()[0]}-{uuid.uuid4().hex[:6]}"
        hung_before = self.worker_timeouts()
        load = Load(self, tag)
        load.start()
        try:
            time.sleep(1 if self.options.short else 10)
            began = time.monotonic()
            what = act()
            ended = time.monotonic()
            recovered_at = ended + recovery
            time.sleep(recovery + (2 if self.options.short else 10))
        finally:
            load.stop()
        rows = self.task_rows(tag)
        acked = [w for w in load.writes if w["status"] == 201]
        lost = [w for w in acked if rows.get(w["title"], 0) == 0]
        duplicates = [t for t, n in rows.items() if n > 1]
        unanswered = [w for w in load.writes if w["status"] != 201]
        attempts = load.attempts
        counts = collections.Counter(a[1] for a in attempts)
        server_errors = counts.get("500", 0)
        not_problems = sum(1 for a in attempts if a[1][0] in "45" and not a[2])
        after = [a for a in attempts if a[0] > recovered_at]
        after_bad = sum(1 for a in after if not a[1].startswith("2"))
        # When the last request that was not a 2xx started, from the end of the fault
        # (its start: time minus its duration): how long recovery took.
        late = [a[0] - a[3] - ended for a in attempts
                if a[0] - a[3] > ended and not a[1].startswith(("2", "429"))]  # fmt: skip
        recovered = f"last non-2xx sent {max(late):.1f}s after" if late else "no non-2xx after"
        # Requests that overlapped the fault.
        during = sorted(a[3] for a in attempts if a[0] >= began and a[0] - a[3] <= ended)
        before = sorted(a[3] for a in attempts if a[0] < began)
        hung = self.worker_timeouts() - hung_before
        replayed = sum(1 for w in acked if w["replayed"])
        non_2xx = sum(n for s, n in counts.items() if not s.startswith("2") and s != "429")
        ok = (
            not lost and not duplicates and not unanswered and not server_errors
            and not not_problems and not after_bad and not hung
            and (non_2xx == 0 or not all_2xx)
        )  # fmt: skip
        self.record(
            scenario,
            expected,
            f"{what}; {len(attempts)} requests {dict(sorted(counts.items()))}; "
            f"p50 {median_ms(before)} ms before, {median_ms(during)} ms during; "
            f"{len(acked)} writes acknowledged ({replayed} by a replay after a retry), "
            f"{len(lost)} lost, {len(duplicates)} duplicated, {len(unanswered)} unanswered; "
            f"{hung} workers killed for a timeout; {recovered}; "
            f"{after_bad} non-2xx {recovery:.0f}s after",
            ok,
        )

    def worker_timeouts(self) -> int:
        """Workers gunicorn killed for taking longer than its timeout, on every host."""
        return sum(
            path.read_text(errors="replace").count("WORKER TIMEOUT")
            for path in self.workdir.glob("app*.log")
        )

    def kill_host(self) -> str:
        victim = self.hosts[-1]
        victim.kill()
        routed = self.haproxy.wait_state(victim.name, "DOWN")
        victim.start()
        back = self.haproxy.wait_state(victim.name, "UP")
        return f"{victim.name} SIGKILLed: out of rotation in {routed:.1f}s, back in {back:.1f}s"

    def rolling_restart(self) -> str:
        took = []
        # The short run restarts one host: the same steps, a third of the time.
        for host in self.hosts[:1] if self.options.short else self.hosts:
            started = time.monotonic()
            self.haproxy.set_state(host.name, "drain")
            # Until HAProxy sends it nothing new and its requests in flight are done.
            time.sleep(1)
            host.stop()
            host.start()
            self.haproxy.set_state(host.name, "ready")
            self.haproxy.wait_state(host.name, "UP")
            took.append(time.monotonic() - started)
        return f"{len(took)} host(s) drained, SIGTERM, restarted: " + ", ".join(
            f"{t:.1f}s" for t in took
        )

    def redis_outage(self) -> str:
        seconds = 5 if self.options.short else 10
        self.services.stop_redis()
        time.sleep(1)
        ready = request("GET", "/readyz").json()
        keyed = request("POST", "/api/v2/tasks/", {**self.user, "Idempotency-Key": "outage"},
                        {"title": "outage probe", "project": self.project})  # fmt: skip
        time.sleep(seconds - 1)
        self.services.start_redis()
        return (
            f"Redis down {seconds}s: /readyz {ready.get('status')} cache "
            f"{ready.get('checks', {}).get('cache', '?')!r}; a keyed POST "
            f"{keyed.status} {keyed.json().get('code')} Retry-After "
            f"{keyed.headers.get('retry-after')}"
        )

    def postgres_restart(self) -> str:
        started = time.monotonic()
        self.services.restart_postgres()
        return f"PostgreSQL restarted (-m fast) in {time.monotonic() - started:.1f}s"

    def database_unreachable(self) -> str:
        """The database host's link goes down: packets to PostgreSQL and Redis are lost
        (this kernel has no netem for added latency; a silent link is the harder case:
        nothing answers, nothing refuses)."""
        seconds = 6 if self.options.short else 15
        run(*in_ns(DB, "ip", "link", "set", "db0", "down"))
        time.sleep(seconds)
        run(*in_ns(DB, "ip", "link", "set", "db0", "up"))
        # Sessions whose client gave up on the silent link: they would hold their locks
        # until the server ends them (the example's idle_in_transaction_session_timeout
        # and keepalives). No request idles 3 s inside its transaction.
        abandoned = self.services.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
            "AND now() - state_change > interval '3 seconds'"
        )[0][0]
        return (
            f"the database host's link down for {seconds}s; {abandoned} sessions idle in "
            "a transaction for over 3 s when it came back"
        )

    def slow_database(self) -> str:
        """PostgreSQL 200 ms further away: every round trip through the latency proxy
        waits that much more (the kernel has no netem to slow the link itself)."""
        seconds = 5 if self.options.short else 15
        self.services.set_latency(SLOW_ROUND_TRIP_MS)
        try:
            time.sleep(seconds)
        finally:
            self.services.set_latency(0)
        return f"{SLOW_ROUND_TRIP_MS} ms added to every round trip to PostgreSQL for {seconds}s"

    def slow_statements(self) -> str:
        """Statements slower than the statement timeout: the tasks table held under an
        ACCESS EXCLUSIVE lock for longer than it, so every statement on it waits."""
        hold = STATEMENT_TIMEOUT_MS / 1000 + 3
        started = time.monotonic()
        run(*self.services.as_postgres(
            str(self.services.pg_bin / "psql"), "-h", str(self.services.pg_socket), "-d",
            "apifirst", "-c", "BEGIN; LOCK TABLE tracker_task IN ACCESS EXCLUSIVE MODE; "
            f"SELECT pg_sleep({hold}); COMMIT;"))  # fmt: skip
        return (
            f"tracker_task locked for {time.monotonic() - started:.1f}s, past the "
            f"{STATEMENT_TIMEOUT_MS / 1000:.0f}s statement_timeout"
        )


class Load:
    """Writers (idempotent creates, retried with their key) and readers, until stopped."""

    def __init__(self, cluster: Run, tag: str, writers: int = 4, readers: int = 2) -> None:
        self.cluster = cluster
        self.tag = tag
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        # (monotonic time it ended, status or exception name, is a problem body, seconds)
        self.attempts: list[tuple[float, str, bool, float]] = []
        self.writes: list[dict[str, Any]] = []
        self.threads = [
            threading.Thread(target=self.write, args=(CLIENT_ADDRESSES[2 + i],), daemon=True)
            for i in range(writers)
        ] + [threading.Thread(target=self.read, args=(CLIENT_ADDRESSES[8 + i],), daemon=True)
             for i in range(readers)]  # fmt: skip

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def attempt(self, method: str, path: str, headers: dict[str, str], body: Any,
                source: str) -> Answer | None:  # fmt: skip
        started = time.monotonic()
        try:
            answer = request(method, path, headers, body, source=source)
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.attempts.append((time.monotonic(), type(exc).__name__, False,
                                  time.monotonic() - started))  # fmt: skip
            return None
        is_problem = answer.headers.get("content-type") == "application/problem+json"
        with self.lock:
            self.attempts.append((time.monotonic(), str(answer.status), is_problem,
                                  answer.seconds))  # fmt: skip
        return answer

    def write(self, source: str) -> None:
        user = self.cluster.user
        while not self.stopping.is_set():
            key = uuid.uuid4().hex
            write = {"title": f"{self.tag} {key}", "status": None, "replayed": False}
            body = {"title": write["title"], "project": self.cluster.project}
            deadline = time.monotonic() + CEILING
            # A client that retries with the same key until it has an answer.
            while time.monotonic() < deadline:
                answer = self.attempt("POST", "/api/v2/tasks/",
                                      {**user, "Idempotency-Key": key}, body, source)  # fmt: skip
                if answer is not None and answer.status == 201:
                    write["status"] = 201
                    write["replayed"] = answer.headers.get("idempotent-replayed") == "true"
                    break
                if answer is not None and answer.status not in (409, 429, 502, 503, 504):
                    write["status"] = answer.status
                    break
                wait = answer.headers.get("retry-after", "1") if answer is not None else "1"
                time.sleep(min(float(wait), 1.0))
            with self.lock:
                self.writes.append(write)

    def read(self, source: str) -> None:
        while not self.stopping.is_set():
            self.attempt("GET", "/api/v2/tasks/?page_size=20", self.cluster.user, None, source)
            self.attempt("GET", "/api/v2/labels/", self.cluster.user, None, source)


def throughput(cluster: Run, duration: int) -> list[str]:
    """wrk per endpoint, all at once, with 1, 2 and 3 hosts in rotation."""
    from benchmarks.load import endpoint_script

    wrk = shutil.which("wrk")
    if wrk is None:
        return ["wrk is not installed: no throughput table"]
    user = cluster.user
    write = {**user, "Content-Type": "application/json"}
    task = request("GET", "/api/v2/tasks/?page_size=1", user).json()["results"][0]["id"]
    endpoints = [
        ("list v2 (token)", "GET", "/api/v2/tasks/?page_size=50", user, None, False),
        ("detail v2 (token)", "GET", f"/api/v2/tasks/{task}/", user, None, False),
        ("labels, cached (token)", "GET", "/api/v2/labels/", user, None, False),
        ("create, idempotent (token)", "POST", "/api/v2/tasks/", write,
         json.dumps({"title": "load", "project": cluster.project}), True),
    ]  # fmt: skip
    lines = [
        "| hosts | endpoint | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    scripts = Path(tempfile.mkdtemp(prefix="afc-wrk-"))
    for count in range(1, len(cluster.hosts) + 1):
        for host in cluster.hosts:
            cluster.haproxy.set_state(host.name, "ready" if host.n <= count else "maint")
        for host in cluster.hosts[:count]:
            cluster.haproxy.wait_state(host.name, "UP")
        runs = []
        for n, (name, method, path, headers, body, idempotent) in enumerate(endpoints):
            script = scripts / f"{count}-{n}.lua"
            script.write_text(endpoint_script(method, path, headers, body, idempotent,
                                              f"{os.getpid()}-{count}-{n}"))  # fmt: skip
            command = [wrk, "-t1", "-c4", f"-d{duration}s", "--timeout", "30s", "-s",
                       str(script), f"http://{LB_FRONT}:{BASE_PORT}"]  # fmt: skip
            runs.append((name, subprocess.Popen(command, stdout=subprocess.PIPE, text=True)))
        for name, process in runs:
            out, _ = process.communicate(timeout=duration + CEILING)
            line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                lines.append(f"| {count} | {name} | wrk gave no result | | | |")
                continue
            result = json.loads(line[len("RESULT ") :])
            bad = sum(v for k, v in result["statuses"].items() if not k.startswith("2"))
            rate = result["requests"] / (result["duration_us"] / 1e6)
            lines.append(
                f"| {count} | {name} | {rate:.0f} | {result['p50_us'] / 1000:.1f} | "
                f"{result['p99_us'] / 1000:.1f} | {bad + result['socket_errors']} |"
            )
    for host in cluster.hosts:
        cluster.haproxy.set_state(host.name, "ready")
    shutil.rmtree(scripts, ignore_errors=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the invariants only, quickly")
    parser.add_argument("--hosts", type=int, default=3, choices=(2, 3))
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per host")
    parser.add_argument("--size", type=int, default=50, help="tasks per demo project")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per run")
    parser.add_argument("--workdir", default="/tmp/afc-cluster")
    parser.add_argument("--throughput-only", action="store_true", help="skip the scenarios")
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("scripts/cluster builds network namespaces: run it as root (CI does).")
    workdir = Path(options.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    workdir.chmod(0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    cluster = Run(options, workdir)
    started = time.monotonic()
    table: list[str] = []
    try:
        print(f"Building the cluster: {options.hosts} hosts x {options.workers} workers...",
              flush=True)  # fmt: skip
        cluster.up()
        print(f"Up in {time.monotonic() - started:.0f}s. Scenarios:", flush=True)
        if not options.throughput_only:
            cluster.request_ids()
            # One fresh rate-limit window for both limits (they count different things:
            # the client address, the key), at once.
            fresh_window(40)
            for failed in concurrently(2, lambda i: (cluster.login_limit, cluster.key_limit)[i]()):
                if isinstance(failed, Exception):
                    raise failed
            for scenario in (cluster.idempotency_burst, cluster.if_match,
                             cluster.cache_across_hosts):  # fmt: skip
                scenario()
            run_faults(cluster)
        if not options.short:
            table = throughput(cluster, options.duration)
    finally:
        cluster.down()
        left = [x for x in run("ip", "netns", "list", check=False).split() if x.startswith(PREFIX)]
        print(f"Torn down; namespaces left: {left or 'none'}", flush=True)
    took = time.monotonic() - started
    print(f"\n{options.hosts} app hosts x {options.workers} gunicorn workers behind HAProxy; "
          f"PostgreSQL and Redis in their own namespace; {took:.0f}s\n")  # fmt: skip
    print("| scenario | expected | measured | holds |\n|---|---|---|---|")
    for row in cluster.rows:
        print(f"| {row.scenario} | {row.expected} | {row.measured} | "
              f"{'yes' if row.ok else '**no**'} |")  # fmt: skip
    if table:
        print("\nThroughput (wrk, 4 endpoints at once, 4 connections each):\n")
        print("\n".join(table))
    return 0 if all(row.ok for row in cluster.rows) else 1


def run_faults(cluster: Run) -> None:
    """Each fault under load, in turn."""
    cluster.fault("kill an app host (SIGKILL) under load",
                  "routed around; no acknowledged write lost, no duplicate, retries "
                  "answered", cluster.kill_host)  # fmt: skip
    cluster.fault("graceful restart of each host under load", "no non-2xx",
                  cluster.rolling_restart, all_2xx=True)  # fmt: skip
    cluster.fault("Redis stopped, then restarted, under load",
                  "reads served (throttles open); keyed writes go on with the database "
                  "store (503 + Retry-After with the cache store); recovery",
                  cluster.redis_outage)  # fmt: skip
    cluster.fault("PostgreSQL restarted under load",
                  "503 problems in the gap, never a 500; recovery without restart",
                  cluster.postgres_restart, recovery=5.0)  # fmt: skip
    cluster.fault("database host unreachable (link down) under load",
                  "bounded timeouts answered as problems, not hung workers; recovery",
                  cluster.database_unreachable, recovery=10.0)  # fmt: skip
    cluster.fault(f"PostgreSQL {SLOW_ROUND_TRIP_MS} ms further away (latency proxy) under load",
                  "slower, all 2xx", cluster.slow_database, all_2xx=True)  # fmt: skip
    cluster.fault("statements slower than statement_timeout (a table locked) under load",
                  "503 problems after the timeout, never a 500, no hung worker; recovery",
                  cluster.slow_statements)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
