"""Versions: serializers per version, unknown versions, lifecycle headers, sunsets, schemas."""

import datetime
from email.utils import parsedate_to_datetime

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from drf_apifirst import versioning
from tests.testapp.models import Task

pytestmark = pytest.mark.django_db

V1_DEPRECATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
V1_SUNSET = datetime.datetime(2099, 12, 31, tzinfo=datetime.timezone.utc)


@pytest.fixture
def task(db):
    return Task.objects.create(title="Write docs")


@pytest.fixture
def clock(monkeypatch):
    now = [datetime.datetime(2026, 11, 27, tzinfo=datetime.timezone.utc)]
    monkeypatch.setattr(versioning, "now", lambda: now[0])
    return now


def test_serializer_by_version(api_client, task):
    v1 = api_client.get(f"/api/v1/vtasks/{task.pk}/").json()
    v2 = api_client.get(f"/api/v2/vtasks/{task.pk}/").json()
    assert v1 == {"id": task.pk, "title": "Write docs", "done": False}
    assert v2 == {"id": task.pk, "name": "Write docs", "done": False}


def test_writes_use_the_versions_serializer(api_client):
    response = api_client.post("/api/v2/vtasks/", {"name": "From v2"}, format="json")
    assert response.status_code == 201
    response = api_client.post("/api/v1/vtasks/", {"title": "From v1"}, format="json")
    assert response.status_code == 201
    assert sorted(Task.objects.values_list("title", flat=True)) == ["From v1", "From v2"]


def test_unknown_version_in_the_path_is_a_404_problem_listing_versions(api_client):
    response = api_client.get("/api/v9/vtasks/")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "unknown_version"
    assert body["detail"] == "Unknown API version 'v9'. Versions: v1, v2."
    assert body["versions"] == ["v1", "v2"]


def test_unknown_version_in_the_accept_header_is_a_406_problem(rf):
    from rest_framework.test import APIRequestFactory

    from tests.testapp.views import VersionedTaskViewSet

    class AcceptVersioned(VersionedTaskViewSet):
        versioning_class = versioning.AcceptHeaderVersioning

    view = AcceptVersioned.as_view({"get": "list"})
    factory = APIRequestFactory()
    ok = view(factory.get("/", HTTP_ACCEPT="application/json; version=v1"))
    ok.render()
    assert ok.status_code == 200
    assert ok["Deprecation"] == f"@{int(V1_DEPRECATED.timestamp())}"
    bad = view(factory.get("/", HTTP_ACCEPT="application/json; version=v7"))
    bad.render()
    assert bad.status_code == 406
    assert bad.data["code"] == "unknown_version"
    assert bad.data["versions"] == ["v1", "v2"]
    default = view(factory.get("/", HTTP_ACCEPT="application/json"))
    default.render()
    assert default.status_code == 200
    assert not default.has_header("Deprecation")


def test_deprecated_version_headers_parse_back(api_client, clock):
    response = api_client.get("/api/v1/vtasks/")
    assert response.status_code == 200
    deprecation = response["Deprecation"]
    assert deprecation.startswith("@")
    assert int(deprecation[1:]) == int(V1_DEPRECATED.timestamp())
    assert parsedate_to_datetime(response["Sunset"]) == V1_SUNSET
    assert response["Sunset"] == "Thu, 31 Dec 2099 00:00:00 GMT"
    assert response["Link"] == (
        '<https://docs.example.com/migrate-to-v2>; rel="deprecation", '
        '<https://docs.example.com/migrate-to-v2>; rel="sunset"'
    )


def test_current_version_has_no_lifecycle_headers(api_client):
    response = api_client.get("/api/v2/vtasks/")
    for header in ("Deprecation", "Sunset"):
        assert not response.has_header(header)


def test_lifecycle_headers_are_on_errors_too_and_links_add_up(api_client, task):
    missing = api_client.get("/api/v1/vtasks/999/")
    assert missing.status_code == 404
    assert missing.has_header("Deprecation")
    listing = api_client.get("/api/v1/vtasks/", {"page_size": 1})
    Task.objects.create(title="second")
    listing = api_client.get("/api/v1/vtasks/", {"page_size": 1})
    assert listing["Link"].startswith(
        '<http://testserver/api/v1/vtasks/?page=2&page_size=1>; rel="next", '
    )
    assert listing["Link"].endswith('rel="sunset"')


def test_after_the_sunset_a_version_is_gone(api_client, clock):
    clock[0] = V1_SUNSET + datetime.timedelta(seconds=1)
    response = api_client.get("/api/v1/vtasks/")
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "version_sunset"
    assert response.has_header("Sunset")
    assert api_client.get("/api/v2/vtasks/").status_code == 200


def test_after_the_sunset_warn_only(api_client, clock, settings):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "AFTER_SUNSET": "warn"}
    clock[0] = V1_SUNSET + datetime.timedelta(days=1)
    response = api_client.get("/api/v1/vtasks/")
    assert response.status_code == 200
    assert response.has_header("Sunset")


def test_deprecated_endpoint(api_client, clock):
    clock[0] = datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc)
    response = api_client.get("/api/v2/vtasks/stats/")
    assert response.status_code == 200
    assert response["Deprecation"] == "@" + str(
        int(datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc).timestamp())
    )
    assert response["Link"] == (
        '<https://docs.example.com/stats>; rel="deprecation", '
        '<https://docs.example.com/stats>; rel="sunset"'
    )
    clock[0] = datetime.datetime(2026, 9, 2, tzinfo=datetime.timezone.utc)
    assert api_client.get("/api/v2/vtasks/stats/").status_code == 410


def test_action_only_from_a_version_on(api_client, task):
    assert api_client.post(f"/api/v1/vtasks/{task.pk}/complete/").status_code == 404
    response = api_client.post(f"/api/v2/vtasks/{task.pk}/complete/")
    assert response.status_code == 200
    assert response.json()["done"] is True


def test_deprecate_refuses_a_sunset_before_the_deprecation():
    with pytest.raises(ValueError, match="the sunset is before the deprecation"):
        versioning.deprecate(deprecated="2027-01-01", sunset="2026-01-01")


# --- one OpenAPI document per version ---


def schema_for(version):
    return SchemaGenerator(api_version=version).get_schema(request=None, public=True)


def test_each_version_has_its_own_document():
    v1, v2 = schema_for("v1"), schema_for("v2")
    assert "/api/v1/vtasks/" in v1["paths"]
    assert "/api/v2/vtasks/" not in v1["paths"]
    assert "/api/v2/vtasks/" in v2["paths"]
    # the serializers differ
    v1_task = v1["components"]["schemas"]["TaskV1"]["properties"]
    v2_task = v2["components"]["schemas"]["TaskV2"]["properties"]
    assert set(v1_task) == {"id", "title", "done"}
    assert set(v2_task) == {"id", "name", "done"}
    # complete exists from v2 on
    assert "/api/v2/vtasks/{id}/complete/" in v2["paths"]
    assert "/api/v1/vtasks/{id}/complete/" not in v1["paths"]


def test_deprecated_version_operations_are_marked_with_their_headers():
    v1, v2 = schema_for("v1"), schema_for("v2")
    listing = v1["paths"]["/api/v1/vtasks/"]["get"]
    assert listing["deprecated"] is True
    assert set(listing["responses"]["200"]["headers"]) >= {"Deprecation", "Sunset", "Link"}
    assert "410" in listing["responses"]
    assert "deprecated" not in v2["paths"]["/api/v2/vtasks/"]["get"]
    stats = v2["paths"]["/api/v2/vtasks/stats/"]["get"]
    assert stats["deprecated"] is True


def test_schema_view_serves_a_version(api_client):
    v1 = api_client.get("/api/schema/", {"format": "json", "version": "v1"}).json()
    assert "/api/v1/vtasks/" in v1["paths"]
    default = api_client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v2/vtasks/" in default["paths"]
    assert "/api/v1/vtasks/" not in default["paths"]


def test_schema_view_refuses_an_unknown_version(api_client):
    response = api_client.get("/api/schema/", {"format": "json", "version": "v9"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_version"


@override_settings(DRF_APIFIRST={"VERSIONS": {"v1": {}, "v2": {}}, "DEFAULT_VERSION": "v2"})
def test_versions_are_read_at_request_time(api_client):
    response = api_client.get("/api/v1/vtasks/")
    assert response.status_code == 200
    assert not response.has_header("Deprecation")


def test_swagger_ui_has_a_version_switch(api_client):
    response = api_client.get("/api/docs/")
    html = response.content.decode()
    assert 'id="apifirst-versions"' in html
    assert '<strong aria-current="page">v2</strong>' in html
    assert '<a href="?version=v1">v1</a> (deprecated)' in html
    assert response.data["schema_url"] == "/api/schema/?version=v2"
    v1 = api_client.get("/api/docs/", {"version": "v1"})
    assert '<strong aria-current="page">v1</strong>' in v1.content.decode()
    assert v1.data["schema_url"] == "/api/schema/?version=v1"
    redoc = api_client.get("/api/redoc/", {"version": "v1"})
    assert redoc.status_code == 200
    assert redoc.data["schema_url"] == "/api/schema/?version=v1"


def test_unversioned_endpoints_are_not_deprecated_in_an_old_versions_document():
    v1 = schema_for("v1")
    assert "deprecated" not in v1["paths"]["/api/auth/login/"]["post"]
    assert v1["paths"]["/api/v1/vtasks/"]["get"]["deprecated"] is True
