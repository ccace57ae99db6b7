"""drf_apifirst.compat pins what the library relies on in its dependencies' private names;
an upgrade that changes one fails here. No other module may use such a name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

import drf_apifirst
from drf_apifirst import compat
from tests.testapp.models import Article, Author, Tag

SOURCE = Path(drf_apifirst.__file__).parent
# Django's documented Model._meta and manager API, and dunder names, are public.
PUBLIC = {"_meta", "_default_manager", "_base_manager"}
ATTRIBUTE = re.compile(r"(?<![\w.])(\w+)\.(_[a-z]\w*)")
STRING = re.compile(r"""["'](_[a-z]\w*)["']""")


def test_no_private_name_of_a_dependency_outside_the_compat_module():
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "compat.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            for owner, name in ATTRIBUTE.findall(code):
                if owner in ("self", "cls") or name in PUBLIC or name.startswith("_apifirst"):
                    continue
                if owner.startswith("_") or owner == "drf_apifirst" or name in _OWN_PRIVATE_NAMES:
                    continue  # the library's own private helpers
                found.append(f"{path.name}:{number}: {owner}.{name}")
            for name in STRING.findall(code):
                if (
                    name not in _OWN_PRIVATE_NAMES
                    and name not in PUBLIC
                    and not name.startswith("_apifirst")
                ):
                    found.append(f"{path.name}:{number}: {name!r}")
    assert found == []


def _own_private_names() -> set[str]:
    """Underscore names the library defines itself (functions, module globals)."""
    names = set()
    for path in SOURCE.rglob("*.py"):
        names.update(re.findall(r"^(?:def |class )?(_[a-z]\w*)", path.read_text(), re.M))
        names.update(re.findall(r"^\s+def (_[a-z]\w*)", path.read_text(), re.M))
        names.update(re.findall(r"__dict__\[\"(_[a-z]\w*)\"\]", path.read_text()))
    return names


_OWN_PRIVATE_NAMES = _own_private_names()


# --- Django ---


def test_response_was_logged_follows_djangos_log_response(caplog):
    request = HttpRequest()
    request.path = "/x/"
    response = HttpResponse(status=404)
    assert not compat.response_was_logged(response)
    log_response("Not Found: %s", "/x/", response=response, request=request)
    assert compat.response_was_logged(response)
    fresh = HttpResponse(status=404)
    compat.mark_response_logged(fresh)
    caplog.clear()
    log_response("Not Found: %s", "/x/", response=fresh, request=request)
    assert caplog.records == []  # Django skips a response marked as logged


@pytest.mark.django_db
def test_prefetched_relations_names_what_prefetch_related_loaded():
    author = Author.objects.create(name="Ada")
    article = Article.objects.create(title="t", author=author, created="2026-01-01T00:00Z")
    article.tags.add(Tag.objects.create(name="x"))
    assert "tags" not in compat.prefetched_relations(Article.objects.get(pk=article.pk))
    loaded = Article.objects.prefetch_related("tags").get(pk=article.pk)
    assert "tags" in compat.prefetched_relations(loaded)


# --- DRF ---


def test_http_request_unwraps_a_drf_request():
    django_request = APIRequestFactory().get("/x/")
    assert compat.http_request(Request(django_request)) is django_request
    assert compat.http_request(django_request) is django_request


def test_declared_fields_are_the_serializers_declared_fields():
    class Nested(serializers.Serializer):
        name = serializers.CharField()

    class Outer(serializers.Serializer):
        title = serializers.CharField()
        nested = Nested(many=True)

    declared = compat.declared_fields(Outer)
    assert list(declared) == ["title", "nested"]
    assert isinstance(declared["nested"], serializers.ListSerializer)


# --- drf-spectacular ---


@pytest.mark.django_db
def test_spectacular_private_methods_behave_as_the_schema_needs():
    """The document built through them: paginated lists with Link headers, problem
    responses with the problem media type, expandable fields as anyOf."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    listed = document["paths"]["/api/articles/"]["get"]["responses"]
    assert "Link" in listed["200"]["headers"]  # is_list_view + paginator_of
    assert list(listed["404"]["content"]) == ["application/problem+json"]  # response_for_code
    component = document["components"]["schemas"]["ExpandableArticle"]
    assert "anyOf" in component["properties"]["author"]  # map_serializer_without_extensions


@pytest.mark.django_db
def test_the_docs_page_points_at_the_requested_versions_document(api_client, settings):
    settings.DRF_APIFIRST = {
        **settings.DRF_APIFIRST,
        "VERSIONS": {"v1": {}, "v2": {}},
        "DEFAULT_VERSION": "v2",
    }
    html = api_client.get("/api/redoc/", {"version": "v1"}).content.decode()
    assert "version=v1" in html
