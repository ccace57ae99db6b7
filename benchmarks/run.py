"""Benchmark: seven shapes real APIs have, four stacks, one process, one run.

    make bench          (or: python -m benchmarks.run from the repository root)

Shapes (benchmarks/urls.py): a page of 50 articles (author FK, tags M2M) with the tags as
ids, as slugs and as nested objects; method fields and a dotted source; a detail; a create
(validated, FK + M2M ids); the list behind an API key. Stacks: (1) plain Django, values()
+ JsonResponse: the floor; (2) hand-tuned DRF; (3) django-ninja; (4) drf-apifirst's
viewsets with their defaults. Every request goes through Django's whole stack (WSGI
handler, middleware, routing, view, rendering); the four stacks are first checked to
answer the same JSON for every row.

Measurement: per shape, rounds are interleaved (every stack once per round, the order
rotated from round to round) and garbage is collected before each batch, outside the
timer, so machine noise hits all four alike. A ratio is taken within each round; the
table shows its median and, in brackets, its interquartile range over the rounds. Then
cursor against offset pagination on a million rows, page 1 against page 10,000.
"""

from __future__ import annotations

import gc
import io
import json
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.benchapp.models import Article, Author, Row, Tag  # noqa: E402
from drf_apifirst.models import APIKey  # noqa: E402
from drf_apifirst.pagination import CursorPagination  # noqa: E402

ARTICLES, AUTHORS, TAGS, TAGS_PER_ARTICLE = 5_000, 200, 20, 3
ROWS = 1_000_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 11))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", 20))
DETAIL_PK = 2_345
CREATE_BODY = json.dumps(
    {
        "title": "A new article",
        "created": "2026-03-01T00:00:00Z",
        "views": 3,
        "author": 7,
        "tags": [2, 5, 9],
    }
).encode()

STACKS = ("plain", "drf", "ninja", "apifirst")
STACK_NAMES = {
    "plain": "plain Django",
    "drf": "DRF, hand-tuned",
    "ninja": "django-ninja",
    "apifirst": "drf-apifirst",
}
SHAPE_NAMES = {
    "ids": "list, M2M as ids, nested FK",
    "slugs": "list, M2M as slugs (names)",
    "nested": "list, M2M as nested objects",
    "method": "list, method field + author.name",
    "detail": "detail of one row",
    "create": "create (FK + M2M ids)",
    "apikey": "list with API-key auth",
}
LIST_SHAPES = ("ids", "slugs", "nested", "method", "apikey")
# Targets of issue #21: ours / ninja, ours / DRF, ours / plain (per kind of shape).
TARGET_NINJA, TARGET_DRF = 0.85, 0.7
TARGET_PLAIN = {"detail": 1.25, "create": 1.1, **dict.fromkeys(LIST_SHAPES, 1.5)}

handler = WSGIHandler()
factory = RequestFactory()
api_key_header: dict[str, str] = {}


def seed() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    Author.objects.bulk_create(Author(name=f"Author {i}") for i in range(AUTHORS))
    Tag.objects.bulk_create(Tag(name=f"tag-{i}") for i in range(TAGS))
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    Article.objects.bulk_create(
        Article(
            title=f"Article number {i}",
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
    owner = get_user_model().objects.create_user("bench")
    _, key = APIKey.objects.create_key(name="bench", owner=owner)
    api_key_header["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO benchapp_row (id, value) "
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %s) "
            "SELECT x, x %% 997 FROM c",
            [ROWS],
        )


def request_environ(stack: str, shape: str, page_size: int = 50) -> dict:
    """The WSGI environ of one request of ``shape`` to ``stack``."""
    if shape == "create":
        url = f"/{stack}/create/"
        return factory.post(url, CREATE_BODY, content_type="application/json").environ
    if shape == "detail":
        url = f"/{stack}/detail/{DETAIL_PK}/"
        return factory.get(url).environ
    extra = api_key_header if shape == "apikey" else {}
    return factory.get(f"/{stack}/{shape}/", {"page": 3, "page_size": page_size}, **extra).environ


def prepare(environ: dict) -> tuple[dict, bytes]:
    """An environ whose body can be replayed: (environ without input, body bytes)."""
    stream = environ["wsgi.input"]
    body = stream.read() if hasattr(stream, "read") else b""
    return {**environ, "wsgi.input": None}, body


def time_per_request(prepared: tuple[dict, bytes], n: int) -> float:
    environ, body = prepared
    environs = [{**environ, "wsgi.input": io.BytesIO(body)} for _ in range(n)]
    gc.collect()
    start = time.perf_counter()
    for env in environs:
        response = handler(env, lambda status, headers: None)
        b"".join(response)
        response.close()
    return (time.perf_counter() - start) / n


def replay(prepared: tuple[dict, bytes]) -> tuple[int, bytes]:
    environ, body = prepared
    response = handler({**environ, "wsgi.input": io.BytesIO(body)}, lambda s, h: None)
    content = b"".join(response)
    response.close()
    return response.status_code, content


def rows_of(stack: str, shape: str, body: bytes) -> object:
    """The part of a response all four stacks must agree on."""
    data = json.loads(body)
    if shape == "create":
        data.pop("id")
        return data
    if shape == "detail":
        return data
    return data["items" if stack == "ninja" else "results"]


def count_queries(prepared: tuple[dict, bytes]) -> int:
    replay(prepared)  # warm
    with CaptureQueriesContext(connection) as captured:
        status, body = replay(prepared)
    assert status in (200, 201), (status, body[:300])
    return len(captured)


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 4:
        return min(values), statistics.median(values), max(values)
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


def compare_shapes() -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per shape: per-round ratios of ours to each other stack, and the queries."""
    ratios: dict[str, dict[str, tuple[float, float, float]]] = {}
    print(
        f"\nSeven shapes, four stacks; {ROUNDS} rounds x {PER_ROUND} requests per stack, "
        "interleaved, order rotated, gc before each batch"
    )
    print(
        f"{'shape':<34} {'plain µs':>9} {'ours/ninja':>17} {'ours/DRF':>17} {'ours/plain':>17}"
        f"   queries plain/DRF/ninja/ours (ours at page size 1/50/100)"
    )
    for shape in SHAPE_NAMES:
        prepared = {stack: prepare(request_environ(stack, shape)) for stack in STACKS}
        answers = {}
        for stack in STACKS:
            status, body = replay(prepared[stack])
            assert status in (200, 201), (stack, shape, status, body[:400])
            answers[stack] = rows_of(stack, shape, body)
            time_per_request(prepared[stack], 3)  # warm-up
        for stack in STACKS:
            assert answers[stack] == answers["plain"], (shape, stack, str(answers[stack])[:300])
        samples: dict[str, list[float]] = {stack: [] for stack in STACKS}
        for round_number in range(ROUNDS):
            k = round_number % len(STACKS)
            for stack in STACKS[k:] + STACKS[:k]:
                samples[stack].append(time_per_request(prepared[stack], PER_ROUND))
        ours = samples["apifirst"]
        ratios[shape] = {
            other: quartiles([a / b for a, b in zip(ours, samples[other], strict=True)])
            for other in ("ninja", "drf", "plain")
        }
        counts = "/".join(str(count_queries(prepared[stack])) for stack in STACKS)
        if shape in LIST_SHAPES:
            sizes = (
                " ("
                + "/".join(
                    str(count_queries(prepare(request_environ("apifirst", shape, size))))
                    for size in (1, 50, 100)
                )
                + ")"
            )
        else:
            sizes = ""
        cells = " ".join(f"{r[1]:>5.2f} ({r[0]:.2f}-{r[2]:.2f})" for r in ratios[shape].values())
        plain_us = statistics.median(samples["plain"]) * 1e6
        print(f"{SHAPE_NAMES[shape]:<34} {plain_us:>9.0f} {cells}   {counts}{sizes}")
    return ratios


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
    prepared = {
        name: prepare(factory.get(url, params).environ) for name, (url, params) in cases.items()
    }
    for name in cases:
        status, body = replay(prepared[name])
        assert status == 200, (name, status, body[:300])
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(max(3, ROUNDS // 3)):
        for name in cases:
            samples[name].append(time_per_request(prepared[name], 10))
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
    print(
        f"Seeded in {elapsed:.1f}s (SQLite in memory, Django {django.get_version()}, "
        f"Python {sys.version.split()[0]})"
    )
    ratios = compare_shapes()
    depth = cursor_against_offset()
    cursor_ratio = depth["cursor, page 10,000"] / depth["cursor, page 1"]
    print(
        "\nTargets (medians): ours <= 0.85x ninja, <= 0.7x DRF; <= 1.5x plain on lists, "
        "1.25x on the detail, 1.1x on the create"
    )
    missed = 0
    for shape, by_stack in ratios.items():
        checks = (
            ("ninja", TARGET_NINJA),
            ("drf", TARGET_DRF),
            ("plain", TARGET_PLAIN[shape]),
        )
        verdicts = []
        for other, limit in checks:
            median = by_stack[other][1]
            ok = median <= limit
            missed += not ok
            verdicts.append(f"{other} {median:.2f}/{limit:.2f} {'met' if ok else 'NOT met'}")
        print(f"  {SHAPE_NAMES[shape]:<34} " + ", ".join(verdicts))
    print(
        f"  cursor page 10,000 <= 1.5x page 1: {cursor_ratio:.2f}x "
        f"{'met' if cursor_ratio <= 1.5 else 'NOT met'}"
    )
    print(f"  {missed} shape target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
