"""Every view of drf_apifirst.urls, with every method: never a 500, every error a problem."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from drf_apifirst import urls

PROBLEM = "application/problem+json"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NAMES = [pattern.name for pattern in urls.urlpatterns]
QUERIES = {"": "", "?version=v1": "?version=v1", "?version=v9": "?version=v9"}


@pytest.mark.django_db
@pytest.mark.parametrize("query", list(QUERIES.values()), ids=["plain", "version", "bad-version"])
@pytest.mark.parametrize("caller", ["anonymous", "token"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NAMES)
def test_every_library_url_and_method_answers_without_a_500(name, method, caller, query):
    client = APIClient(raise_request_exception=False)
    if caller == "token":
        _, token = AuthToken.objects.create(User.objects.create_user("u", password="p"))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = reverse(f"drf_apifirst:{name}") + query
    response = client.generic(method, url, b"{}", content_type="application/json")

    assert response.status_code < 500, response.content[:300]
    allowed = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM, response.content[:300]
        if method != "HEAD":
            body = response.json()  # the body is JSON, whatever the page renders
            assert body["status"] == response.status_code
            assert "{" not in body["title"]
    if response.status_code == 405:
        assert allowed, response.get("Allow")
        assert method not in allowed
    if method == "OPTIONS" and response.status_code == 200:
        assert "OPTIONS" in allowed


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["logout", "logout-all"])
def test_options_on_logout_describes_the_view(name):
    client = APIClient()
    _, token = AuthToken.objects.create(User.objects.create_user("u", password="p"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.options(reverse(f"drf_apifirst:{name}"))
    assert response.status_code == 200
    assert response["Allow"] == "POST, OPTIONS"
    assert response.json()["name"] in ("Logout", "Logout All")
    assert AuthToken.objects.count() == 1  # describing is not logging out


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_options_on_a_docs_page_lists_its_methods(client, name):
    response = client.options(reverse(f"drf_apifirst:{name}"))
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.content == b""
