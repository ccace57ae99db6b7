import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from drf_apifirst import settings as apifirst_settings_module
from drf_apifirst.request_id import generate_request_id
from drf_apifirst.settings import DEFAULTS, apifirst_settings


def test_defaults_apply_to_keys_the_host_did_not_set():
    with override_settings(DRF_APIFIRST={}):
        assert apifirst_settings.API_PREFIXES == ("/api/",)
        assert apifirst_settings.ERROR_TYPE_BASE_URL is None
        assert apifirst_settings.REQUEST_ID_HEADER == "X-Request-ID"


def test_host_value_overrides_the_default():
    with override_settings(DRF_APIFIRST={"API_PREFIXES": ["/v1/", "/internal/"]}):
        assert apifirst_settings.API_PREFIXES == ["/v1/", "/internal/"]


def test_settings_reload_when_django_settings_change():
    with override_settings(DRF_APIFIRST={"REQUEST_ID_HEADER": "X-Trace"}):
        assert apifirst_settings.REQUEST_ID_HEADER == "X-Trace"
        with override_settings(DRF_APIFIRST={"REQUEST_ID_HEADER": "X-Correlation-ID"}):
            assert apifirst_settings.REQUEST_ID_HEADER == "X-Correlation-ID"
        assert apifirst_settings.REQUEST_ID_HEADER == "X-Trace"


def test_missing_dict_means_all_defaults():
    with override_settings():
        from django.conf import settings

        del settings.DRF_APIFIRST
        assert apifirst_settings.API_PREFIXES == DEFAULTS["API_PREFIXES"]


def test_import_strings_are_imported_on_first_read():
    with override_settings(DRF_APIFIRST={}):
        assert apifirst_settings.REQUEST_ID_GENERATOR is generate_request_id


def test_import_string_that_does_not_import_names_the_key():
    bad = {"REQUEST_ID_GENERATOR": "nowhere.to.be.found"}
    with (
        override_settings(DRF_APIFIRST=bad),
        pytest.raises(ImproperlyConfigured, match=r"'nowhere.to.be.found'.*REQUEST_ID_GENERATOR"),
    ):
        _ = apifirst_settings.REQUEST_ID_GENERATOR


def test_reading_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Invalid drf-apifirst setting: 'NOPE'"):
        _ = apifirst_settings.NOPE


def test_unknown_key_in_host_settings_fails_loudly_with_a_suggestion():
    with (
        override_settings(DRF_APIFIRST={"API_PREFIXS": ["/api/"]}),
        pytest.raises(
            ImproperlyConfigured,
            match=r"DRF_APIFIRST\['API_PREFIXS'\] is not a drf-apifirst setting\. "
            r"Did you mean 'API_PREFIXES'\?",
        ),
    ):
        _ = apifirst_settings.API_PREFIXES


def test_removed_key_fails_loudly_with_what_to_do(monkeypatch):
    monkeypatch.setitem(
        apifirst_settings_module.REMOVED_SETTINGS, "OLD_KEY", "Use API_PREFIXES instead."
    )
    with (
        override_settings(DRF_APIFIRST={"OLD_KEY": 1}),
        pytest.raises(
            ImproperlyConfigured,
            match=r"DRF_APIFIRST\['OLD_KEY'\] was removed\. Use API_PREFIXES instead\.",
        ),
    ):
        _ = apifirst_settings.API_PREFIXES


def test_wrong_value_names_key_value_and_expectation():
    with (
        override_settings(DRF_APIFIRST={"API_PREFIXES": "api"}),
        pytest.raises(
            ImproperlyConfigured,
            match=r"DRF_APIFIRST\['API_PREFIXES'\] is 'api'; expected a non-empty list of path "
            r"prefixes starting with '/'\.",
        ),
    ):
        _ = apifirst_settings.API_PREFIXES


def test_settings_not_a_dict_fails_loudly():
    with (
        override_settings(DRF_APIFIRST=["API_PREFIXES"]),
        pytest.raises(ImproperlyConfigured, match="DRF_APIFIRST must be a dict, not list"),
    ):
        _ = apifirst_settings.API_PREFIXES
