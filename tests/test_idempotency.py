"""Idempotency-Key: replay byte for byte, 422 on another body, 409 in flight, one row."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.testapp import views
from tests.testapp.models import Task

pytestmark = pytest.mark.django_db


def post(client, url, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers, **extra)


def test_replay_returns_the_first_response_byte_for_byte(api_client):
    first = post(api_client, "/api/idempotent-tasks/", {"title": "Once"}, key="k-1")
    assert first.status_code == 201
    assert not first.has_header("Idempotent-Replayed")
    again = post(api_client, "/api/idempotent-tasks/", {"title": "Once"}, key="k-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert Task.objects.count() == 1


def test_same_key_with_another_body_is_a_422_problem(api_client):
    post(api_client, "/api/idempotent-tasks/", {"title": "A"}, key="k-2")
    response = post(api_client, "/api/idempotent-tasks/", {"title": "B"}, key="k-2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Task.objects.count() == 1


def test_keys_are_per_principal_and_path(api_client):
    post(api_client, "/api/idempotent-tasks/", {"title": "A"}, key="shared")
    other = post(
        api_client, "/api/idempotent-tasks/", {"title": "A"}, key="shared", REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 201
    assert not other.has_header("Idempotent-Replayed")
    assert Task.objects.count() == 2


def test_validation_failures_are_not_kept(api_client):
    bad = post(api_client, "/api/idempotent-tasks/", {"title": ""}, key="k-3")
    assert bad.status_code == 400
    fixed = post(api_client, "/api/idempotent-tasks/", {"title": "Fixed"}, key="k-3")
    assert fixed.status_code == 201
    assert fixed.json()["title"] == "Fixed"


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\tkey"])
def test_malformed_keys_are_400_problems(api_client, key):
    response = post(api_client, "/api/idempotent-tasks/", {"title": "A"}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not Task.objects.exists()


def test_a_255_character_key_is_fine(api_client):
    assert (
        post(api_client, "/api/idempotent-tasks/", {"title": "A"}, key="k" * 255).status_code == 201
    )


def test_a_view_can_require_the_key(api_client):
    response = post(api_client, "/api/key-required-tasks/", {"title": "A"})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert post(api_client, "/api/key-required-tasks/", {"title": "A"}, key="k").status_code == 201


def test_without_a_key_nothing_changes(api_client):
    post(api_client, "/api/idempotent-tasks/", {"title": "A"})
    post(api_client, "/api/idempotent-tasks/", {"title": "A"})
    assert Task.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_runs_is_a_409_problem_and_keys_do_not_block_each_other():
    views.SLOW_CREATE_GATE.clear()
    views.SLOW_CREATE_STARTED.clear()
    results = {}

    def first():
        results["first"] = post(
            APIClient(), "/api/idempotent-tasks/slow/", {"title": "s"}, key="slow-1"
        )
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    # Generous: a busy machine is slow; the wait ends as soon as the first request is in.
    assert views.SLOW_CREATE_STARTED.wait(timeout=300), "waited for the first request's create"
    try:
        retry = post(APIClient(), "/api/idempotent-tasks/slow/", {"title": "s"}, key="slow-1")
        assert retry.status_code == 409
        assert retry.json()["code"] == "idempotency_key_in_use"
        # another key is not blocked by the first one's lock
        other = post(APIClient(), "/api/idempotent-tasks/", {"title": "other"}, key="other-key")
        assert other.status_code == 201
    finally:
        views.SLOW_CREATE_GATE.set()
        thread.join()
    assert results["first"].status_code == 201
    replay = post(APIClient(), "/api/idempotent-tasks/slow/", {"title": "s"}, key="slow-1")
    assert replay["Idempotent-Replayed"] == "true"
    assert Task.objects.filter(title="s").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["cache", "database"])
def test_fifty_threads_with_one_key_create_one_row(settings, store):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": store}
    barrier = threading.Barrier(50)
    statuses = []

    def hit():
        client = APIClient()
        barrier.wait()
        try:
            response = post(client, "/api/idempotent-tasks/", {"title": "Burst"}, key="burst")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Task.objects.filter(title="Burst").count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert len(statuses) == 50


# --- the durable store: IDEMPOTENCY_STORE = "database" ---


@pytest.fixture
def database_store(settings):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}


def test_database_store_replays_and_refuses_another_body(api_client, database_store):
    from drf_apifirst.models import IdempotencyRecord

    first = post(api_client, "/api/idempotent-tasks/", {"title": "Durable"}, key="db-1")
    assert first.status_code == 201
    record = IdempotencyRecord.objects.get()
    assert record.status == 201
    assert bytes(record.content) == first.content
    from django.core.cache import cache

    cache.clear()  # a cache flush does not forget it
    again = post(api_client, "/api/idempotent-tasks/", {"title": "Durable"}, key="db-1")
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    other = post(api_client, "/api/idempotent-tasks/", {"title": "Else"}, key="db-1")
    assert other.status_code == 422
    assert Task.objects.count() == 1


def test_database_store_does_not_keep_validation_failures(api_client, database_store):
    from drf_apifirst.models import IdempotencyRecord

    assert post(api_client, "/api/idempotent-tasks/", {"title": ""}, key="db-2").status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert (
        post(api_client, "/api/idempotent-tasks/", {"title": "ok"}, key="db-2").status_code == 201
    )
