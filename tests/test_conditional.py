"""ETags, 304, 412, 428, and no lost update under concurrent writes."""

import re
import threading

import pytest
from django.db import connection

from tests.testapp.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(db):
    return Task.objects.create(title="Draft")


def test_detail_get_carries_an_etag_and_304s_on_a_match(
    api_client, task, django_assert_num_queries
):
    first = api_client.get(f"/api/conditional-tasks/{task.pk}/")
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    with django_assert_num_queries(1):  # the object; no serialization
        again = api_client.get(f"/api/conditional-tasks/{task.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = api_client.get(
        f"/api/conditional-tasks/{task.pk}/", HTTP_IF_NONE_MATCH='"nope", W/' + etag
    )
    assert other.status_code == 304  # weak comparison for If-None-Match


def test_the_etag_changes_with_the_object_and_the_representation(api_client, task):
    url = f"/api/conditional-tasks/{task.pk}/"
    etag = api_client.get(url)["ETag"]
    assert api_client.get(url, {"fields": "title"})["ETag"] != etag
    Task.objects.filter(pk=task.pk).update(title="changed")
    task.refresh_from_db()
    task.save()  # bumps "updated"
    assert api_client.get(url)["ETag"] != etag


def test_hashed_etag_without_a_declared_field(api_client, task):
    url = f"/api/hashed-tasks/{task.pk}/"
    etag = api_client.get(url)["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Task.objects.filter(pk=task.pk).update(title="Renamed")
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_stale_if_match_is_a_412_problem_and_writes_nothing(api_client, task):
    url = f"/api/conditional-tasks/{task.pk}/"
    etag = api_client.get(url)["ETag"]
    ok = api_client.patch(url, {"title": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] != etag
    stale = api_client.patch(url, {"title": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert body["code"] == "precondition_failed"
    assert body["current_etag"] == ok["ETag"]
    assert Task.objects.get(pk=task.pk).title == "First"
    deleted = api_client.delete(url, HTTP_IF_MATCH=etag)
    assert deleted.status_code == 412
    assert Task.objects.filter(pk=task.pk).exists()
    assert api_client.delete(url, HTTP_IF_MATCH=ok["ETag"]).status_code == 204


def test_if_match_star_and_a_list(api_client, task):
    url = f"/api/conditional-tasks/{task.pk}/"
    etag = api_client.get(url)["ETag"]
    assert (
        api_client.patch(
            url, {"title": "a"}, format="json", HTTP_IF_MATCH=f'"x", {etag}'
        ).status_code
        == 200
    )
    assert (
        api_client.patch(url, {"title": "b"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )
    # a weak validator never matches If-Match (RFC 9110 strong comparison)
    etag = api_client.get(url)["ETag"]
    assert (
        api_client.patch(url, {"title": "c"}, format="json", HTTP_IF_MATCH="W/" + etag).status_code
        == 412
    )


def test_if_match_required_is_a_428_problem(api_client, task, settings):
    url = f"/api/strict-tasks/{task.pk}/"
    response = api_client.patch(url, {"title": "x"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    etag = api_client.get(url)["ETag"]
    assert (
        api_client.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "REQUIRE_IF_MATCH": True}
    assert (
        api_client.patch(
            f"/api/conditional-tasks/{task.pk}/", {"title": "y"}, format="json"
        ).status_code
        == 428
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_with_one_etag_one_wins(task):
    from rest_framework.test import APIClient

    url = f"/api/conditional-tasks/{task.pk}/"
    etag = APIClient().get(url)["ETag"]
    barrier = threading.Barrier(2)
    statuses = []

    def patch(title):
        client = APIClient()
        barrier.wait()
        try:
            statuses.append(
                client.patch(url, {"title": title}, format="json", HTTP_IF_MATCH=etag).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(t,)) for t in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412]
    assert Task.objects.get(pk=task.pk).title in ("left", "right")
