"""The example project starts, seeds, serves its API and docs, and is deploy-clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tracker.models import Project, Task

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_credentials(capsys):
    call_command("seed_demo", "--size", "3", "--json")
    call_command("seed_demo", "--size", "3", "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == {"username": "demo", "password": "demo-password"}
    assert Project.objects.count() == 2
    assert Task.objects.count() == 6


@pytest.mark.django_db
def test_tasks_are_listed(client):
    call_command("seed_demo", "--size", "2")
    response = client.get("/api/tasks/", {"page_size": 2, "expand": "project"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["results"][0]["project"]["name"] == "Demo project 1"
    assert [task["title"] for task in body["results"]] == [
        "Task 1 of Demo project 1",
        "Task 2 of Demo project 1",
    ]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_writes_need_credentials_and_errors_are_problems(client):
    response = client.post("/api/tasks/", {"title": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "https://tracker.example.com/docs/errors/not_authenticated"


def test_unknown_api_url_is_a_problem(client):
    response = client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_openapi_document_and_docs_page(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/tasks/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-with-plenty-of-entropy-1234567890",
        "ALLOWED_HOSTS": "api.example.com",
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
def test_a_misspelt_filter_is_a_problem(client):
    response = client.get("/api/tasks/", {"dnoe": "true"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Unknown query parameter.", "parameter": "dnoe"}
    ]
