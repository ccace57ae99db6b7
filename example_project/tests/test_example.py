"""The example project starts, seeds, serves its API and docs, and is deploy-clean."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tracker.models import Membership, Organization, OrganizationAPIKey, Project, Task

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_credentials(capsys):
    call_command("seed_demo", "--size", "3", "--json")
    call_command("seed_demo", "--size", "3", "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    credentials = json.loads(lines[-1])
    assert credentials["username"] == "demo"
    assert credentials["password"] == "demo-password"
    assert set(credentials["api_keys"]) == {"read", "write"}
    acme = Organization.objects.get(slug="acme")
    assert set(OrganizationAPIKey.objects.values_list("owner", "name")) == {
        (acme.pk, "demo-read"),
        (acme.pk, "demo-write"),
    }
    assert Organization.objects.count() == 2
    assert Membership.objects.filter(role="admin").count() == 2
    assert Project.objects.count() == 4
    assert Task.objects.count() == 12


def demo_credentials(capsys):
    call_command("seed_demo", "--size", "2", "--json")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.django_db
def test_tasks_are_listed_with_the_demo_token(client, capsys):
    credentials = demo_credentials(capsys)
    login = client.post(
        "/api/auth/login/",
        {"username": credentials["username"], "password": credentials["password"]},
        content_type="application/json",
    )
    assert login.status_code == 200
    token = login.json()["token"]
    response = client.get(
        "/api/v2/tasks/",
        {"page_size": 2, "expand": "project"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["results"][0]["project"]["name"] == "Acme project 1"
    assert [task["title"] for task in body["results"]] == [
        "Task 1 of Acme project 1",
        "Task 2 of Acme project 1",
    ]
    assert response["X-Request-ID"]
    assert response["RateLimit-Policy"] == '"user";q=1000;w=60'


@pytest.mark.django_db
def test_api_keys_are_scoped(client, capsys):
    keys = demo_credentials(capsys)["api_keys"]
    read = {"HTTP_AUTHORIZATION": f"Api-Key {keys['read']}"}
    assert client.get("/api/v2/tasks/", **read).status_code == 200
    project = client.get("/api/v2/projects/", **read).json()["results"][0]["id"]
    body = {"title": "from an integration", "project": project}
    refused = client.post("/api/v2/tasks/", body, content_type="application/json", **read)
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    write = {"HTTP_AUTHORIZATION": f"Api-Key {keys['write']}"}
    created = client.post("/api/v2/tasks/", body, content_type="application/json", **write)
    assert created.status_code == 201


@pytest.mark.django_db
def test_requests_need_credentials_and_errors_are_problems(client):
    response = client.get("/api/v2/tasks/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["type"] == "https://tracker.example.com/docs/errors/not_authenticated"


def test_unknown_api_url_is_a_problem(client):
    response = client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_openapi_document_and_docs_page(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v2/tasks/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-with-plenty-of-entropy-1234567890",
        "ALLOWED_HOSTS": "api.example.com",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY when DEBUG=0." in result.stderr


@pytest.mark.django_db
def test_a_misspelt_filter_is_a_problem(client, capsys):
    keys = demo_credentials(capsys)["api_keys"]
    response = client.get(
        "/api/v2/tasks/", {"dnoe": "true"}, HTTP_AUTHORIZATION=f"Api-Key {keys['read']}"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Unknown query parameter.", "parameter": "dnoe"}
    ]


@pytest.mark.django_db
def test_v1_is_deprecated_and_keeps_done(client, capsys):
    keys = demo_credentials(capsys)["api_keys"]
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {keys['write']}"}
    v1 = client.get("/api/v1/tasks/", {"page_size": 1}, **auth)
    assert v1.status_code == 200
    assert set(v1.json()["results"][0]) == {"id", "project", "title", "done", "created"}
    assert v1["Deprecation"].startswith("@")
    assert v1["Sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
    assert 'rel="deprecation"' in v1["Link"]
    project = Project.objects.first().pk
    created = client.post(
        "/api/v1/tasks/",
        {"title": "v1 client", "project": project, "done": True},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    assert Task.objects.get(pk=created.json()["id"]).status == "done"
    v2 = client.get(f"/api/v2/tasks/{created.json()['id']}/", **auth)
    assert v2.json()["status"] == "done"
    assert not v2.has_header("Deprecation")


def test_committed_openapi_documents_match_the_code():
    """The contract guard, as the host's CI runs it."""
    out = io.StringIO()
    call_command("apifirst_schema", "check", "--out", str(PROJECT_DIR / "openapi"), stdout=out)
    assert "v1.yaml is up to date." in out.getvalue()
    assert "v2.yaml is up to date." in out.getvalue()


def _routes(patterns, prefix=""):
    """(route, callback) for every URL pattern, includes flattened."""
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _params(path):
    """Path parameters renamed alike ({pk} is {id} in the document)."""
    import re

    return re.sub(r"\{(?!version\})[^}]+\}", "{}", path)


def test_every_api_route_is_in_a_versions_openapi_document():
    """Nothing undocumented: each DRF operation under /api/ is in some version's document;
    only the schema and docs pages themselves are not (and are not API views)."""
    from django.urls import get_resolver
    from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator

    api_routes = [(r, cb) for r, cb in _routes(get_resolver().url_patterns) if "api" in r[:8]]
    assert api_routes
    for route, callback in api_routes:
        view_class = getattr(callback, "cls", None)
        assert view_class is not None, f"{route} is not a DRF view: it has no problem errors"
    documented = set()
    for version in ("v1", "v2"):
        schema = SchemaGenerator(api_version=version).get_schema(request=None, public=True)
        for path, item in schema["paths"].items():
            template = _params(path.replace(f"/{version}/", "/{version}/"))
            documented |= {(template, method.upper()) for method in item}
    endpoints = EndpointEnumerator().get_api_endpoints()
    assert endpoints
    undocumented = sorted(
        (path, method)
        for path, _regex, method, callback in endpoints
        if (_params(path), method) not in documented and method not in ("OPTIONS", "HEAD")
    )
    assert undocumented == []


def test_every_operation_documents_problem_errors():
    from drf_spectacular.generators import SchemaGenerator

    for version in ("v1", "v2"):
        schema = SchemaGenerator(api_version=version).get_schema(request=None, public=True)
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                errors = [s for s in operation["responses"] if s.startswith("4")]
                assert errors, f"{method} {path}"
                for status in errors:
                    content = operation["responses"][status].get("content", {})
                    assert "application/problem+json" in content, f"{method} {path} {status}"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_versions_document_is_valid_openapi(version):
    from drf_spectacular.generators import SchemaGenerator
    from openapi_spec_validator import validate

    validate(SchemaGenerator(api_version=version).get_schema(request=None, public=True))


def test_liveness(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_the_database_and_the_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readiness_says_degraded_but_stays_ready_when_the_cache_is_down(client, monkeypatch):
    """The API serves without the cache, and every host shares it: a load balancer must
    not take them all out of rotation for it."""
    from django.core.cache import caches

    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    # The backend itself, not the `cache` proxy (whose target a test may swap).
    monkeypatch.setattr(caches["default"], "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "down: ConnectionError"},
    }


@pytest.mark.django_db
def test_readiness_is_a_503_problem_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    from tracker import health

    class Refused:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", Refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["checks"] == {"database": "down: OperationalError", "cache": "ok"}


def test_gunicorn_serves_with_several_workers_and_logs_json_lines(tmp_path):
    """The production profile as deployed: gunicorn.conf.py, DEBUG=0, JSON logs."""
    import urllib.error
    import urllib.request

    from tests.servers import CEILING, free_port, stop, wait_for, wait_until_serving

    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "gunicorn-test-secret-key-long-enough-for-the-deploy-checks-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "WEB_CONCURRENCY": "3",
        "BIND": f"127.0.0.1:{port}",
        # A worker still booting on a busy machine is not to be killed as stuck.
        "GUNICORN_TIMEOUT": str(CEILING),
    }
    env.pop("REDIS_URL", None)
    log_path = tmp_path / "server.log"
    log = log_path.open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", server, log=log_path)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v2/tasks/", headers={"X-Request-ID": "trace-gunicorn-1"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=CEILING)
        assert refused.value.code == 401
        # One worker answered; the others may still be booting, and the access line is
        # written after the response.
        wait_for(
            lambda: log_path.read_text().count("Booting worker") >= 3,
            "gunicorn's three workers to boot",
        )
        wait_for(
            lambda: any(
                '"gunicorn.access"' in line and "trace-gunicorn-1" in line
                for line in log_path.read_text().splitlines()
            ),
            "gunicorn's access line of the request",
        )
    finally:
        stop(server)
    log.seek(0)
    lines = log.read().splitlines()
    booted = [line for line in lines if "Booting worker" in line]
    assert len(booted) == 3
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    traced = [entry for entry in entries if entry.get("request_id") == "trace-gunicorn-1"]
    assert {(entry["logger"], entry["level"]) for entry in traced} == {
        ("django.request", "WARNING"),  # the application's own record
        ("gunicorn.access", "INFO"),  # the server's access line
    }
    access = next(entry for entry in traced if entry["logger"] == "gunicorn.access")
    assert access["status"] == 401
    assert access["path"] == "/api/v2/tasks/"
    assert access["duration_ms"] > 0


@pytest.fixture
def in_two_organizations(demo, acme, globex):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-member")
    Membership.objects.create(organization=globex, user=user, role="admin")
    return user


def test_a_user_in_two_organizations_acts_for_the_default_one_or_names_one(
    client, as_user, in_two_organizations, acme
):
    auth = as_user("demo-member")
    default = client.get("/api/v2/tasks/", **auth)  # the first organization joined
    assert default.status_code == 200
    assert {t["project"] for t in default.json()["results"]} <= set(
        acme.projects.values_list("pk", flat=True)
    )
    Membership.objects.filter(user=in_two_organizations).update(is_default=False)
    ambiguous = client.get("/api/v2/tasks/", **auth)  # no default (data from before it)
    assert ambiguous.status_code == 400
    assert ambiguous.json()["code"] == "organization_required"
    acme_tasks = client.get("/api/v2/tasks/", HTTP_X_ORGANIZATION="acme", **auth).json()
    assert {t["project"] for t in acme_tasks["results"]} <= set(
        acme.projects.values_list("pk", flat=True)
    )
    # Member in acme, admin in globex: the role follows the organization named.
    project = acme.projects.first()
    refused = client.delete(f"/api/v2/projects/{project.pk}/", HTTP_X_ORGANIZATION="acme", **auth)
    assert refused.status_code == 403
    theirs = Project.objects.filter(organization__slug="globex").first()
    allowed = client.delete(f"/api/v2/projects/{theirs.pk}/", HTTP_X_ORGANIZATION="globex", **auth)
    assert allowed.status_code == 204


@pytest.mark.parametrize("slug", ["initech", "globex"])
def test_an_organization_you_are_not_in_looks_like_one_that_does_not_exist(client, as_user, slug):
    response = client.get("/api/v2/tasks/", HTTP_X_ORGANIZATION=slug, **as_user("demo"))
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_organization"
    assert response.json()["detail"] == "You are not a member of an organization with this slug."


def test_seed_demo_size_loads_a_bigger_data_set_quickly(db, django_assert_max_num_queries):
    from tracker.services import seed_demo

    with django_assert_max_num_queries(120):  # bulk inserts: not one query per task
        seed_demo(size=500)
    assert Task.objects.count() == 4 * 500
    assert Task.labels.through.objects.count() == 4 * 250
    seed_demo(size=500)
    assert Task.objects.count() == 4 * 500


def test_an_admin_changes_a_role_and_gets_the_new_etag(client, as_user, acme):
    auth = as_user("demo")
    member = Membership.objects.get(organization=acme, role="member")
    before = client.get(f"/api/v2/members/{member.pk}/", **auth)
    changed = client.patch(
        f"/api/v2/members/{member.pk}/",
        {"role": "admin"},
        content_type="application/json",
        HTTP_IF_MATCH=before["ETag"],
        **auth,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["role"] == "admin"
    member.refresh_from_db()
    assert member.role == "admin"
    after = client.get(f"/api/v2/members/{member.pk}/", **auth)
    assert changed["ETag"] == after["ETag"] != before["ETag"]
    stale = client.patch(
        f"/api/v2/members/{member.pk}/",
        {"role": "member"},
        content_type="application/json",
        HTTP_IF_MATCH=before["ETag"],
        **auth,
    )
    assert stale.status_code == 412


def test_an_api_key_needs_a_scope_as_its_document_says(client, as_user):
    # schemathesis' positive_data_acceptance sent `"scopes": []`, which the document
    # allowed and the server refuses.
    import yaml

    document = yaml.safe_load((PROJECT_DIR / "openapi" / "v2.yaml").read_text())
    scopes = document["components"]["schemas"]["APIKeyCreatedRequest"]["properties"]["scopes"]
    assert scopes["minItems"] == 1
    response = client.post(
        "/api/v2/api-keys/",
        {"name": "ci", "scopes": []},
        content_type="application/json",
        **as_user("demo"),
    )
    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("#/scopes", "empty")]
