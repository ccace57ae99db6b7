import importlib.util

import pytest

import drf_apifirst


def test_rest_framework_settings_wires_the_library():
    config = drf_apifirst.rest_framework_settings()
    assert config["EXCEPTION_HANDLER"] == "drf_apifirst.handlers.exception_handler"
    assert config["DEFAULT_SCHEMA_CLASS"] == "drf_apifirst.openapi.AutoSchema"
    assert config["DEFAULT_RENDERER_CLASSES"] == ["drf_apifirst.renderers.ORJSONRenderer"]
    assert config["DEFAULT_PAGINATION_CLASS"] == "drf_apifirst.pagination.PageNumberPagination"
    assert config["PAGE_SIZE"] == 50
    assert config["DEFAULT_FILTER_BACKENDS"] == [
        "drf_apifirst.filters.DjangoFilterBackend",
        "drf_apifirst.filters.SearchFilter",
        "drf_apifirst.filters.OrderingFilter",
    ]


def test_rest_framework_settings_without_the_optional_extras(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name in ("orjson", "django_filters") else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    config = drf_apifirst.rest_framework_settings()
    assert config["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
    assert config["DEFAULT_FILTER_BACKENDS"] == [
        "drf_apifirst.filters.SearchFilter",
        "drf_apifirst.filters.OrderingFilter",
    ]


def test_rest_framework_settings_overrides_replace_keys():
    config = drf_apifirst.rest_framework_settings(
        DEFAULT_RENDERER_CLASSES=["rest_framework.renderers.BrowsableAPIRenderer"], PAGE_SIZE=7
    )
    assert config["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.BrowsableAPIRenderer"]
    assert config["PAGE_SIZE"] == 7
    assert config["EXCEPTION_HANDLER"] == "drf_apifirst.handlers.exception_handler"


def test_rest_framework_settings_rejects_keys_drf_does_not_know():
    with pytest.raises(TypeError, match="not REST_FRAMEWORK settings: PAGESIZE"):
        drf_apifirst.rest_framework_settings(PAGESIZE=7)


def test_spectacular_settings_serve_docs_assets_without_a_cdn():
    config = drf_apifirst.spectacular_settings(TITLE="Tasks")
    assert config["TITLE"] == "Tasks"
    assert config["SWAGGER_UI_DIST"] == "SIDECAR"
    assert config["REDOC_DIST"] == "SIDECAR"
