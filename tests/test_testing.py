"""The test helpers and the pytest plugin's fixtures, as a host project uses them."""

import pytest
from django.test import override_settings
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from drf_apifirst.testing import (
    assert_constant_queries,
    assert_problem,
    assert_response_matches_schema,
)
from tests.testapp.models import Task

pytestmark = pytest.mark.django_db


def test_assert_problem_accepts_a_problem_and_returns_its_body(api_client):
    body = assert_problem(api_client.get("/api/nothing/"), status=404, code="not_found")
    assert body["instance"] == "/api/nothing/"


def test_assert_problem_fails_on_the_wrong_code_or_a_plain_response(api_client, articles):
    with pytest.raises(AssertionError, match="expected code 'parse_error', got 'not_found'"):
        assert_problem(api_client.get("/api/nothing/"), status=404, code="parse_error")
    with pytest.raises(AssertionError, match="expected status 404, got 200"):
        assert_problem(api_client.get("/api/articles/"), status=404)


def test_assert_constant_queries(api_client, articles):
    assert assert_constant_queries(api_client, "/api/nested-articles/", page_sizes=(1, 5, 10)) == 3


def test_assert_constant_queries_fails_on_n_plus_one(api_client, articles, monkeypatch):
    from drf_apifirst.serializers import QueryPlan

    monkeypatch.setattr(QueryPlan, "apply", lambda self, queryset: queryset)  # no joins
    with pytest.raises(AssertionError, match="queries per page size"):
        assert_constant_queries(api_client, "/api/nested-articles/", page_sizes=(1, 5))


def test_responses_match_the_projects_schema(api_client, articles):
    assert_response_matches_schema(api_client.get("/api/articles/", {"page_size": 3}))
    assert_response_matches_schema(api_client.get(f"/api/expandable-articles/{articles[3].pk}/"))
    assert_response_matches_schema(
        api_client.get(f"/api/expandable-articles/{articles[3].pk}/", {"expand": "author,tags"})
    )
    assert_response_matches_schema(api_client.get("/api/articles/", {"page": 99}))
    assert_response_matches_schema(api_client.get("/api/v1/vtasks/"), version="v1")


def test_an_undeclared_field_or_status_fails_the_schema_check(api_client, articles, monkeypatch):
    from tests.testapp.serializers import ArticleListSerializer

    original = ArticleListSerializer.to_representation

    def with_extra(self, instance):
        return {**original(self, instance), "secret": "leaked"}

    monkeypatch.setattr(ArticleListSerializer, "to_representation", with_extra)
    with pytest.raises(Exception, match="Additional properties are not allowed"):
        assert_response_matches_schema(api_client.get("/api/articles/"))
    response = api_client.get("/api/articles/")
    response.status_code = 418
    with pytest.raises(AssertionError, match="answered 418"):
        assert_response_matches_schema(response)


def test_token_client_fixture(token_client):
    assert token_client.get("/api/whoami/").json() == {"user": "api-user", "auth": "AuthToken"}


def test_api_key_client_fixture(api_key_client):
    reader = api_key_client(scopes=["tasks:read"])
    assert reader.get("/api/owned-tasks/").status_code == 200
    assert_problem(
        reader.post("/api/owned-tasks/", {"title": "x"}, format="json"),
        status=403,
        code="insufficient_scope",
    )
    assert not Task.objects.exists()
    assert isinstance(reader, APIClient)


class TinyView(APIView):
    permission_classes = []

    @extend_schema(responses={200: inline_serializer("Tiny", {"ok": serializers.BooleanField()})})
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("api/tiny/", TinyView.as_view())]


def test_the_schema_document_follows_settings_changes(api_client, articles):
    """The document is cached per version, and dropped when settings change (here, the
    URLconf): a helper never checks a response against a stale document."""
    assert_response_matches_schema(api_client.get("/api/articles/"))
    with override_settings(ROOT_URLCONF=__name__):
        assert_response_matches_schema(api_client.get("/api/tiny/"))
    assert_response_matches_schema(api_client.get("/api/articles/"))
