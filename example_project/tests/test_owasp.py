"""The OWASP API Security Top 10 (2023), item by item, against the example project.

Each section names the risk and tests what an attacker would try. The module runs on
SQLite + local memory (the ``example`` tox env) and on PostgreSQL + Redis (``postgres``).
"""

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from drf_apifirst.testing import assert_problem
from drf_apifirst.webhooks.models import WebhookDelivery, WebhookEndpoint
from tracker.models import Label, Membership, OrganizationAPIKey, Project, Task

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROBLEM = "application/problem+json"
JSON = "application/json"


def a_task_of(organization):
    return Task.objects.filter(project__organization=organization).first()


# --- API1:2023 Broken object level authorization -----------------------------------------


def test_api1_an_idempotent_replay_never_crosses_organizations(client, as_user, acme, globex):
    """Hardening #15.3: the same Idempotency-Key and body, acting for two organizations."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-member")
    Membership.objects.create(organization=globex, user=user, role="member")
    auth = {**as_user("demo-member"), "HTTP_IDEMPOTENCY_KEY": "one-key"}
    created = [
        client.post(
            "/api/v2/labels/",
            {"name": "urgent"},
            content_type=JSON,
            HTTP_X_ORGANIZATION=slug,
            **auth,
        )
        for slug in ("acme", "globex")
    ]
    assert [response.status_code for response in created] == [201, 201]
    assert not created[1].has_header("Idempotent-Replayed")
    assert Label.objects.filter(organization=acme, name="urgent").count() == 1
    assert Label.objects.filter(organization=globex, name="urgent").count() == 1


@pytest.mark.parametrize("credentials", ["token", "key"])
def test_api1_another_organizations_task_is_not_found(
    client, as_user, as_key, acme, globex, credentials
):
    auth = (
        as_user("demo") if credentials == "token" else as_key(acme, ["tasks:read", "tasks:write"])
    )
    theirs = a_task_of(globex)
    url = f"/api/v2/tasks/{theirs.pk}/"
    for method in (client.get, client.patch, client.put, client.delete):
        response = method(url, {"title": "mine now"}, content_type=JSON, **auth)
        # Exactly what an id that exists nowhere answers: no existence oracle.
        assert (
            assert_problem(response, status=404, code="not_found")["detail"]
            == client.get("/api/v2/tasks/999999/", **auth).json()["detail"]
        )
    theirs.refresh_from_db()
    assert theirs.title != "mine now"
    assert Task.objects.filter(pk=theirs.pk).exists()


def test_api1_lists_show_only_the_callers_organization(client, as_user, acme, globex):
    auth = as_user("globex-member")
    for resource, model, path in [
        ("tasks", Task, "project__organization"),
        ("projects", Project, "organization"),
        ("labels", Label, "organization"),
        ("members", Membership, "organization"),
    ]:
        body = client.get(f"/api/v2/{resource}/", {"page_size": 100}, **auth).json()
        ids = {row["id"] for row in body["results"]}
        assert ids == set(model.objects.filter(**{path: globex}).values_list("pk", flat=True))
        assert body["count"] == len(ids) > 0


def test_api1_writes_cannot_point_at_another_organizations_rows(client, as_user, acme, globex):
    auth = as_user("demo")
    their_project = Project.objects.filter(organization=globex).first()
    their_label = Label.objects.filter(organization=globex).first()
    their_user = Membership.objects.filter(organization=globex).first().user
    response = client.post(
        "/api/v2/tasks/",
        {
            "title": "sneaky",
            "project": their_project.pk,
            "labels": [their_label.pk],
            "assignee": their_user.pk,
        },
        content_type=JSON,
        **auth,
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert {error["pointer"] for error in body["errors"]} == {
        "#/project",
        "#/labels",
        "#/assignee",
    }
    assert all("does not exist" in error["detail"] for error in body["errors"])
    assert not Task.objects.filter(title="sneaky").exists()


def test_api1_filters_do_not_reveal_another_organizations_ids(client, as_user, globex):
    """Hardening #15.7: the library limits filter choices to the organization."""
    auth = as_user("demo")
    their_project = Project.objects.filter(organization=globex).first()
    theirs = client.get("/api/v2/tasks/", {"project": their_project.pk}, **auth)
    nobodys = client.get("/api/v2/tasks/", {"project": 999999}, **auth)
    assert theirs.status_code == nobodys.status_code == 400
    assert theirs.json()["errors"][0]["detail"] == nobodys.json()["errors"][0]["detail"]


def test_api1_a_user_switching_organizations_never_gets_the_others_cached_labels(
    client, as_user, acme, globex
):
    """Hardening #15.4: the cached label list is keyed by the organization acted for."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-member")
    Membership.objects.create(organization=globex, user=user, role="member")
    Label.objects.create(organization=globex, name="globex-only")
    auth = as_user("demo-member")
    for slug, organization in (("acme", acme), ("globex", globex), ("acme", acme)):
        response = client.get("/api/v2/labels/", HTTP_X_ORGANIZATION=slug, **auth)
        names = {label["name"] for label in response.json()["results"]}
        assert names == set(organization.labels.values_list("name", flat=True)), slug
    assert response["X-Cache"] == "hit"  # the cache is on, and keyed right


def test_api3_removing_a_label_is_never_hidden_by_a_304(client, as_user, acme):
    """Hardening #15.6: the task's ETag covers its labels, not only its row."""
    auth = as_user("demo")
    task = a_task_of(acme)
    label = Label.objects.filter(organization=acme).first()
    task.labels.add(label)
    url = f"/api/v2/tasks/{task.pk}/"
    etag = client.get(url, **auth)["ETag"]
    task.labels.remove(label)  # the task's row and `updated` are untouched
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert fresh.status_code == 200
    assert label.pk not in fresh.json()["labels"]


# --- API2:2023 Broken authentication -----------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "Api-Key not-a-key",
        "Api-Key ",
        "Token 0000000000000000000000000000000000000000000000000000000000000000",
        "Token",
        "Bearer abc",
    ],
)
def test_api2_malformed_or_unknown_credentials_are_401(client, demo, authorization):
    response = client.get("/api/v2/tasks/", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.has_header("WWW-Authenticate")


def test_api2_expired_and_revoked_keys_are_401_like_unknown_ones(client, acme, as_key):
    expired = as_key(acme, ["tasks:read"], expiry_date=timezone.now() - timedelta(seconds=1))
    revoked = as_key(acme, ["tasks:read"])
    OrganizationAPIKey.objects.get(name="test", expiry_date=None).revoke()
    unknown = {"HTTP_AUTHORIZATION": "Api-Key AAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}
    bodies = []
    for auth in (expired, revoked, unknown):
        response = client.get("/api/v2/tasks/", **auth)
        bodies.append(assert_problem(response, status=401, code="authentication_failed")["detail"])
    assert len(set(bodies)) == 1  # nothing tells which keys exist


def test_api2_expired_tokens_are_401(client, as_user):
    from knox.models import AuthToken

    auth = as_user("demo")
    assert client.get("/api/v2/tasks/", **auth).status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert_problem(client.get("/api/v2/tasks/", **auth), status=401, code="authentication_failed")


def test_api2_logged_out_tokens_stop_working(client, as_user):
    auth = as_user("demo")
    assert client.get("/api/v2/tasks/", **auth).status_code == 200
    assert client.post("/api/auth/logout/", **auth).status_code == 204
    assert_problem(client.get("/api/v2/tasks/", **auth), status=401, code="authentication_failed")


def test_api2_password_guessing_is_throttled(client, demo, frozen_clock):
    attempts = [
        client.post(
            "/api/auth/login/",
            {"username": "demo", "password": f"guess-{n}"},
            content_type=JSON,
        )
        for n in range(11)
    ]
    assert {response.status_code for response in attempts[:10]} == {400}
    assert_problem(attempts[10], status=429, code="throttled")
    assert int(attempts[10]["Retry-After"]) > 0
    # Even the right password waits now.
    right = client.post(
        "/api/auth/login/", {"username": "demo", "password": "demo-password"}, content_type=JSON
    )
    assert right.status_code == 429


@pytest.mark.parametrize("trusted", [0, 1])
def test_api2_rotating_x_forwarded_for_does_not_reset_the_login_limit(
    client, demo, frozen_clock, settings, trusted
):
    """Hardening #15.1: a client-written X-Forwarded-For never picks the counter."""
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "TRUSTED_PROXIES": trusted}
    attempts = [
        client.post(
            "/api/auth/login/",
            {"username": "demo", "password": f"guess-{n}"},
            content_type=JSON,
            # With one trusted proxy, the proxy appends the real client (one address here).
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}" + (", 203.0.113.5" if trusted else ""),
        )
        for n in range(11)
    ]
    assert {response.status_code for response in attempts[:10]} == {400}
    assert_problem(attempts[10], status=429, code="throttled")


# --- API3:2023 Broken object property level authorization --------------------------------


def test_api3_read_only_properties_cannot_be_written(client, as_user, acme, globex):
    auth = as_user("demo-member")
    project = Project.objects.filter(organization=acme).first()
    someone_else = Membership.objects.get(organization=acme, role="admin").user
    response = client.post(
        "/api/v2/tasks/",
        {
            "title": "mine",
            "project": project.pk,
            "id": 424242,
            "created_by": someone_else.pk,
            "created": "2000-01-01T00:00:00Z",
            "organization": globex.pk,
        },
        content_type=JSON,
        **auth,
    )
    assert response.status_code == 201, response.content
    task = Task.objects.get(pk=response.json()["id"])
    assert task.pk != 424242
    assert task.created_by.username == "demo-member"
    assert task.created.year == timezone.now().year
    assert task.project.organization == acme

    created = client.post(
        "/api/v2/projects/", {"name": "p", "organization": globex.pk}, content_type=JSON, **auth
    )
    assert Project.objects.get(pk=created.json()["id"]).organization == acme


def test_api3_responses_expose_only_declared_fields(client, as_user, acme):
    auth = as_user("demo")
    task = client.get(
        "/api/v2/tasks/", {"expand": "assignee,project", "assignee": a_user(acme).pk}, **auth
    ).json()["results"][0]
    assert set(task) == {
        "id",
        "project",
        "title",
        "status",
        "assignee",
        "labels",
        "due",
        "created_by",
        "created",
        "updated",
    }
    assert set(task["assignee"]) == {"id", "username"}  # no password hash, email or flags
    keys = client.get("/api/v2/api-keys/", **auth).json()["results"]
    assert keys
    assert all(
        set(key)
        == {"prefix", "name", "scopes", "expiry_date", "created", "revoked", "last_used_at"}
        for key in keys
    )
    assert "sha512" not in json.dumps(keys)
    assert "hashed" not in json.dumps(keys)


def a_user(organization):
    return Membership.objects.filter(organization=organization).first().user


# --- API4:2023 Unrestricted resource consumption -----------------------------------------


def test_api4_page_size_is_capped(client, as_user, acme):
    auth = as_user("demo")
    Task.objects.bulk_create(
        Task(project=Project.objects.filter(organization=acme).first(), title=f"t{n}")
        for n in range(120)
    )
    body = client.get("/api/v2/tasks/", {"page_size": 100000}, **auth).json()
    assert len(body["results"]) == 100  # MAX_PAGE_SIZE
    assert body["next"]


def test_api4_oversized_bodies_are_a_413_problem(client, as_user, acme):
    auth = as_user("demo")
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/api/v2/labels/", {"name": huge}, content_type=JSON, **auth)
    assert_problem(response, status=413, code="request_too_large")
    assert not Label.objects.filter(name__startswith="xxx").exists()


@pytest.mark.parametrize(
    "body",
    [b"[" * 5_000, b"[" * 100_000, b'{"title": ' * 5_000, b'{"title": "a", "title": "b"}'],
    ids=["arrays-5k", "arrays-100k", "objects-5k", "duplicate-key"],
)
def test_api4_bodies_the_parser_cannot_read_are_a_400_problem(client, as_user, body, caplog):
    """Hardening #15.2: deep nesting and duplicate keys are a 400, never a 500."""
    auth = as_user("demo")
    with caplog.at_level(logging.INFO):
        response = client.post("/api/v2/labels/", body, content_type=JSON, **auth)
    assert_problem(response, status=400, code="parse_error")
    assert not [r for r in caplog.records if r.exc_info]  # a client error, no traceback


def test_api4_lists_in_payloads_are_bounded(client, as_key, acme):
    auth = as_key(acme, ["tasks:write"])
    project = Project.objects.filter(organization=acme).first()
    commits = [{"id": f"{n:07x}", "message": "chore"} for n in range(101)]
    response = client.post(
        f"/api/v2/projects/{project.pk}/commits/", {"commits": commits}, content_type=JSON, **auth
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert body["errors"][0]["pointer"] == "#/commits"


def test_api4_rate_limits_answer_429_with_retry_after(client, as_key, acme, frozen_clock):
    auth = as_key(acme, ["tasks:read"])
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "3/minute"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        statuses = [client.get("/api/v2/tasks/", **auth).status_code for _ in range(4)]
        last = client.get("/api/v2/tasks/", **auth)
    assert statuses == [200, 200, 200, 429]
    assert_problem(last, status=429, code="throttled")
    assert int(last["Retry-After"]) >= 1
    assert last["RateLimit-Policy"] == '"api_key";q=3;w=60'


# --- API1/API3: membership is an invitation the invitee accepts (hardening #15.9, #15.10) --


def test_api1_an_admin_cannot_add_a_user_without_their_consent(client, as_user, acme, globex):
    from django.contrib.auth import get_user_model

    invitee = get_user_model().objects.get(username="globex-admin")
    invited = client.post(
        "/api/v2/invitations/", {"username": "globex-admin"}, content_type=JSON, **as_user("demo")
    )
    assert invited.status_code == 201
    assert not Membership.objects.filter(organization=acme, user=invitee).exists()
    # The invitee's clients are untouched: no X-Organization needed, still globex's data.
    theirs = client.get("/api/v2/projects/", **as_user("globex-admin"))
    assert theirs.status_code == 200
    assert {p["name"] for p in theirs.json()["results"]} == set(
        globex.projects.values_list("name", flat=True)
    )
    # They see it, and accept; their default organization stays globex.
    mine = client.get("/api/v2/me/invitations/", **as_user("globex-admin")).json()["results"]
    assert [(i["organization"], i["role"]) for i in mine] == [("acme", "member")]
    accepted = client.post(
        f"/api/v2/me/invitations/{mine[0]['id']}/accept/", **as_user("globex-admin")
    )
    assert accepted.status_code == 201
    assert Membership.objects.get(organization=acme, user=invitee).is_default is False
    after = client.get("/api/v2/projects/", **as_user("globex-admin")).json()["results"]
    assert {p["name"] for p in after} == set(globex.projects.values_list("name", flat=True))
    acme_view = client.get(
        "/api/v2/projects/", HTTP_X_ORGANIZATION="acme", **as_user("globex-admin")
    )
    assert acme_view.status_code == 200


def test_api1_nobody_else_can_see_or_accept_an_invitation(client, as_user, acme):
    client.post(
        "/api/v2/invitations/", {"username": "globex-admin"}, content_type=JSON, **as_user("demo")
    )
    assert client.get("/api/v2/me/invitations/", **as_user("globex-member")).json()["count"] == 0
    invitation = acme.invitations.get()
    stolen = client.post(
        f"/api/v2/me/invitations/{invitation.pk}/accept/", **as_user("globex-member")
    )
    assert_problem(stolen, status=404, code="not_found")
    assert not Membership.objects.filter(organization=acme, user__username="globex-member").exists()


def test_api3_inviting_an_unknown_username_looks_like_inviting_a_real_one(client, as_user):
    def invite(username):
        response = client.post(
            "/api/v2/invitations/", {"username": username}, content_type=JSON, **as_user("demo")
        )
        body = response.json()
        return response.status_code, {
            k: v for k, v in body.items() if k not in ("id", "created", "username")
        }

    assert invite("globex-admin") == invite("nobody-has-this-name")
    again = client.post(
        "/api/v2/invitations/", {"username": "globex-admin"}, content_type=JSON, **as_user("demo")
    )
    assert again.status_code == 201  # a repeat is the same invitation, not a tell


# --- API5:2023 Broken function level authorization ---------------------------------------


def test_api5_members_cannot_call_admin_actions(client, as_user, acme):
    auth = as_user("demo-member")
    project = Project.objects.filter(organization=acme).first()
    member = Membership.objects.get(organization=acme, role="member")
    refused = [
        client.delete(f"/api/v2/projects/{project.pk}/", **auth),
        client.post(
            "/api/v2/invitations/", {"username": "globex-admin"}, content_type=JSON, **auth
        ),
        client.patch(f"/api/v2/members/{member.pk}/", {"role": "admin"}, content_type=JSON, **auth),
        client.get("/api/v2/api-keys/", **auth),
        client.post(
            "/api/v2/api-keys/", {"name": "x", "scopes": ["tasks:read"]}, content_type=JSON, **auth
        ),
    ]
    for response in refused:
        assert_problem(response, status=403, code="insufficient_scope")
    assert Project.objects.filter(pk=project.pk).exists()
    member.refresh_from_db()
    assert member.role == "member"
    # What members may do still works.
    assert client.get("/api/v2/members/", **auth).status_code == 200


def test_api5_admins_can(client, as_user, acme):
    auth = as_user("demo")
    project = Project.objects.filter(organization=acme).first()
    assert client.delete(f"/api/v2/projects/{project.pk}/", **auth).status_code == 204
    created = client.post(
        "/api/v2/api-keys/", {"name": "ci", "scopes": ["tasks:read"]}, content_type=JSON, **auth
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert client.get("/api/v2/tasks/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    listed = client.get(f"/api/v2/api-keys/{created.json()['prefix']}/", **auth).json()
    assert "key" not in listed  # the secret is shown once


def test_api5_keys_cannot_manage_people_or_keys(client, as_key, acme):
    auth = as_key(acme, ["tasks:read"])
    for url in ("/api/v2/members/", "/api/v2/api-keys/"):
        assert_problem(client.get(url, **auth), status=401, code="not_authenticated")


def test_api5_admins_cannot_grant_keys_admin_scopes(client, as_user):
    response = client.post(
        "/api/v2/api-keys/",
        {"name": "too much", "scopes": ["tasks:read", "api_keys:admin", "members:admin"]},
        content_type=JSON,
        **as_user("demo"),
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert {error["pointer"] for error in body["errors"]} == {"#/scopes/1", "#/scopes/2"}
    assert not OrganizationAPIKey.objects.filter(name="too much").exists()


# --- API6:2023 Unrestricted access to sensitive business flows ---------------------------


def test_api6_a_retried_create_creates_one_task(client, as_key, acme):
    auth = {**as_key(acme, ["tasks:write"]), "HTTP_IDEMPOTENCY_KEY": "create-7f3a"}
    project = Project.objects.filter(organization=acme).first()
    body = {"title": "exactly once", "project": project.pk}
    first = client.post("/api/v2/tasks/", body, content_type=JSON, **auth)
    again = client.post("/api/v2/tasks/", body, content_type=JSON, **auth)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Task.objects.filter(title="exactly once").count() == 1
    other = client.post("/api/v2/tasks/", {**body, "title": "else"}, content_type=JSON, **auth)
    assert_problem(other, status=422, code="idempotency_key_reused")


def test_api6_the_last_admin_cannot_leave_or_step_down(client, as_user, acme):
    auth = as_user("demo")
    me = Membership.objects.get(organization=acme, user__username="demo")
    assert_problem(
        client.patch(f"/api/v2/members/{me.pk}/", {"role": "member"}, content_type=JSON, **auth),
        status=409,
        code="last_admin",
    )
    assert_problem(
        client.delete(f"/api/v2/members/{me.pk}/", **auth), status=409, code="last_admin"
    )
    me.refresh_from_db()
    assert me.role == "admin"


# --- API7:2023 Server side request forgery -----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/tracker",  # not https
        "https://127.0.0.1/hook",
        "https://2130706433/hook",  # 127.0.0.1 in disguise
        "https://0x7f.1/hook",
        "https://[::1]/hook",
        "https://0177.0.0.1/hook",  # octal
        "https://127.0.0.1./hook",  # trailing dot
        "https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/hook",  # fullwidth digits
        "https://[::ffff:10.0.0.1]/hook",
        "https://[::127.0.0.1]/hook",  # IPv4-compatible (Python calls it global)
        "https://[::ffff:0:10.0.0.1]/hook",  # IPv4-translated (Python calls it global)
        "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "https://[fd00:ec2::254]/hook",  # AWS metadata over IPv6
        "https://hooks.example.com:99999/hook",  # no such port
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://localhost/hook",
        "https://metadata.google.internal/hook",
        "https://router.local/hook",
        "https://intranet/hook",
        "https://user:secret@hooks.example.com/hook",
        "https://hooks.example.com@127.0.0.1/hook",
        "https://hooks.example.com\\@127.0.0.1/hook",
    ],
)
def test_api7_webhook_urls_pointing_inside_are_refused(client, as_user, url):
    """Hardening #15.11: every encoding of an inside address, refused at save."""
    response = client.post(
        "/api/v2/webhook-endpoints/", {"url": url}, content_type=JSON, **as_user("demo")
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert {(error["code"], error["pointer"]) for error in body["errors"]} == {
        ("unsafe_url", "#/url")
    }
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/tracker",
        "https://hooks.example.com:8443/tracker?team=7",
        "https://93.184.215.14/hook",
        "https://[2606:4700::1111]/hook",
    ],
)
def test_api7_a_public_https_webhook_is_accepted(client, as_user, url):
    response = client.post(
        "/api/v2/webhook-endpoints/", {"url": url}, content_type=JSON, **as_user("demo")
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"] == url
    assert response.json()["secret"].startswith("whsec_")


def run_worker():
    """django-tasks-db's worker, in this process, until no task is ready."""
    call_command("db_worker", batch=True, interval=0, no_startup_delay=True, verbosity=0)


def add_endpoint(client, auth, url):
    response = client.post("/api/v2/webhook-endpoints/", {"url": url}, content_type=JSON, **auth)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_api7_a_name_that_resolves_inside_is_refused_at_delivery(
    client, as_user, acme, monkeypatch
):
    # Accepted when saved (a public-looking name), then its DNS answer turns private.
    auth = as_user("demo")
    endpoint = add_endpoint(client, auth, "https://hooks.example.com/tracker")

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    task = a_task_of(acme)
    response = client.patch(
        f"/api/v2/tasks/{task.pk}/", {"status": "done"}, content_type=JSON, **auth
    )
    assert response.status_code == 200
    run_worker()

    log = client.get(f"/api/v2/webhook-endpoints/{endpoint['id']}/deliveries/", **auth).json()
    [delivery] = log["results"]
    assert (delivery["event_type"], delivery["state"]) == ("task.updated", "failed")
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert "resolves to 10.0.0.7" in attempt["error"]


@pytest.mark.django_db(transaction=True)
def test_api7_deliveries_go_only_where_allowed_and_follow_no_redirect(
    client, receiver, as_user, acme
):
    # An on-premises install allows its own network explicitly; nothing else changes.
    allowed = {**settings.DRF_APIFIRST, "PUBLIC_URL_ALLOWED_NETWORKS": ["127.0.0.1/32"]}
    auth = as_user("demo")
    url = receiver.url
    with override_settings(DRF_APIFIRST=allowed):
        endpoint = add_endpoint(client, auth, url)
        task = a_task_of(acme)
        response = client.patch(
            f"/api/v2/tasks/{task.pk}/", {"status": "done"}, content_type=JSON, **auth
        )
        assert response.status_code == 200
        run_worker()
        [(path, headers, body)] = receiver.received
        assert path == "/hook"
        event = Webhook(endpoint["secret"]).verify(body, headers)
        assert (event["type"], event["data"]["id"], event["data"]["status"]) == (
            "task.updated",
            task.pk,
            "done",
        )

        receiver.answer = 302
        client.patch(f"/api/v2/tasks/{task.pk}/", {"title": "moved"}, content_type=JSON, **auth)
        run_worker()
        assert [path for path, _, _ in receiver.received] == ["/hook", "/hook"]
        log = client.get(f"/api/v2/webhook-endpoints/{endpoint['id']}/deliveries/", **auth)
        latest = log.json()["results"][0]
        # An answer, not followed to 127.0.0.1:1; not retried either.
        assert (latest["state"], latest["attempts"][0]["status_code"]) == ("failed", 302)

    # Without the allowance, the same receiver is out of reach at delivery too.
    receiver.answer = 204
    client.patch(f"/api/v2/tasks/{task.pk}/", {"title": "again"}, content_type=JSON, **auth)
    run_worker()
    assert len(receiver.received) == 2
    log = client.get(f"/api/v2/webhook-endpoints/{endpoint['id']}/deliveries/", **auth)
    latest = log.json()["results"][0]
    assert latest["state"] == "failed"
    assert latest["attempts"][0]["error"].startswith("Refused: ")


def test_api1_webhook_endpoints_belong_to_one_organization(client, as_user, acme, globex):
    acme_admin, globex_admin = as_user("demo"), as_user("globex-admin")
    endpoint = add_endpoint(client, acme_admin, "https://hooks.example.com/acme")
    assert client.get("/api/v2/webhook-endpoints/", **globex_admin).json()["results"] == []
    base = f"/api/v2/webhook-endpoints/{endpoint['id']}/"
    for method, path in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("get", f"{base}deliveries/"),
        ("post", f"{base}test/"),
        ("post", f"{base}rotate-secret/"),
    ]:
        response = getattr(client, method)(path, {}, content_type=JSON, **globex_admin)
        assert_problem(response, status=404, code="not_found")
    # An event of Globex never reaches Acme's endpoint.
    client.patch(
        f"/api/v2/tasks/{a_task_of(globex).pk}/",
        {"status": "done"},
        content_type=JSON,
        **globex_admin,
    )
    assert not WebhookDelivery.objects.exists()


def test_api5_members_read_webhooks_admins_and_scoped_keys_manage_them(
    client, as_user, as_key, acme
):
    member, admin = as_user("demo-member"), as_user("demo")
    add_endpoint(client, admin, "https://hooks.example.com/acme")
    assert client.get("/api/v2/webhook-endpoints/", **member).status_code == 200
    refused = client.post(
        "/api/v2/webhook-endpoints/",
        {"url": "https://hooks.example.com/mine"},
        content_type=JSON,
        **member,
    )
    assert_problem(refused, status=403, code="insufficient_scope")
    key = as_key(acme, ["tasks:read"])
    assert_problem(
        client.get("/api/v2/webhook-endpoints/", **key), status=403, code="insufficient_scope"
    )
    integration = as_key(acme, ["webhooks:read", "webhooks:admin"])
    add_endpoint(client, integration, "https://hooks.example.com/zap")
    assert WebhookEndpoint.objects.count() == 2


# --- API8:2023 Security misconfiguration -------------------------------------------------


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(raise_request_exception=False)
health = client.get("/healthz", secure=True)
html = client.get("/api/v2/tasks/", secure=True, HTTP_ACCEPT="text/html")
missing = client.get("/api/v2/nothing-here/", secure=True)
plain = client.get("/api/v2/tasks/")
print(json.dumps({
    "debug": settings.DEBUG,
    "renderers": settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
    "headers": dict(health.headers),
    "html": [html.status_code, html["Content-Type"]],
    "missing": [missing.status_code, missing["Content-Type"], missing.content.decode()],
    "plain_http": [plain.status_code, plain.get("Location")],
}))
"""


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api8_an_unsafe_method_without_the_trailing_slash_is_a_308(client, as_user, acme, method):
    """Hardening #15.8: a 308 keeps the method and body (a 301 lost them; a 500 under DEBUG)."""
    # settings.DEBUG is on here: Django's APPEND_SLASH would raise (a 500) for POST/PUT/PATCH.
    auth = as_user("demo")
    task = a_task_of(acme)
    path = "/api/v2/tasks" if method == "post" else f"/api/v2/tasks/{task.pk}"
    response = getattr(client, method)(path, {"title": "t"}, content_type=JSON, **auth)
    assert response.status_code == 308
    assert response["Location"] == f"{path}/"


def test_api8_production_settings_are_locked_down(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "owasp-test-secret-key-long-enough-for-the-deploy-checks-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["debug"] is False
    assert not any("Browsable" in renderer for renderer in probe["renderers"])
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert probe["html"] == [406, PROBLEM]  # no browsable API
    status, content_type, body = probe["missing"]
    assert (status, content_type) == (404, PROBLEM)
    assert "Traceback" not in body
    assert "urlpatterns" not in body
    assert probe["plain_http"][0] == 301
    assert probe["plain_http"][1].startswith("https://")


def test_api8_a_crash_answers_a_bare_500_problem(client, as_key, acme, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("tracker.services.close_tasks_from_commits", crash)
    client.raise_request_exception = False
    project = Project.objects.filter(organization=acme).first()
    with override_settings(DEBUG=False):
        response = client.post(
            f"/api/v2/projects/{project.pk}/commits/",
            {"commits": []},
            content_type=JSON,
            **as_key(acme, ["tasks:write"]),
        )
    body = assert_problem(response, status=500, code="server_error")
    assert "hunter2" not in response.content.decode()
    assert "traceback" not in body
    assert body["request_id"] == response["X-Request-ID"]


# --- API9:2023 Improper inventory management ---------------------------------------------
# Every route is in a version's OpenAPI document and the committed documents match the
# code: test_example.py (test_every_api_route_is_in_a_versions_openapi_document,
# test_committed_openapi_documents_match_the_code). Here: what clients see of versions.


def test_api9_the_deprecated_version_says_so_on_every_response(client, as_user):
    auth = as_user("demo")
    for url in ("/api/v1/tasks/", "/api/v1/projects/", "/api/v1/tasks/999999/"):
        response = client.get(url, **auth)
        assert response["Deprecation"].startswith("@"), url
        assert response["Sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
        assert (
            '<https://tracker.example.com/docs/migrate-to-v2>; rel="deprecation"'
            in response["Link"]
        )
    assert not client.get("/api/v2/tasks/", **auth).has_header("Deprecation")


def test_api9_unknown_versions_are_a_problem_naming_the_known_ones(client, as_user):
    body = assert_problem(
        client.get("/api/v3/tasks/", **as_user("demo")), status=404, code="unknown_version"
    )
    assert "v1" in body["detail"]
    assert "v2" in body["detail"]


def test_api9_the_docs_list_both_versions(client):
    for version in ("v1", "v2"):
        schema = client.get("/api/schema/", {"format": "json", "version": version}).json()
        assert f"/api/{version}/tasks/" in schema["paths"]
        assert f"/api/{version}/members/" in schema["paths"]


# --- API10:2023 Unsafe consumption of APIs -----------------------------------------------
# A git host's push, relayed by an integration, is untrusted input: every field is
# validated and bounded, and it can only touch the key's own organization.


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"commits": "not a list"}, "#/commits"),
        ({"commits": [{"id": "not-a-hash", "message": "x"}]}, "#/commits/0/id"),
        ({"commits": [{"id": "abcdef1"}]}, "#/commits/0/message"),
        ({"commits": [{"id": "abcdef1", "message": "x" * 10_001}]}, "#/commits/0/message"),
        (
            {"commits": [{"id": "abcdef1", "message": "x", "url": "javascript:alert(1)"}]},
            "#/commits/0/url",
        ),
        ({}, "#/commits"),
    ],
)
def test_api10_malformed_pushes_are_rejected(client, as_key, acme, payload, pointer):
    project = Project.objects.filter(organization=acme).first()
    response = client.post(
        f"/api/v2/projects/{project.pk}/commits/",
        payload,
        content_type=JSON,
        **as_key(acme, ["tasks:write"]),
    )
    body = assert_problem(response, status=400, code="validation_error")
    assert [error["pointer"] for error in body["errors"]] == [pointer]


def test_api10_a_push_closes_only_open_tasks_of_that_project(client, as_key, acme, globex):
    project = Project.objects.filter(organization=acme).first()
    mine = project.tasks.exclude(status="done").first()
    theirs = a_task_of(globex)
    other_project = Project.objects.filter(organization=acme).exclude(pk=project.pk).first()
    elsewhere = other_project.tasks.exclude(status="done").first()
    message = f"Fixes #{mine.pk}, closes #{theirs.pk} and resolves #{elsewhere.pk}"
    response = client.post(
        f"/api/v2/projects/{project.pk}/commits/",
        {"commits": [{"id": "abcdef1234", "message": message, "extra": {"ignored": True}}]},
        content_type=JSON,
        **as_key(acme, ["tasks:write"]),
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "closed": [mine.pk],
        "ignored": sorted([theirs.pk, elsewhere.pk]),
    }
    statuses = dict(
        Task.objects.filter(pk__in=[mine.pk, theirs.pk, elsewhere.pk]).values_list("pk", "status")
    )
    assert statuses[mine.pk] == "done"
    assert statuses[theirs.pk] == theirs.status
    assert statuses[elsewhere.pk] == elsewhere.status
