"""What each feature does while the cache or the database is down: a documented choice,
never a 500 and never a duplicate write. The cluster scenarios (scripts/cluster) do the
same with a real Redis stopped and a real PostgreSQL restarted."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import override_settings

import drf_apifirst
from drf_apifirst.models import APIKey
from tests.testapp.models import Article, Task

pytestmark = pytest.mark.django_db

CACHE_METHODS = (
    "get",
    "set",
    "add",
    "incr",
    "decr",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "touch",
)


@pytest.fixture
def dead_cache(monkeypatch):
    """Every call to the default cache fails as redis-py's does when Redis is down (its
    ConnectionError and TimeoutError are not OSErrors, so the library cannot rely on that)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refused(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    backend = caches["default"]
    for name in CACHE_METHODS:
        monkeypatch.setattr(backend, name, refused)
    return backend


def rates(**policies):
    return drf_apifirst.rest_framework_settings(
        DEFAULT_THROTTLE_RATES={"anon": None, "user": None, "api_key": None, **policies}
    )


def assert_unavailable_problem(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["status"] == 503
    assert "traceback" not in body
    return body


# --- throttles ---


def test_throttles_fail_open_by_default_while_the_cache_is_down(api_client, dead_cache):
    with override_settings(REST_FRAMEWORK=rates(anon="1/minute")):
        for _ in range(3):
            response = api_client.get("/api/tasks/", REMOTE_ADDR="10.0.0.1")
            assert response.status_code == 200
            # Nothing was counted, so nothing is promised.
            assert not response.has_header("RateLimit")


def test_throttles_fail_closed_with_a_503_problem_when_set(api_client, dead_cache, settings):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "THROTTLE_FAILURE": "closed"}
    with override_settings(REST_FRAMEWORK=rates(anon="100/minute")):
        response = api_client.get("/api/tasks/", REMOTE_ADDR="10.0.0.1")
    assert_unavailable_problem(response)


def test_the_login_limit_fails_closed_whatever_the_setting(api_client, dead_cache):
    User.objects.create_user("alice", password="correct horse")
    with override_settings(REST_FRAMEWORK=rates(login="10/minute")):
        response = api_client.post(
            "/api/auth/login/", {"username": "alice", "password": "guess"}, format="json"
        )
    assert_unavailable_problem(response)


def test_a_policy_without_a_rate_never_touches_the_cache(api_client, dead_cache):
    with override_settings(REST_FRAMEWORK=rates()):
        assert api_client.get("/api/tasks/").status_code == 200


# --- idempotency ---


def test_an_idempotent_request_is_refused_with_a_503_rather_than_risk_a_duplicate(
    api_client, dead_cache
):
    response = api_client.post(
        "/api/idempotent-tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert_unavailable_problem(response)
    assert not Task.objects.filter(title="Once").exists()


def test_a_request_without_a_key_still_works_while_the_cache_is_down(api_client, dead_cache):
    response = api_client.post("/api/idempotent-tasks/", {"title": "No key"}, format="json")
    assert response.status_code == 201
    assert Task.objects.filter(title="No key").count() == 1


def test_the_database_store_keeps_idempotency_working_while_the_cache_is_down(
    api_client, dead_cache, settings
):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    first = api_client.post(
        "/api/idempotent-tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    replay = api_client.post(
        "/api/idempotent-tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    assert Task.objects.filter(title="Once").count() == 1


def test_a_store_that_fails_after_the_write_still_answers_the_write(api_client, monkeypatch):
    """The row is committed: the client gets its 201 (a retry after a 2xx is not expected),
    and the failure to keep the response is logged, not turned into a 500."""
    from drf_apifirst.idempotency import CacheStore

    def refused(self, record_key, record):
        raise ConnectionError("cache went away")

    monkeypatch.setattr(CacheStore, "save", refused)
    response = api_client.post(
        "/api/idempotent-tasks/", {"title": "Kept"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert response.status_code == 201
    assert Task.objects.filter(title="Kept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_database_store_a_keyed_request_that_fails_midway_leaves_no_write(settings):
    """The database went away after the view's first write: a 503, and that write is
    rolled back with the request (lock, write and record share one transaction), so the
    client's retry with the same key cannot make a second row."""
    from rest_framework.test import APIClient

    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    client = APIClient(raise_request_exception=False)
    response = client.post(
        "/api/idempotent-tasks/write-then-fail/",
        {"title": "Half"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="midway",
    )
    assert_unavailable_problem(response)
    assert not Task.objects.filter(title="Half").exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_store_a_record_that_cannot_be_saved_undoes_the_write(
    settings, monkeypatch
):
    """Write and record commit together: when the record cannot be saved, the client is
    not told the write succeeded, and the write is rolled back."""
    from django.db import OperationalError
    from rest_framework.test import APIClient

    from drf_apifirst.idempotency import DatabaseStore

    def lost(self, record_key, record):
        raise OperationalError("the connection went away")

    monkeypatch.setattr(DatabaseStore, "save", lost)
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    client = APIClient(raise_request_exception=False)
    response = client.post(
        "/api/idempotent-tasks/", {"title": "Unsaved"}, format="json", HTTP_IDEMPOTENCY_KEY="u"
    )
    assert_unavailable_problem(response)
    assert not Task.objects.filter(title="Unsaved").exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_store_a_write_the_database_will_roll_back_is_not_a_201(
    settings, monkeypatch
):
    """The connection went away after the record was saved, in a statement whose error
    the library survives (freeing the key): Django then rolls the request's transaction
    back without a word when it ends. The client must not be told the write succeeded
    (the cluster's link-down scenario counted a 201 without its row)."""
    from django.db import OperationalError, transaction
    from rest_framework.test import APIClient

    from drf_apifirst.idempotency import DatabaseStore

    def dropped(self, record_key):
        # As QuerySet.delete() fails on a dead connection: inside atomic(savepoint=False),
        # which marks the request's transaction for rollback.
        with transaction.atomic(savepoint=False):
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DatabaseStore, "release", dropped)
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    client = APIClient(raise_request_exception=False)
    response = client.post(
        "/api/idempotent-tasks/", {"title": "Undone"}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    assert not Task.objects.filter(title="Undone").exists()
    assert_unavailable_problem(response)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_store_a_statement_timeout_in_the_write_is_a_503_not_a_500(
    settings, monkeypatch
):
    """A statement that fails inside Django's own rollback marker (a model's save: a
    statement timeout, a lock wait cut short) breaks the request's transaction; freeing
    the key then ran a query in it (TransactionManagementError, a 500). The lock row is
    undone with the transaction: nothing to free. (Found by the cluster's slow-statement
    scenario.)"""
    from django.db import OperationalError, transaction
    from rest_framework.test import APIClient

    from tests.testapp.views import IdempotentTaskViewSet

    def timed_out(self, serializer):
        with transaction.mark_for_rollback_on_error():
            raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(IdempotentTaskViewSet, "perform_create", timed_out, raising=False)
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    client = APIClient(raise_request_exception=False)
    response = client.post(
        "/api/idempotent-tasks/", {"title": "Slow"}, format="json", HTTP_IDEMPOTENCY_KEY="t"
    )
    assert_unavailable_problem(response)
    assert not Task.objects.filter(title="Slow").exists()
    # The key is free: the retry runs.
    monkeypatch.undo()
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "database"}
    retried = client.post(
        "/api/idempotent-tasks/", {"title": "Slow"}, format="json", HTTP_IDEMPOTENCY_KEY="t"
    )
    assert retried.status_code == 201
    assert Task.objects.filter(title="Slow").count() == 1


def _task_whose_update_survives_a_dropped_statement(monkeypatch):
    """A task, its URL, a client and its ETag; its updates then survive a statement that
    failed on a dropped connection (which marks the transaction for rollback)."""
    from django.db import OperationalError, transaction
    from rest_framework.test import APIClient

    from drf_apifirst.conditional import ConditionalRequestMixin

    task = Task.objects.create(title="Before")
    url = f"/api/conditional-tasks/{task.pk}/"
    client = APIClient(raise_request_exception=False)
    etag = client.get(url)["ETag"]
    finalize = ConditionalRequestMixin.finalize_conditional

    def survived_a_dropped_statement(self, request, response):
        try:
            with transaction.atomic(savepoint=False):
                raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            pass
        return finalize(self, request, response)

    monkeypatch.setattr(
        ConditionalRequestMixin, "finalize_conditional", survived_a_dropped_statement
    )
    return task, url, client, etag


@pytest.mark.django_db(transaction=True)
def test_an_if_match_update_the_database_will_roll_back_is_not_a_200(monkeypatch):
    """The same for the If-Match transaction: no 200 for an update that never commits."""
    task, url, client, etag = _task_whose_update_survives_a_dropped_statement(monkeypatch)
    response = client.patch(url, {"title": "After"}, format="json", HTTP_IF_MATCH=etag)
    task.refresh_from_db()
    assert task.title == "Before"
    assert_unavailable_problem(response)


@pytest.mark.django_db(transaction=True)
def test_a_keyed_if_match_update_rolled_back_is_not_kept_for_its_retry(monkeypatch):
    """With the default cache store, a keyed If-Match PATCH whose transaction will roll
    back is a 503 and its 200 is not kept: the client's retry with the same key runs the
    update instead of being told, by a replay, that the lost update happened."""
    task, url, client, etag = _task_whose_update_survives_a_dropped_statement(monkeypatch)
    headers = {"HTTP_IF_MATCH": etag, "HTTP_IDEMPOTENCY_KEY": "patch-1"}
    response = client.patch(url, {"title": "After"}, format="json", **headers)
    assert_unavailable_problem(response)
    monkeypatch.undo()
    retried = client.patch(url, {"title": "After"}, format="json", **headers)
    assert retried.status_code == 200
    assert not retried.has_header("Idempotent-Replayed")
    task.refresh_from_db()
    assert task.title == "After"


# --- the response cache ---


def test_the_response_cache_is_bypassed_while_the_cache_is_down(api_client, articles, dead_cache):
    response = api_client.get("/api/cached-articles/", {"page_size": 50})
    assert response.status_code == 200
    assert not response.has_header("X-Cache")
    assert response.json()["count"] == Article.objects.count()


def test_a_write_while_the_cache_is_down_succeeds_and_is_seen_after_it_returns(
    api_client, articles, monkeypatch
):
    """The generation bump of a write that could not reach the cache is retried by the
    next request that uses the cache, so the page cached before the outage is not served."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    article = Article.objects.get(pk=articles[0].pk)
    query = {"page_size": 50}
    assert api_client.get("/api/cached-articles/", query)["X-Cache"] == "miss"
    assert api_client.get("/api/cached-articles/", query)["X-Cache"] == "hit"
    backend = caches["default"]
    with monkeypatch.context() as down:
        for name in ("add", "incr", "set"):
            down.setattr(backend, name, _raise(RedisConnectionError("down")))
        article.title = "After"
        article.save()  # post_save cannot bump the generation
    response = api_client.get("/api/cached-articles/", query)
    assert response["X-Cache"] == "miss"
    assert "After" in [a["title"] for a in response.json()["results"]]


def _raise(exc):
    def raiser(*args, **kwargs):
        raise exc

    return raiser


# --- API keys ---


def test_api_keys_authenticate_from_the_database_while_the_cache_is_down(api_client, dead_cache):
    owner = User.objects.create_user("owner")
    _, plaintext = APIKey.objects.create_key(name="k", owner=owner, scopes=["tasks:*"])
    response = api_client.get("/api/owned-tasks/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert response.status_code == 200


# --- the database ---


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_database_that_is_down_is_a_503_problem_not_a_500(quiet_client, method, caplog):
    response = getattr(quiet_client, method)("/api/database-down/")
    body = assert_unavailable_problem(response)
    assert "10.0.0.5" not in response.content.decode()
    assert body["request_id"] == response["X-Request-ID"]
    # Still logged for the operators, with the exception.
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


def test_a_plain_django_view_under_the_api_prefix_gets_the_same_503(quiet_client):
    response = quiet_client.get("/api/plain/database-down/")
    assert_unavailable_problem(response)


def test_an_integrity_error_is_still_a_500(quiet_client, monkeypatch):
    """Only the errors that mean "the database is unreachable" are a 503."""
    from django.db import IntegrityError

    from tests.testapp import views

    monkeypatch.setattr(
        views.DatabaseDownView, "get", lambda self, request: _raise(IntegrityError("dup"))()
    )
    assert quiet_client.get("/api/database-down/").status_code == 500


# --- the setting ---


@pytest.mark.parametrize("value", ["open", "closed"])
def test_throttle_failure_accepts_open_and_closed(value):
    from drf_apifirst.settings import find_setting_problems

    assert find_setting_problems({"THROTTLE_FAILURE": value}) == []


def test_throttle_failure_refuses_anything_else():
    from drf_apifirst.settings import find_setting_problems

    [problem] = find_setting_problems({"THROTTLE_FAILURE": True})
    assert problem.kind == "invalid"
    assert "'open' or 'closed'" in problem.message


@pytest.mark.parametrize(
    ("error", "named"),
    [
        ("django.db.OperationalError", "Database unavailable (idempotency lock release)"),
        ("redis.exceptions.ConnectionError", "Cache unavailable (idempotency lock release)"),
    ],
)
def test_a_survived_store_failure_is_logged_with_the_store_that_failed(error, named, caplog):
    """The warning names the database or the cache: an operator reading it at 3 a.m. looks
    at the right server."""
    import importlib

    from drf_apifirst.faults import cache_failed

    module, _, name = error.rpartition(".")
    exc_class = getattr(importlib.import_module(module), name)
    with caplog.at_level("WARNING", logger="drf_apifirst.faults"):
        cache_failed("idempotency lock release", exc_class("gone"))
    assert [r.getMessage() for r in caplog.records] == [f"{named}: {name}: gone"]
