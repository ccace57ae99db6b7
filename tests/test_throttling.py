"""Rate limits: exact under concurrency, RateLimit headers, 429 problems, across processes."""

import multiprocessing
import os
import queue
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

import drf_apifirst
from drf_apifirst.models import APIKey
from drf_apifirst.throttling import parse_rate
from tests.ratelimit_worker import hit_throttle

pytestmark = pytest.mark.django_db


def rates(**policies):
    return drf_apifirst.rest_framework_settings(
        DEFAULT_THROTTLE_RATES={"anon": None, "user": None, "api_key": None, **policies}
    )


@pytest.fixture
def key_headers(db):
    owner = User.objects.create_user("owner")
    _, plaintext = APIKey.objects.create_key(name="k", owner=owner, scopes=["tasks:*"])
    return {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/second", (5, 1)), ("100/minute", (100, 60)), ("7/h", (7, 3600)), ("1/day", (1, 86400))],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["lots", "5/fortnight", "/minute", "-1/minute"])
def test_parse_rate_refuses_garbage(rate):
    with pytest.raises(ValueError, match="Invalid rate"):
        parse_rate(rate)


def test_headers_on_every_response_of_a_throttled_policy(api_client, key_headers, frozen_clock):
    with override_settings(REST_FRAMEWORK=rates(api_key="5/minute", tasks="3/hour")):
        response = api_client.get("/api/owned-tasks/", **key_headers)
    assert response.status_code == 200
    assert response["RateLimit-Policy"] == '"api_key";q=5;w=60, "tasks";q=3;w=3600'
    assert response["RateLimit"] == '"api_key";r=4;t=60, "tasks";r=2;t=3600'


def test_limit_reached_is_a_429_problem_with_retry_after(api_client, key_headers, frozen_clock):
    with override_settings(REST_FRAMEWORK=rates(api_key="2/minute")):
        for _ in range(2):
            assert api_client.get("/api/owned-tasks/", **key_headers).status_code == 200
        frozen_clock[0] += 15
        response = api_client.get("/api/owned-tasks/", **key_headers)
        assert response.status_code == 429
        body = response.json()
        assert body["code"] == "throttled"
        assert response["Content-Type"] == "application/problem+json"
        assert response["Retry-After"] == "45"
        assert response["RateLimit"] == '"api_key";r=0;t=45'
        frozen_clock[0] += 45  # the next window
        assert api_client.get("/api/owned-tasks/", **key_headers).status_code == 200


def test_a_counter_that_vanishes_and_comes_back_between_add_and_incr_keeps_counting(
    frozen_clock, monkeypatch
):
    """The key expires (or is evicted) after ``add`` and another process re-creates it
    before this one's ``incr``: the count goes on from theirs, it does not restart at 1."""
    from django.core.cache import cache
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from drf_apifirst.throttling import PrincipalRateThrottle

    real_incr = cache.incr
    calls = []

    def racing_incr(key, delta=1, version=None):
        calls.append(key)
        if len(calls) == 1:
            cache.set(key, 7)  # another process's counter, made after ours vanished
            raise ValueError(f"Key '{key}' not found")
        return real_incr(key, delta, version)

    monkeypatch.setattr(cache, "incr", racing_incr)
    request = Request(APIRequestFactory().get("/", REMOTE_ADDR="10.9.8.7"))
    request._user = type("Anon", (), {"is_authenticated": False, "pk": None})()
    request._auth = None
    throttle = PrincipalRateThrottle()
    with override_settings(REST_FRAMEWORK=rates(anon="10/minute")):
        assert throttle.allow_request(request, None)
    assert throttle.state.remaining == 10 - 8
    assert len(calls) == 2


def test_principals_are_counted_apart(api_client, frozen_clock):
    first, second = User.objects.create_user("a"), User.objects.create_user("b")
    keys = []
    for owner in (first, second):
        _, plaintext = APIKey.objects.create_key(name="k", owner=owner, scopes=["tasks:*"])
        keys.append({"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"})
    with override_settings(REST_FRAMEWORK=rates(api_key="1/minute")):
        assert api_client.get("/api/owned-tasks/", **keys[0]).status_code == 200
        assert api_client.get("/api/owned-tasks/", **keys[1]).status_code == 200
        assert api_client.get("/api/owned-tasks/", **keys[0]).status_code == 429


def test_anonymous_clients_are_counted_by_address(api_client, frozen_clock):
    with override_settings(REST_FRAMEWORK={**rates(anon="1/minute")}):
        assert api_client.get("/api/tasks/", REMOTE_ADDR="10.0.0.1").status_code == 200
        assert api_client.get("/api/tasks/", REMOTE_ADDR="10.0.0.2").status_code == 200
        assert api_client.get("/api/tasks/", REMOTE_ADDR="10.0.0.1").status_code == 429


def test_exact_under_a_burst_of_threads(frozen_clock):
    """50 threads, one shared cache, a limit of 20: exactly 20 get through."""
    from rest_framework.test import APIRequestFactory

    from drf_apifirst.throttling import PrincipalRateThrottle

    factory = APIRequestFactory()
    allowed = []
    barrier = threading.Barrier(50)

    def hit():
        from rest_framework.request import Request

        request = Request(factory.get("/", REMOTE_ADDR="10.9.9.9"))
        request._user = type("Anon", (), {"is_authenticated": False, "pk": None})()
        request._auth = None
        barrier.wait()
        allowed.append(PrincipalRateThrottle().allow_request(request, None))

    with override_settings(REST_FRAMEWORK=rates(anon="20/minute")):
        threads = [threading.Thread(target=hit) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert allowed.count(True) == 20
    assert allowed.count(False) == 30


# --- across processes, on a real Redis ---

REDIS_URL = os.environ.get("REDIS_URL")
THROTTLE = "drf_apifirst.throttling.PrincipalRateThrottle"


def _redis_reachable(url):
    if not url:
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.mark.redis
@pytest.mark.skipif(
    not _redis_reachable(REDIS_URL),
    reason="needs a reachable Redis in REDIS_URL (make test starts one; CI always has it)",
)
def test_limit_holds_across_processes_sharing_redis():
    """Four processes x 300 requests against a limit of 500 per hour: 500 in total.

    (DRF's stock AnonRateThrottle, in the same run, lets hundreds more through.)"""
    import uuid

    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    prefix = f"test-{uuid.uuid4().hex}"
    processes = [
        context.Process(
            target=hit_throttle,
            args=(REDIS_URL, prefix, 300, 500, THROTTLE, start, results),
        )
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    start.set()
    counts = one_result_each(processes, results, "the four throttling processes' counts")
    assert sum(counts) == 500, counts
    assert all(process.exitcode == 0 for process in processes)


def one_result_each(processes, results, what, ceiling=300):
    """One result from each process, waiting as long as they run (a busy machine is slow).

    Fails naming ``what`` when a process dies without its result or ``ceiling`` seconds pass.
    """
    deadline = time.monotonic() + ceiling
    collected = []
    while len(collected) < len(processes):
        try:
            collected.append(results.get(timeout=1))
            continue
        except queue.Empty:
            pass
        exited = [p.exitcode for p in processes if p.exitcode is not None]
        if any(exited) or len(exited) == len(processes):
            pytest.fail(
                f"waited for {what}: processes exited (status {exited}) with "
                f"{len(collected)} of {len(processes)} results"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"waited {ceiling}s for {what}: got {len(collected)} of {len(processes)}")
    for process in processes:
        process.join(timeout=max(1.0, deadline - time.monotonic()))
    return collected
