"""Titles of problems: short, stable, and never one of DRF's unfilled templates."""

import importlib
import pkgutil
from http import HTTPStatus

import pytest
from rest_framework import exceptions

import drf_apifirst
from drf_apifirst.problems import problem_title, status_problem
from drf_apifirst.testing import assert_problem


def _all_api_exceptions():
    for module in pkgutil.walk_packages(drf_apifirst.__path__, "drf_apifirst."):
        if ".management" not in module.name and ".migrations" not in module.name:
            importlib.import_module(module.name)
    seen, todo = [], [exceptions.APIException]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith(("drf_apifirst", "rest_framework")) and cls not in seen:
            seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


API_EXCEPTIONS = _all_api_exceptions()


@pytest.mark.parametrize("status", [s.value for s in HTTPStatus if s >= 400])
def test_every_status_problem_has_a_filled_in_title(status):
    code, title = status_problem(status)
    assert "{" not in title
    assert "}" not in title
    assert title.endswith(".")
    assert code
    assert code == code.lower()
    assert " " not in code


@pytest.mark.parametrize("exc", API_EXCEPTIONS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_library_and_drf_exception_has_a_filled_in_title(exc):
    assert "{" not in problem_title(exc)
    assert len(API_EXCEPTIONS) > 20


def test_a_405_and_a_415_from_drf_have_plain_titles_and_specific_details(api_client):
    body = assert_problem(api_client.delete("/api/auth/login/"), status=405)
    assert body["title"] == "Method Not Allowed."
    assert body["detail"] == 'Method "DELETE" not allowed.'
    body = assert_problem(
        api_client.post("/api/orders/", "x", content_type="text/plain"), status=415
    )
    assert body["title"] == "Unsupported Media Type."
    assert body["detail"] == 'Unsupported media type "text/plain" in request.'


def test_a_405_from_a_plain_django_view_names_the_method(client):
    body = assert_problem(client.put("/api/plain/post-only/"), status=405)
    assert body["title"] == "Method Not Allowed."
    assert body["detail"] == 'Method "PUT" not allowed.'
