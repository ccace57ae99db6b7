"""Scopes per method and action, and tenant isolation (another tenant's object is a 404)."""

import pytest
from django.contrib.auth.models import User

from drf_apifirst.models import APIKey
from tests.testapp.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password="pw")


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob", password="pw")


def key_for(owner, *scopes):
    _, plaintext = APIKey.objects.create_key(name="k", owner=owner, scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}


def test_read_scope_reads_but_does_not_write(api_client, alice):
    headers = key_for(alice, "tasks:read")
    assert api_client.get("/api/owned-tasks/", **headers).status_code == 200
    response = api_client.post("/api/owned-tasks/", {"title": "x"}, format="json", **headers)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "insufficient_scope"
    assert body["title"] == "Insufficient scope."
    assert body["detail"] == "This request needs the scope 'tasks:write'."
    assert body["required_scope"] == "tasks:write"
    assert not Task.objects.exists()


def test_write_scope_alone_does_not_read(api_client, alice):
    headers = key_for(alice, "tasks:write")
    response = api_client.get("/api/owned-tasks/", **headers)
    assert response.status_code == 403
    assert response.json()["required_scope"] == "tasks:read"
    assert (
        api_client.post("/api/owned-tasks/", {"title": "x"}, format="json", **headers).status_code
        == 201
    )


def test_per_action_scope(api_client, alice):
    task = Task.objects.create(title="t", owner=alice)
    response = api_client.post(
        f"/api/owned-tasks/{task.pk}/archive/", **key_for(alice, "tasks:write")
    )
    assert response.status_code == 403
    assert response.json()["required_scope"] == "tasks:admin"
    ok = api_client.post(f"/api/owned-tasks/{task.pk}/archive/", **key_for(alice, "tasks:admin"))
    assert ok.status_code == 200
    assert Task.objects.get(pk=task.pk).done is True


@pytest.mark.parametrize("scope", ["tasks:*", "*"])
def test_wildcard_scopes(api_client, alice, scope):
    headers = key_for(alice, scope)
    assert api_client.get("/api/owned-tasks/", **headers).status_code == 200
    assert (
        api_client.post("/api/owned-tasks/", {"title": "x"}, format="json", **headers).status_code
        == 201
    )


def test_other_families_do_not_count(api_client, alice):
    assert api_client.get("/api/owned-tasks/", **key_for(alice, "projects:*")).status_code == 403


def test_users_have_every_scope_by_default(api_client, alice):
    token = api_client.post(
        "/api/auth/login/", {"username": "alice", "password": "pw"}, format="json"
    ).json()["token"]
    response = api_client.post(
        "/api/owned-tasks/", {"title": "mine"}, format="json", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 201


def test_user_scopes_hook(api_client, alice, settings):
    settings.DRF_APIFIRST = {"USER_SCOPES": "tests.test_permissions.read_only_scopes"}
    token = api_client.post(
        "/api/auth/login/", {"username": "alice", "password": "pw"}, format="json"
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert api_client.get("/api/owned-tasks/", **auth).status_code == 200
    assert (
        api_client.post("/api/owned-tasks/", {"title": "x"}, format="json", **auth).status_code
        == 403
    )


def read_only_scopes(user, request):
    return ["tasks:read"]


def test_anonymous_is_401_before_any_scope_check(api_client):
    response = api_client.get("/api/owned-tasks/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- tenants ---


def test_list_shows_only_the_tenants_objects(api_client, alice, bob):
    Task.objects.create(title="alice's", owner=alice)
    Task.objects.create(title="bob's", owner=bob)
    response = api_client.get("/api/owned-tasks/", **key_for(alice, "tasks:read"))
    assert [t["title"] for t in response.json()["results"]] == ["alice's"]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_tenants_object_is_a_404(api_client, alice, bob, method):
    theirs = Task.objects.create(title="bob's", owner=bob)
    headers = key_for(alice, "tasks:*")
    response = getattr(api_client, method)(
        f"/api/owned-tasks/{theirs.pk}/", {"title": "stolen"}, format="json", **headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.title == "bob's"
    missing = getattr(api_client, method)("/api/owned-tasks/999999/", {}, format="json", **headers)
    # the same answer as for an id that does not exist at all
    assert {k: v for k, v in missing.json().items() if k not in ("request_id", "instance")} == {
        k: v for k, v in response.json().items() if k not in ("request_id", "instance")
    }


def test_create_is_stamped_with_the_tenant_whatever_the_body_says(api_client, alice, bob):
    response = api_client.post(
        "/api/owned-tasks/",
        {"title": "x", "owner": bob.pk},
        format="json",
        **key_for(alice, "tasks:write"),
    )
    assert response.status_code == 201
    assert Task.objects.get(pk=response.json()["id"]).owner == alice


def test_tenant_lookups_refuse_another_tenants_related_object(alice, bob):
    from rest_framework.test import APIRequestFactory

    from drf_apifirst.serializers import ApiModelSerializer
    from tests.testapp.models import Label

    class TaskWithLabels(ApiModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "title", "labels"]
            tenant_lookups = {"labels": "task__owner"}

    mine = Label.objects.create(name="mine")
    Task.objects.create(title="has mine", owner=alice).labels.add(mine)
    other = Label.objects.create(name="theirs")
    Task.objects.create(title="has theirs", owner=bob).labels.add(other)
    request = APIRequestFactory().post("/")
    context = {"tenant": alice, "request": request}
    serializer = TaskWithLabels(data={"title": "t", "labels": [other.pk]}, context=context)
    assert not serializer.is_valid()
    assert serializer.errors["labels"][0].code == "does_not_exist"
    serializer = TaskWithLabels(data={"title": "t", "labels": [mine.pk]}, context=context)
    assert serializer.is_valid(), serializer.errors


def test_no_tenant_sees_nothing(rf):
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request

    from tests.testapp.views import OwnedTaskViewSet

    Task.objects.create(title="x", owner=User.objects.create_user("carol"))
    view = OwnedTaskViewSet()
    request = Request(rf.get("/"))
    request.user = AnonymousUser()
    request._auth = None
    view.request, view.format_kwarg, view.action = request, None, "list"
    assert list(view.get_queryset()) == []
