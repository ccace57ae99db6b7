"""What this API's clients rely on: status codes, bodies, query counts.

Tests marked ``client_change`` pin DRF behaviour that docs/migrating.md documents as
changing; the migration script expects exactly those to fail afterwards.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

BASE = "http://testserver/api"


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_photos_page_with_limit_and_offset(anonymous, gallery):
    response = anonymous.get("/api/photos/", {"limit": 3, "offset": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert body["next"] == f"{BASE}/photos/?limit=3&offset=6"
    assert body["previous"] == f"{BASE}/photos/?limit=3"
    assert [p["title"] for p in body["results"]] == ["Photo 3", "Photo 4", "Photo 5"]


def test_photo_detail_is_hyperlinked(anonymous, gallery):
    photo = gallery["photos"][2]
    response = anonymous.get(f"/api/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "url": f"{BASE}/photos/{photo.pk}/",
        "id": photo.pk,
        "album": f"{BASE}/albums/{photo.album_id}/",
        "title": "Photo 2",
        "image": "http://testserver/photos/2.jpg",
        "taken": "2026-01-03T00:00:00Z",
        "tags": ["sea", "city", "night"],
    }


def test_album_list(anonymous, gallery):
    body = anonymous.get("/api/albums/").json()
    assert body["results"][0] == {
        "url": f"{BASE}/albums/{gallery['albums'][0].pk}/",
        "id": gallery["albums"][0].pk,
        "title": "Trips",
        "owner": "ada",
    }


def test_filter_order_and_search(anonymous, gallery):
    album = gallery["albums"][1]
    by_album = anonymous.get("/api/photos/", {"album": album.pk}).json()
    assert [p["title"] for p in by_album["results"]] == ["Photo 1", "Photo 3", "Photo 5"]
    newest = anonymous.get("/api/photos/", {"ordering": "-taken", "limit": 1}).json()
    assert newest["results"][0]["title"] == "Photo 6"
    found = anonymous.get("/api/photos/", {"search": "Photo 4"}).json()
    assert [p["title"] for p in found["results"]] == ["Photo 4"]


def test_tags_are_plain(anonymous, gallery):
    body = anonymous.get("/api/tags/").json()
    assert body["results"] == [{"id": t.pk, "name": t.name} for t in gallery["tags"]]


def test_upload_a_photo(client, gallery):
    album = gallery["albums"][0]
    response = client.post(
        "/api/photos/",
        {
            "album": f"{BASE}/albums/{album.pk}/",
            "title": "Upload",
            "image": SimpleUploadedFile("pic.jpg", b"\xff\xd8 not really a jpeg"),
            "taken": "2026-02-01T10:00:00Z",
            "tags": ["sea"],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Upload"
    assert body["image"].startswith("http://testserver/photos/pic")
    assert body["tags"] == ["sea"]


def test_create_an_album_with_json(client, user):
    response = client.post("/api/albums/", {"title": "New"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] == "ada"


def test_anonymous_clients_read_but_do_not_write(anonymous, gallery):
    assert anonymous.get("/api/albums/").status_code == 200
    assert anonymous.post("/api/albums/", {"title": "x"}, format="json").status_code == 401


def test_list_queries_do_not_grow_with_the_page(anonymous, gallery):
    assert queries(anonymous, "/api/photos/?limit=1") == queries(anonymous, "/api/photos/?limit=5")


# --- Documented client changes (docs/migrating.md, "What your clients see change") ---


@pytest.mark.client_change("errors", "settings")
def test_not_found_body(anonymous, db):
    response = anonymous.get("/api/photos/999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Photo matches the given query."}


@pytest.mark.client_change("errors", "settings")
def test_validation_error_body(client, db):
    response = client.post("/api/albums/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}


@pytest.mark.client_change("parameters", "photos.views.PhotoViewSet")
def test_a_misspelt_filter_is_ignored(anonymous, gallery):
    response = anonymous.get("/api/photos/", {"albun": gallery["albums"][0].pk})
    assert response.status_code == 200
    assert response.json()["count"] == 7


@pytest.mark.client_change("parameters", "photos.views.PhotoViewSet")
def test_an_unknown_ordering_is_ignored(anonymous, gallery):
    assert anonymous.get("/api/photos/", {"ordering": "album"}).status_code == 200


@pytest.mark.client_change("pagination", "photos.views.PhotoViewSet")
def test_a_malformed_limit_falls_back_to_the_default(anonymous, gallery):
    response = anonymous.get("/api/photos/", {"limit": "lots"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 7


@pytest.mark.client_change("parsers", "photos.views.AlbumViewSet")
def test_an_album_from_a_form(client, user):
    response = client.post("/api/albums/", {"title": "From a form"}, format="multipart")
    assert response.status_code == 201
