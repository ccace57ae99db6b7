"""Outgoing webhooks (drf_apifirst.webhooks): every delivery a receiver on loopback gets is
verified with the ``standardwebhooks`` package; the queue is django-tasks-db's, run by its
worker (in this process, or as a process of its own that the test kills)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from drf_apifirst.settings import find_setting_problems
from drf_apifirst.webhooks import emit, register_event, unregister_event
from drf_apifirst.webhooks.delivery import attempt_delivery, next_delay, sweep
from drf_apifirst.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from drf_apifirst.webhooks.signing import generate_secret, sign
from tests.testapp.models import Task

ROOT = Path(__file__).resolve().parent.parent
# Seconds: the most any wait below waits for what it waits for (busy machines).
CEILING = 60


def wait_for(condition: Callable[[], bool], what: str, ceiling: float = CEILING) -> None:
    deadline = time.monotonic() + ceiling
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {ceiling}s for {what}; it did not happen.")
        time.sleep(0.05)


class Receiver:
    """An HTTP receiver on 127.0.0.1 answering from a script of (status, headers)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.script: list[tuple[int, dict[str, str]]] = []
        self.hold = threading.Event()
        self.hold.set()  # cleared: the next request waits (a slow receiver)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.hold.wait(CEILING)
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, secret: str) -> list[dict]:
        """Every payload received, each verified with ``secret`` by standardwebhooks."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done", "updated"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.hold.set()
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def loopback(settings):
    """The SSRF guard lets the loopback network through (PUBLIC_URL_ALLOWED_NETWORKS), and
    retries come at once."""
    settings.DRF_APIFIRST = {
        **settings.DRF_APIFIRST,
        "PUBLIC_URL_ALLOWED_NETWORKS": ["127.0.0.0/8"],
        "WEBHOOK_RETRY_SCHEDULE": [0, 0, 0],
        "WEBHOOK_TIMEOUT": 5,
    }


@pytest.fixture
def task_events() -> Iterator[None]:
    register_event("task.updated", TaskSerializer, "A task changed.")
    register_event("task.deleted", TaskSerializer, "A task was deleted.")
    yield
    unregister_event("task.updated")
    unregister_event("task.deleted")


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("hooks-owner", password="pw")


def make_endpoint(owner, url: str, **fields) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(owner=owner, url=url, **fields)
    endpoint.full_clean(exclude=["owner_type", "owner_id"])
    endpoint.save()
    return endpoint


def run_worker() -> None:
    """django-tasks-db's worker, in this process, until no task is ready."""
    call_command("db_worker", batch=True, interval=0, no_startup_delay=True, verbosity=0)


def emit_task_updated(owner, title: str = "Ship it") -> Task:
    with transaction.atomic():
        task = Task.objects.create(title=title, owner=owner)
        emit("task.updated", task, tenant=owner)
    return task


pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_is_signed_as_standard_webhooks_says(loopback, task_events, owner, receiver):
    endpoint = make_endpoint(owner, receiver.url)
    task = emit_task_updated(owner)
    run_worker()

    [payload] = receiver.verified(endpoint.secret)
    assert payload["type"] == "task.updated"
    assert payload["data"] == {
        "id": task.pk,
        "title": "Ship it",
        "done": False,
        "updated": payload["data"]["updated"],
    }
    [(headers, _)] = receiver.requests
    message = WebhookMessage.objects.get()
    assert headers["webhook-id"] == message.id
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < CEILING
    assert headers["webhook-signature"].startswith("v1,")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (
        "delivered",
        1,
        200,
    )
    [attempt] = delivery.attempts.all()
    assert (attempt.result, attempt.status_code, attempt.response_excerpt) == (
        "delivered",
        200,
        "ok",
    )
    assert attempt.next_attempt_at is None
    assert attempt.duration_ms is not None


def test_secrets_are_whsec_and_signatures_match_the_reference_library():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    ours = sign(secret, "msg_1", 1700000000, b'{"a":1}')
    theirs = Webhook(secret).sign("msg_1", timezone.datetime.fromtimestamp(1700000000), '{"a":1}')
    assert ours == theirs


def test_fails_twice_then_succeeds_is_delivered_once_with_three_attempts_logged(
    loopback, task_events, owner, receiver
):
    endpoint = make_endpoint(owner, receiver.url)
    receiver.script = [(500, {}), (429, {"Retry-After": "0"}), (200, {})]
    emit_task_updated(owner)
    run_worker()

    payloads = receiver.verified(endpoint.secret)
    assert len(payloads) == 3
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("delivered", 3)
    attempts = list(delivery.attempts.values_list("result", "status_code"))
    assert attempts == [("retrying", 500), ("retrying", 429), ("delivered", 200)]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.is_active


def test_a_network_error_is_retried_and_the_schedule_ends_in_failure(
    loopback, task_events, owner, settings
):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "WEBHOOK_RETRY_SCHEDULE": [0]}
    # Nobody listens on port 9 of loopback: connection refused.
    make_endpoint(owner, "http://127.0.0.1:9/hooks")
    emit_task_updated(owner)
    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == (
        "failed",
        2,
        None,
    )
    results = list(delivery.attempts.values_list("result", "status_code"))
    assert results == [("retrying", None), ("failed", None)]
    assert "ConnectionRefusedError" in delivery.attempts.first().error
    assert delivery.endpoint.__class__.objects.get().failing_since is not None


def test_a_4xx_other_than_429_fails_without_retry_and_410_disables_the_endpoint(
    loopback, task_events, owner, receiver
):
    endpoint = make_endpoint(owner, receiver.url)
    receiver.script = [(410, {})]
    emit_task_updated(owner)
    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("failed", 1)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "The endpoint answered 410 Gone."
    emit_task_updated(owner)  # a disabled endpoint gets no new deliveries
    assert WebhookDelivery.objects.count() == 1


def test_an_endpoint_failing_for_too_long_is_disabled_with_the_reason(
    loopback, task_events, owner, receiver, settings
):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "WEBHOOK_DISABLE_AFTER": 60}
    endpoint = make_endpoint(owner, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(seconds=61)
    )
    receiver.script = [(503, {})] * 4
    emit_task_updated(owner)
    run_worker()

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason.startswith("Every delivery failed since ")
    assert WebhookDelivery.objects.get().status == "failed"  # the next attempt found it off


def test_retry_delays_follow_the_schedule_with_jitter_and_honour_retry_after(settings):
    settings.DRF_APIFIRST = {
        **settings.DRF_APIFIRST,
        "WEBHOOK_RETRY_SCHEDULE": [10, 100],
    }
    for _ in range(50):
        assert 10 <= next_delay(1) <= 12
        assert 100 <= next_delay(2) <= 120
    assert next_delay(3) is None
    assert next_delay(1, retry_after=50) == 50  # longer than the step: honoured
    assert next_delay(1, retry_after=10_000) == 100  # capped at the longest step


def test_the_default_schedule_spans_about_three_days():
    from drf_apifirst.settings import OPTIONS

    schedule = OPTIONS["WEBHOOK_RETRY_SCHEDULE"].default
    assert 2.5 * 86400 < sum(schedule) < 3.5 * 86400


def test_a_rolled_back_transaction_emits_nothing(loopback, task_events, owner, receiver):
    from django_tasks_db.models import DBTaskResult

    class RolledBack(Exception):
        pass

    def write_and_fail() -> None:
        with transaction.atomic():
            task = Task.objects.create(title="Never", owner=owner)
            emit("task.updated", task, tenant=owner)
            raise RolledBack()

    make_endpoint(owner, receiver.url)
    with pytest.raises(RolledBack):
        write_and_fail()
    run_worker()

    assert WebhookMessage.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert receiver.requests == []


def test_a_queue_that_is_down_at_commit_loses_nothing(
    loopback, task_events, owner, receiver, monkeypatch
):
    from drf_apifirst.webhooks import delivery

    endpoint = make_endpoint(owner, receiver.url)

    def queue_down(delivery_ids, run_after=None):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(delivery, "enqueue_deliveries", queue_down)
    emit_task_updated(owner)  # the write succeeds; the error is logged
    monkeypatch.undo()
    assert WebhookDelivery.objects.get().status == "pending"

    assert sweep() == 1
    run_worker()
    assert len(receiver.verified(endpoint.secret)) == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_only_subscribed_active_endpoints_of_the_tenant_get_the_event(
    loopback, task_events, owner, receiver
):
    other = get_user_model().objects.create_user("someone-else")
    mine = make_endpoint(owner, receiver.url, event_types=["task.updated"])
    make_endpoint(owner, receiver.url, event_types=["task.deleted"])
    make_endpoint(owner, receiver.url, is_active=False)
    make_endpoint(other, receiver.url)
    emit_task_updated(owner)
    run_worker()

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [mine.pk]
    assert len(receiver.verified(mine.secret)) == 1


def test_secret_rotation_both_secrets_verify_during_the_overlap_only_the_new_after(
    loopback, task_events, owner, receiver
):
    endpoint = make_endpoint(owner, receiver.url)
    old = endpoint.secret
    new = endpoint.rotate_secret(overlap=timedelta(hours=1))
    assert new != old
    assert new.startswith("whsec_")
    emit_task_updated(owner)
    run_worker()
    assert len(receiver.verified(old)) == len(receiver.verified(new)) == 1

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires=timezone.now() - timedelta(seconds=1)
    )
    receiver.requests.clear()
    emit_task_updated(owner)
    run_worker()
    assert len(receiver.verified(new)) == 1
    with pytest.raises(WebhookVerificationError):
        receiver.verified(old)


UNSAFE_URLS = [
    "http://127.0.0.1/hooks",
    "https://127.0.0.1/hooks",
    "https://2130706433/hooks",
    "https://0x7f.1/hooks",
    "https://0177.0.0.1/hooks",
    "https://127.1/hooks",
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://localhost/hooks",
    "https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/hooks",
    "https://10.0.0.1/hooks",
    "https://192.168.1.1/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/hooks",
    "https://100.100.100.200/hooks",
    "https://metadata.google.internal/hooks",
    "https://hooks.example.com@127.0.0.1/hooks",
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_an_unsafe_url_is_refused_at_save(owner, url):
    with pytest.raises(ValidationError) as caught:
        make_endpoint(owner, url)
    # Django's URLValidator refuses some spellings first ("invalid"); the guard the rest.
    assert {error.code for error in caught.value.error_dict["url"]} & {"unsafe_url", "invalid"}


@pytest.mark.urls("tests.webhook_urls")
@pytest.mark.parametrize("url", UNSAFE_URLS[:6] + UNSAFE_URLS[12:13])
def test_an_unsafe_url_is_a_400_problem_from_the_api(owner, url):
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post("/api/webhook-endpoints/", {"url": url}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["code"], e["pointer"]) for e in response.json()["errors"]] == [
        ("unsafe_url", "#/url")
    ]
    assert WebhookEndpoint.objects.count() == 0


def test_an_unsafe_url_is_refused_at_delivery_without_connecting(
    task_events, owner, receiver, monkeypatch
):
    # Saved while it was public; now one points at loopback (an IP literal), the other's
    # name resolves to it (DNS rebinding): neither is connected to.
    literal = make_endpoint(owner, "https://hooks.example.com/a")
    named = make_endpoint(owner, "https://hooks.example.com/b")
    WebhookEndpoint.objects.filter(pk=literal.pk).update(url=receiver.url)
    import socket

    def resolve_to_loopback(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve_to_loopback)
    emit_task_updated(owner)
    run_worker()

    assert receiver.requests == []
    for endpoint, reason in ((literal, "not a public address"), (named, "resolves to 127.0.0.1")):
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.status, delivery.attempt_count) == ("failed", 1)
        [attempt] = delivery.attempts.all()
        assert attempt.error.startswith("Refused: ")
        assert reason in attempt.error, attempt.error


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "django", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_delivery_loses_nothing(task_events, owner, receiver, settings):
    settings.DRF_APIFIRST = {
        **settings.DRF_APIFIRST,
        "PUBLIC_URL_ALLOWED_NETWORKS": ["127.0.0.0/8"],
        "WEBHOOK_TIMEOUT": 3,
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        "DRF_APIFIRST_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "DRF_APIFIRST_TEST_WEBHOOK_WORKER": "1",
    }
    endpoint = make_endpoint(owner, receiver.url)
    receiver.hold.clear()  # the receiver takes its time: the worker is mid-request
    emit_task_updated(owner)
    worker = _worker(env)
    try:
        wait_for(lambda: len(receiver.requests) == 1, "the first worker's request")
        worker.send_signal(signal.SIGKILL)
        worker.wait(CEILING)
    finally:
        worker.kill()
    receiver.hold.set()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("pending", 1)
    assert list(delivery.attempts.values_list("result", flat=True)) == ["in_progress"]

    # Restarted: the sweep enqueues the delivery once the dead worker's claim ran out.
    wait_for(lambda: sweep() == 1, "the killed worker's claim to run out (11 s)")
    worker = _worker(env)
    try:
        wait_for(
            lambda: WebhookDelivery.objects.get().status == "delivered",
            "the restarted worker to deliver",
        )
    finally:
        worker.terminate()
        worker.wait(CEILING)
    assert len(receiver.verified(endpoint.secret)) == 2  # the same webhook-id twice
    delivery.refresh_from_db()
    assert delivery.attempt_count == 2
    assert list(delivery.attempts.values_list("result", "error")) == [
        ("failed", "The worker stopped during this attempt."),
        ("delivered", ""),
    ]


def test_a_delivery_is_claimed_once(loopback, task_events, owner, receiver):
    make_endpoint(owner, receiver.url)
    emit_task_updated(owner)
    delivery = WebhookDelivery.objects.get()
    assert attempt_delivery(delivery.pk) == "delivered"
    assert attempt_delivery(delivery.pk) == "skipped"  # a duplicate task is a no-op
    assert len(receiver.requests) == 1


@pytest.mark.urls("tests.webhook_urls")
def test_the_endpoint_api(loopback, task_events, owner, receiver):
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post(
        "/api/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["task.updated"], "description": "CI"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    pk = created["id"]
    shown = client.get(f"/api/webhook-endpoints/{pk}/").json()
    assert "secret" not in shown
    assert shown["event_types"] == ["task.updated"]

    response = client.post(f"/api/webhook-endpoints/{pk}/test/")
    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.test"
    run_worker()
    [payload] = receiver.verified(secret)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint"] == pk

    log = client.get(f"/api/webhook-endpoints/{pk}/deliveries/").json()["results"]
    assert [(d["state"], d["attempt_count"]) for d in log] == [("delivered", 1)]
    assert log[0]["attempts"][0]["status_code"] == 200

    response = client.post(f"/api/webhook-endpoints/{pk}/deliveries/{log[0]['id']}/redeliver/")
    assert response.status_code == 202
    run_worker()
    assert len(receiver.verified(secret)) == 2
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]

    response = client.post(
        f"/api/webhook-endpoints/{pk}/rotate-secret/", {"overlap_seconds": 0}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["secret"].startswith("whsec_")
    assert response.json()["secret"] != secret

    response = client.post(
        "/api/webhook-endpoints/", {"url": receiver.url, "event_types": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/event_types"


@pytest.mark.urls("tests.webhook_urls")
def test_another_tenants_endpoint_is_a_404(loopback, owner, receiver):
    intruder = get_user_model().objects.create_user("intruder")
    endpoint = make_endpoint(owner, receiver.url)
    client = APIClient()
    client.force_authenticate(intruder)
    assert client.get("/api/webhook-endpoints/").json()["results"] == []
    for method, path in [
        ("get", f"/api/webhook-endpoints/{endpoint.pk}/"),
        ("patch", f"/api/webhook-endpoints/{endpoint.pk}/"),
        ("delete", f"/api/webhook-endpoints/{endpoint.pk}/"),
        ("get", f"/api/webhook-endpoints/{endpoint.pk}/deliveries/"),
        ("post", f"/api/webhook-endpoints/{endpoint.pk}/test/"),
        ("post", f"/api/webhook-endpoints/{endpoint.pk}/rotate-secret/"),
    ]:
        assert getattr(client, method)(path, {}, format="json").status_code == 404, path
    assert WebhookDelivery.objects.count() == 0
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_prune_deletes_old_finished_deliveries_and_keeps_pending_ones(
    loopback, task_events, owner, receiver
):
    make_endpoint(owner, receiver.url)
    emit_task_updated(owner)
    run_worker()
    receiver.hold.clear()
    old = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.update(created=old)
    WebhookMessage.objects.update(created=old)
    pending_message = WebhookMessage.objects.create(event_type="task.updated", payload={})
    WebhookDelivery.objects.create(
        message=pending_message, endpoint=WebhookEndpoint.objects.get(), created=old
    )
    call_command("apifirst_webhooks", "prune", verbosity=0)

    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["pending"]
    assert WebhookAttempt.objects.count() == 0
    assert list(WebhookMessage.objects.values_list("pk", flat=True)) == [pending_message.pk]


@pytest.mark.parametrize(("oas_version", "key"), [("3.1.0", "webhooks"), ("3.0.3", "x-webhooks")])
def test_event_payloads_are_in_the_openapi_document(task_events, oas_version, key):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings
    from openapi_spec_validator import validate

    with patched_settings({"OAS_VERSION": oas_version}):
        document = SchemaGenerator(urlconf="tests.webhook_urls").get_schema(public=True)
    assert document["openapi"] == oas_version
    validate(document)
    webhooks = document[key]
    assert sorted(webhooks) == ["task.deleted", "task.updated", "webhook.test"]
    operation = webhooks["task.updated"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/TaskUpdatedEvent"
    envelope = document["components"]["schemas"]["TaskUpdatedEvent"]
    assert sorted(envelope["required"]) == ["data", "timestamp", "type"]
    data = document["components"]["schemas"]["Task"]  # the response shape: read-only too
    assert {"id", "title", "done", "updated"} <= set(data["properties"])
    assert [p["name"] for p in operation["parameters"]] == [
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    ]


class TaskWithoutDoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "updated"]


@pytest.mark.parametrize("oas_version", ["3.1.0", "3.0.3"])
def test_the_contract_guard_calls_a_removed_event_type_or_payload_field_breaking(
    task_events, oas_version
):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from drf_apifirst.contract import diff_schemas

    def document():
        with patched_settings({"OAS_VERSION": oas_version}):
            return SchemaGenerator(urlconf="tests.webhook_urls").get_schema(public=True)

    before = document()
    unregister_event("task.deleted")
    register_event("task.updated", TaskWithoutDoneSerializer, "A task changed.")
    after = document()
    errors = {(c.rule, c.location) for c in diff_schemas(before, after) if c.severity == "error"}
    assert ("webhook-removed", "webhook task.deleted") in errors
    assert any(
        location.startswith("webhook task.updated payload") and "done" in location
        for _, location in errors
    ), errors


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("WEBHOOK_RETRY_SCHEDULE", []),
        ("WEBHOOK_RETRY_SCHEDULE", [5, -1]),
        ("WEBHOOK_TIMEOUT", 0),
        ("WEBHOOK_DISABLE_AFTER", "5d"),
    ],
)
def test_invalid_webhook_settings_are_reported(key, value):
    [problem] = find_setting_problems({key: value})
    assert (problem.kind, problem.key) == ("invalid", key)


def test_an_endpoints_event_types_are_documented_as_the_declared_ones(task_events):
    # The server refuses any other name (400 invalid_choice): the document must not offer
    # any string (schemathesis' positive_data_acceptance sent some to the example).
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator(urlconf="tests.webhook_urls").get_schema(public=True)
    for name in ("WebhookEndpointRequest", "PatchedWebhookEndpointRequest", "WebhookEndpoint"):
        event_types = document["components"]["schemas"][name]["properties"]["event_types"]
        items = event_types["items"]
        assert items["maxLength"] == 100  # as before the enum
        # drf-spectacular's enum postprocessing names the enum: {"allOf": [{"$ref": ...}]}
        ref = items["allOf"][0]["$ref"] if "allOf" in items else None
        enum = document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else items
        assert enum["enum"] == ["task.deleted", "task.updated", "webhook.test"], name
        assert event_types["maxItems"] == 100
