"""Benchmark: a page of 50 articles (author FK, tags M2M), four ways, one process, one run.

    make bench          (or: python -m benchmarks.run from the repository root)

(1) plain Django, values() + JsonResponse: the floor; (2) hand-tuned DRF; (3) django-ninja;
(4) drf-apifirst's ReadOnlyApiModelViewSet with its defaults; (4b) the same with
``cache_seconds`` (a cache hit: no query). Rounds are interleaved so
machine noise hits all four alike; the table shows the median per-request time through
Django's whole stack (WSGI handler, middleware, routing, view, rendering), the ratio to
(1), and the queries per request at page sizes 1, 50 and 100. Then cursor against
offset pagination on a million rows, page 1 against page 10,000.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.benchapp.models import Article, Author, Row, Tag  # noqa: E402
from drf_apifirst.pagination import CursorPagination  # noqa: E402

ARTICLES, AUTHORS, TAGS, TAGS_PER_ARTICLE = 5_000, 200, 20, 3
ROWS = 1_000_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 15))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", 40))

IMPLEMENTATIONS = {
    "(1) plain Django": "/plain/articles/",
    "(2) DRF, hand-tuned": "/drf/articles/",
    "(3) django-ninja": "/ninja/articles/",
    "(4) drf-apifirst": "/apifirst/articles/",
    "(4b) drf-apifirst, cached": "/apifirst/cached-articles/",
}

handler = WSGIHandler()
factory = RequestFactory()


def seed() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    Author.objects.bulk_create(Author(name=f"Author {i}") for i in range(AUTHORS))
    Tag.objects.bulk_create(Tag(name=f"tag-{i}") for i in range(TAGS))
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    Article.objects.bulk_create(
        Article(
            title=f"Article {i}",
            created=start + timedelta(minutes=i),
            views=i * 7 % 1000,
            author_id=1 + i % AUTHORS,
        )
        for i in range(ARTICLES)
    )
    through = Article.tags.through
    through.objects.bulk_create(
        through(article_id=a, tag_id=1 + (a + k) % TAGS)
        for a in range(1, ARTICLES + 1)
        for k in range(TAGS_PER_ARTICLE)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO benchapp_row (id, value) "
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %s) "
            "SELECT x, x %% 997 FROM c",
            [ROWS],
        )


def call(url: str, params: dict | None = None) -> tuple[int, bytes]:
    environ = factory.get(url, params or {}).environ
    response = handler(environ, lambda status, headers: None)
    body = b"".join(response)
    response.close()
    return response.status_code, body


def time_per_request(url: str, params: dict, n: int) -> float:
    environ = factory.get(url, params).environ
    start = time.perf_counter()
    for _ in range(n):
        response = handler(dict(environ), lambda status, headers: None)
        b"".join(response)
        response.close()
    return (time.perf_counter() - start) / n


def queries(url: str, page_size: int) -> int:
    """Queries of a warm request (the cached variant answers from the cache)."""
    call(url, {"page_size": page_size, "page": 2})
    with CaptureQueriesContext(connection) as captured:
        status, _ = call(url, {"page_size": page_size, "page": 2})
    assert status == 200, (url, status)
    return len(captured)


def compare() -> dict[str, float]:
    params = {"page": 3, "page_size": 50}
    for url in IMPLEMENTATIONS.values():  # warm-up, and a check that each one answers
        status, body = call(url, params)
        assert status == 200, (url, status, body[:300])
        time_per_request(url, params, 20)
    samples: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
    names = list(IMPLEMENTATIONS)
    for round_number in range(ROUNDS):
        rotation = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in rotation:
            samples[name].append(time_per_request(IMPLEMENTATIONS[name], params, PER_ROUND))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["(1) plain Django"]
    print(f"\nList of 50 articles with author (FK) and tags (M2M); {ROUNDS} rounds x {PER_ROUND}")
    header = f"{'implementation':<26} {'µs/request':>11} {'x plain':>8}"
    print(f"{header}   queries at page size 1 / 50 / 100")
    for name, url in IMPLEMENTATIONS.items():
        counts = " / ".join(str(queries(url, size)) for size in (1, 50, 100))
        print(f"{name:<26} {medians[name] * 1e6:>11.0f} {medians[name] / floor:>8.2f}   {counts}")
    return medians


def cursor_against_offset() -> dict[str, float]:
    page_size = 50
    depth = 10_000
    # The cursor of page 10,000 points after the last row of page 9,999.
    position = Row.objects.order_by("id").values_list("id", flat=True)[(depth - 1) * page_size - 1]
    paginator = CursorPagination()
    paginator.base_url = "http://testserver/"
    paginator.cursor_query_param = "cursor"
    deep_cursor = paginator.encode_cursor(
        __import__("rest_framework.pagination", fromlist=["Cursor"]).Cursor(
            offset=0, reverse=False, position=str(position)
        )
    ).split("cursor=", 1)[1]
    from urllib.parse import unquote

    cases = {
        "cursor, page 1": ("/apifirst/rows-cursor/", {"page_size": page_size}),
        "cursor, page 10,000": (
            "/apifirst/rows-cursor/",
            {"page_size": page_size, "cursor": unquote(deep_cursor)},
        ),
        "offset, page 1": ("/apifirst/rows-offset/", {"page_size": page_size}),
        "offset, page 10,000": ("/apifirst/rows-offset/", {"page_size": page_size, "page": depth}),
    }
    first_ids = {}
    for name, (url, params) in cases.items():
        status, body = call(url, params)
        assert status == 200, (name, status, body[:300])
        first_ids[name] = body[:60]
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(max(3, ROUNDS // 3)):
        for name, (url, params) in cases.items():
            samples[name].append(time_per_request(url, params, 10))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\nPagination depth on {ROWS:,} rows, {page_size} per page")
    print(f"{'case':<22} {'µs/request':>11} {'x page 1':>9}")
    for name in cases:
        base = medians["cursor, page 1" if name.startswith("cursor") else "offset, page 1"]
        print(f"{name:<26} {medians[name] * 1e6:>11.0f} {medians[name] / base:>9.2f}")
    return medians


def main() -> int:
    started = time.perf_counter()
    seed()
    elapsed = time.perf_counter() - started
    print(f"Seeded in {elapsed:.1f}s (SQLite in memory, Django {django.get_version()})")
    medians = compare()
    depth = cursor_against_offset()
    ours, ninja, drf = (
        medians["(4) drf-apifirst"],
        medians["(3) django-ninja"],
        medians["(2) DRF, hand-tuned"],
    )
    cursor_ratio = depth["cursor, page 10,000"] / depth["cursor, page 1"]
    print("\nTargets")
    for label, ratio, limit in (
        ("(4) <= (3) django-ninja", ours / ninja, 1.0),
        ("(4) <= 0.85 x (2) DRF", ours / drf, 0.85),
        ("cursor page 10,000 <= 1.5x", cursor_ratio, 1.5),
    ):
        print(f"  {label:<28} {ratio:.2f}x  {'met' if ratio <= limit else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
