"""Several gunicorn workers on PostgreSQL and Redis: what must agree across processes does.

Runs in the `postgres` tox env, which `make test` gives a PostgreSQL and a Redis server.
"""

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import connection

from tests.servers import CEILING, free_port, stop, wait_until_serving
from tracker.models import Task

PROJECT_DIR = Path(__file__).resolve().parent.parent
REAL_SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(
    os.environ.get("REDIS_URL")
)

pytestmark = [
    pytest.mark.skipif(
        not REAL_SERVICES,
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): the postgres tox env",
    ),
    pytest.mark.django_db(transaction=True),
]


def request(method, url, key, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Api-Key {key}")
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=CEILING) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _post_with_key(args):
    url, key, body, idempotency_key = args
    return request("POST", url, key, body, {"Idempotency-Key": idempotency_key})[0]


def _patch_if_match(args):
    url, key, body, etag, both_ready = args
    try:
        both_ready.wait(timeout=CEILING)
    except threading.BrokenBarrierError:
        raise RuntimeError(f"waited {CEILING}s for the other writer to be ready") from None
    return request("PATCH", url, key, body, {"If-Match": etag})[0]


@pytest.fixture
def server():
    """gunicorn with 4 workers on the test database and the shared Redis."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "multiprocess-test-secret-key-with-enough-length-to-pass-checks-1234",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    # --timeout: a worker still booting on a busy machine is not to be killed as stuck.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            str(CEILING),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{base}/api/schema/", process)
    yield base
    stop(process)


@pytest.fixture
def write_key(capsys):
    call_command("seed_demo", "--size", "2", "--json")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])["api_keys"]["write"]


def test_fifty_processes_posting_one_idempotency_key_create_one_row(server, write_key):
    from tracker.models import Project

    project = Project.objects.first().pk
    body = {"title": "idempotent burst", "project": project}
    jobs = [(f"{server}/api/v2/tasks/", write_key, body, "burst-key-1")] * 50
    with multiprocessing.get_context("fork").Pool(50) as pool:
        statuses = pool.map(_post_with_key, jobs)
    assert Task.objects.filter(title="idempotent burst").count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}, statuses


def test_two_processes_patching_with_one_etag_one_wins(server, write_key):
    task = Task.objects.first()
    url = f"{server}/api/v2/tasks/{task.pk}/"
    status, headers, _ = request("GET", url, write_key)
    assert status == 200
    etag = headers["ETag"]
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        # Both writers send their PATCH once both are ready, however slow the machine.
        both_ready = manager.Barrier(2)
        with context.Pool(2) as pool:
            pending = pool.map_async(
                _patch_if_match,
                [(url, write_key, {"title": f"writer {n}"}, etag, both_ready) for n in (1, 2)],
            )
            try:
                statuses = pending.get(timeout=CEILING)
            except multiprocessing.TimeoutError:
                pytest.fail(f"waited {CEILING}s for the two writers' PATCH answers")
    assert sorted(statuses) == [200, 412]
    task.refresh_from_db()
    assert task.title in ("writer 1", "writer 2")
