"""manage.py apifirst_apikey: create prints the key once; list, revoke, rotate."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from drf_apifirst.models import APIKey

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("apifirst_apikey", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice")


def test_create_prints_a_working_key_once(alice, api_client):
    created = json.loads(
        run(
            "create",
            "--name",
            "ci",
            "--owner",
            "alice",
            "--scopes",
            "tasks:read, tasks:write",
            "--json",
        )
    )
    api_key = APIKey.objects.get(prefix=created["prefix"])
    assert api_key.scopes == ["tasks:read", "tasks:write"]
    assert api_key.owner == alice
    assert created["key"].split(".", 1)[1] not in api_key.hashed_key
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Api-Key {created['key']}")
    assert response.status_code == 200
    listing = run("list")
    assert created["prefix"] in listing
    assert created["key"] not in listing


def test_create_human_output_warns_to_store_it(alice):
    out = run("create", "--name", "ci", "--owner", "alice")
    assert "Store it now: it is not shown again." in out


def test_expiry_as_duration_or_datetime(alice):
    run("create", "--name", "a", "--owner", "alice", "--expires", "P30D")
    run("create", "--name", "b", "--owner", "alice", "--expires", "2030-01-01T00:00:00Z")
    a, b = APIKey.objects.get(name="a"), APIKey.objects.get(name="b")
    assert abs((a.expiry_date - a.created).total_seconds() - 30 * 86400) < 60
    assert b.expiry_date.isoformat() == "2030-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--owner", "nobody"), "No user 'nobody'."),
        (("--owner", "alice", "--expires", "soon"), "--expires 'soon' is neither"),
    ],
)
def test_create_refuses_bad_input(alice, args, message):
    with pytest.raises(CommandError, match=message):
        run("create", "--name", "x", *args)
    assert not APIKey.objects.exists()


def test_revoke(alice, api_client):
    created = json.loads(run("create", "--name", "ci", "--owner", "alice", "--json"))
    assert run("revoke", created["prefix"]).strip() == f"Revoked {created['prefix']}."
    assert APIKey.objects.get(prefix=created["prefix"]).revoked is True
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Api-Key {created['key']}")
    assert response.status_code == 401
    with pytest.raises(CommandError, match=r"No API key with prefix .nope.\."):
        run("revoke", "nope")


def test_rotate(alice):
    created = json.loads(
        run("create", "--name", "ci", "--owner", "alice", "--scopes", "x:read", "--json")
    )
    rotated = json.loads(run("rotate", created["prefix"], "--overlap", "P1D", "--json"))
    successor = APIKey.objects.get(prefix=rotated["prefix"])
    assert successor.replaces.prefix == created["prefix"]
    assert successor.scopes == ["x:read"]
    old = APIKey.objects.get(prefix=created["prefix"])
    assert old.is_usable
    assert (old.expiry_date - successor.created).days in (0, 1)
    run("revoke", created["prefix"])
    with pytest.raises(CommandError, match="revoked or expired"):
        run("rotate", created["prefix"])
