"""The example's webhooks end to end: an organization's endpoint gets task and comment
events from a worker running as its own process (``manage.py db_worker``), each verified
with the ``standardwebhooks`` package.

The worker shares the test database, so this runs where that database is a server: the
postgres tox env (the example env's SQLite test database lives in memory). The OWASP
module runs the same deliveries with the worker in the test process, on both.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from standardwebhooks.webhooks import Webhook

from drf_apifirst.webhooks.models import WebhookDelivery
from tests.servers import stop, wait_for
from tracker.models import Task

PROJECT_DIR = Path(__file__).resolve().parent.parent
JSON = "application/json"

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the worker process shares the test database: PostgreSQL (the postgres env)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker():
    """``manage.py db_worker`` on the test database, allowed to reach loopback."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        "PUBLIC_URL_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    stop(process)


def test_task_and_comment_events_reach_the_receiver_through_the_worker_process(
    client, as_user, acme, receiver, worker
):
    auth = as_user("demo")
    allowed = {**settings.DRF_APIFIRST, "PUBLIC_URL_ALLOWED_NETWORKS": ["127.0.0.1/32"]}
    with override_settings(DRF_APIFIRST=allowed):
        created = client.post(
            "/api/v2/webhook-endpoints/",
            {"url": receiver.url, "event_types": ["task.updated", "comment.created"]},
            content_type=JSON,
            **auth,
        )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    task = Task.objects.filter(project__organization=acme).first()
    assert (
        client.patch(
            f"/api/v2/tasks/{task.pk}/", {"status": "done"}, content_type=JSON, **auth
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/v2/comments/", {"task": task.pk, "body": "Shipped."}, content_type=JSON, **auth
        ).status_code
        == 201
    )

    wait_for(lambda: len(receiver.received) == 2, "two deliveries from the worker process")
    events = sorted(
        (Webhook(secret).verify(body, headers) for _, headers, body in receiver.received),
        key=lambda event: event["type"],
    )
    assert [event["type"] for event in events] == ["comment.created", "task.updated"]
    assert events[0]["data"]["body"] == "Shipped."
    assert (events[1]["data"]["id"], events[1]["data"]["status"]) == (task.pk, "done")
    wait_for(
        lambda: set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"},
        "both deliveries to be logged as delivered",
    )
    assert worker.poll() is None
