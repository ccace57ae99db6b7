import importlib.util

import pytest
from rest_framework.test import APIClient

# tests/contract/ drives schemathesis in process; it runs in the `contract` tox env,
# which installs it (the other envs do not carry that dependency).
collect_ignore = [] if importlib.util.find_spec("schemathesis") else ["contract"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached key lookups must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def quiet_client() -> APIClient:
    """A client that returns 500 responses instead of re-raising the view's exception."""
    return APIClient(raise_request_exception=False)


def pytest_report_header(config):
    import drf_apifirst

    return f"drf_apifirst {drf_apifirst.__version__} from {drf_apifirst.__file__}"


@pytest.fixture
def articles(db):
    """12 articles covering every field type, None values and relations included."""
    import datetime
    import decimal
    import uuid

    from tests.testapp.models import Article, Author, Tag

    ada = Author.objects.create(name="Ada", email="ada@example.com")
    bob = Author.objects.create(name="Bob")
    tags = [Tag.objects.create(name=name) for name in ("django", "api", "rest")]
    created = []
    for i in range(12):
        article = Article.objects.create(
            title=f"Article number {i}" + (" \u2028 sep" if i == 5 else ""),
            slug=f"article-{i}" if i % 4 else None,
            body="secret body",
            author=ada if i % 2 else bob,
            editor=bob if i % 3 == 0 else None,
            published=datetime.date(2026, 1, 1 + i) if i % 5 else None,
            created=datetime.datetime(2026, 2, 1, 12, i, 30, 123456, tzinfo=datetime.timezone.utc),
            rating=decimal.Decimal(f"{i}.5{i % 10}") if i % 2 else None,
            views=i * 10,
            score=i / 3,
            uid=uuid.UUID(int=i) if i % 2 == 0 else None,
            status="published" if i % 2 else "draft",
            metadata={"n": i, "nested": {"ok": True}} if i % 3 else {},
            is_public=i % 4 != 0,
        )
        article.tags.set(tags[: i % 4])
        created.append(article)
    return created
