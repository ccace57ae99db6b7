import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

import drf_apifirst
from drf_apifirst import checks
from drf_apifirst.checks import check_settings
from drf_apifirst.openapi import AutoSchema

# One function per check id (or per closely related ids), in the order of the ids.
WIRING_CHECKS = [
    checks.check_app_installed,
    checks.check_throttle_rates,
    checks.check_rest_framework_versions,
    checks.check_exception_handler,
    checks.check_middleware,
    checks.check_versioning_class,
    checks.check_schema_class,
]


def check_rest_framework_wiring():
    return [message for check in WIRING_CHECKS for message in check()]


class MySchema(AutoSchema):
    pass


def wired(**overrides):
    """The test project's REST_FRAMEWORK, with some keys replaced."""
    overrides.setdefault("DEFAULT_VERSIONING_CLASS", "drf_apifirst.versioning.URLPathVersioning")
    return drf_apifirst.rest_framework_settings(**overrides)


WIRED_MIDDLEWARE = [
    "drf_apifirst.middleware.RequestIdMiddleware",
    "drf_apifirst.middleware.ProblemMiddleware",
]


def test_the_test_project_is_clean():
    assert check_settings() == []
    assert check_rest_framework_wiring() == []


@override_settings(DRF_APIFIRST="yes")
def test_e001_settings_not_a_dict():
    assert check_settings() == [
        Error(
            "DRF_APIFIRST must be a dict, not str.",
            hint="Write DRF_APIFIRST = {...} in your settings.",
            id="drf_apifirst.E001",
        )
    ]


@override_settings(DRF_APIFIRST={"EROR_TYPE_BASE_URL": "https://x.test/"})
def test_e002_unknown_key_with_suggestion():
    assert check_settings() == [
        Error(
            "DRF_APIFIRST['EROR_TYPE_BASE_URL'] is not a drf-apifirst setting.",
            hint="Did you mean 'ERROR_TYPE_BASE_URL'?",
            id="drf_apifirst.E002",
        )
    ]


def test_e003_removed_key(monkeypatch):
    from drf_apifirst import settings as module

    monkeypatch.setitem(module.REMOVED_SETTINGS, "OLD", "Use NEW.")
    with override_settings(DRF_APIFIRST={"OLD": True}):
        assert check_settings() == [
            Error("DRF_APIFIRST['OLD'] was removed.", hint="Use NEW.", id="drf_apifirst.E003")
        ]


@override_settings(DRF_APIFIRST={"ERROR_TYPE_BASE_URL": "docs.example.com", "API_PREFIXES": []})
def test_e004_invalid_values_name_key_value_and_expectation():
    assert check_settings() == [
        Error(
            "DRF_APIFIRST['ERROR_TYPE_BASE_URL'] is 'docs.example.com'; "
            "expected None or an http(s) URL.",
            hint="The default is None.",
            id="drf_apifirst.E004",
        ),
        Error(
            "DRF_APIFIRST['API_PREFIXES'] is []; "
            "expected a non-empty list of path prefixes starting with '/'.",
            hint="The default is ('/api/',).",
            id="drf_apifirst.E004",
        ),
    ]


@override_settings(DRF_APIFIRST={"REQUEST_ID_GENERATOR": "uuid.nothing_here"})
def test_e008_generator_that_does_not_import():
    [error] = check_settings()
    assert error.id == "drf_apifirst.E008"
    assert error.msg.startswith(
        "DRF_APIFIRST['REQUEST_ID_GENERATOR'] is 'uuid.nothing_here', which cannot be imported"
    )


@override_settings(DRF_APIFIRST={"REQUEST_ID_GENERATOR": "drf_apifirst.request_id.MAX_LENGTH"})
def test_e008_generator_that_is_not_callable():
    assert check_settings() == [
        Error(
            "DRF_APIFIRST['REQUEST_ID_GENERATOR'] is 'drf_apifirst.request_id.MAX_LENGTH', "
            "which is not callable.",
            hint="Give the dotted path of a function.",
            id="drf_apifirst.E008",
        )
    ]


@override_settings(
    INSTALLED_APPS=["django.contrib.contenttypes", "rest_framework"],
    MIDDLEWARE=WIRED_MIDDLEWARE,
)
def test_e005_used_but_not_installed():
    assert check_rest_framework_wiring() == [
        Error(
            "drf-apifirst is used (its middleware or exception handler is configured) "
            "but 'drf_apifirst' is not in INSTALLED_APPS.",
            hint="Add 'drf_apifirst' to INSTALLED_APPS.",
            id="drf_apifirst.E005",
        )
    ]
    # The settings checks stay silent: without the app there is nothing to configure.
    assert check_settings() == []


@override_settings(
    INSTALLED_APPS=["django.contrib.contenttypes", "rest_framework"],
    MIDDLEWARE=[],
    REST_FRAMEWORK={},
)
def test_nothing_reported_when_the_library_is_not_used_at_all():
    assert check_rest_framework_wiring() == []


@override_settings(
    REST_FRAMEWORK=wired(
        DEFAULT_THROTTLE_RATES={"user": "100/minute", "anon": "lots", "burst": None}
    )
)
def test_e006_unparseable_throttle_rate():
    assert check_rest_framework_wiring() == [
        Error(
            "REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['anon'] is 'lots'; "
            "expected None or '<number>/<second|minute|hour|day>'.",
            hint="For example '100/minute' or '5000/day'.",
            id="drf_apifirst.E006",
        )
    ]


@override_settings(REST_FRAMEWORK=wired(ALLOWED_VERSIONS=["v1", "v2"], DEFAULT_VERSION="v3"))
def test_e007_default_version_not_allowed():
    assert check_rest_framework_wiring() == [
        Error(
            "REST_FRAMEWORK['DEFAULT_VERSION'] is 'v3', which is not one of "
            "ALLOWED_VERSIONS ['v1', 'v2'].",
            hint="Name one of the allowed versions, or add it to ALLOWED_VERSIONS.",
            id="drf_apifirst.E007",
        )
    ]


@override_settings(
    REST_FRAMEWORK=wired(
        EXCEPTION_HANDLER="rest_framework.views.exception_handler",
        DEFAULT_SCHEMA_CLASS="drf_spectacular.openapi.AutoSchema",
    ),
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
)
def test_w001_to_w004_library_not_wired():
    assert [(m.id, type(m)) for m in check_rest_framework_wiring()] == [
        ("drf_apifirst.W001", Warning),
        ("drf_apifirst.W002", Warning),
        ("drf_apifirst.W003", Warning),
        ("drf_apifirst.W004", Warning),
    ]


def test_w001_exact_message():
    rest_framework = wired(EXCEPTION_HANDLER="rest_framework.views.exception_handler")
    with override_settings(REST_FRAMEWORK=rest_framework):
        assert check_rest_framework_wiring() == [
            Warning(
                "REST_FRAMEWORK['EXCEPTION_HANDLER'] is 'rest_framework.views.exception_handler', "
                "so API errors are not problem details (RFC 9457).",
                hint="Use REST_FRAMEWORK = drf_apifirst.rest_framework_settings(), or call "
                "drf_apifirst.handlers.exception_handler from your own handler and silence "
                "this warning.",
                id="drf_apifirst.W001",
            )
        ]


@override_settings(MIDDLEWARE=list(reversed(WIRED_MIDDLEWARE)))
def test_w005_middleware_in_the_wrong_order():
    assert [m.id for m in check_rest_framework_wiring()] == ["drf_apifirst.W005"]


def test_subclass_of_the_schema_class_is_accepted():
    rest_framework = wired(DEFAULT_SCHEMA_CLASS="tests.test_checks.MySchema")
    with override_settings(REST_FRAMEWORK=rest_framework):
        assert check_rest_framework_wiring() == []


def test_checks_run_through_manage_py_check():
    with (
        override_settings(DRF_APIFIRST={"API_PREFIXES": "/api/"}),
        pytest.raises(
            SystemCheckError,
            match=r"\(drf_apifirst.E004\) DRF_APIFIRST\['API_PREFIXES'\] is '/api/'",
        ),
    ):
        call_command("check", tags=["drf_apifirst"])


def test_w006_deploy_check_wants_a_shared_cache():
    from drf_apifirst.checks import check_shared_cache

    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        [warning] = check_shared_cache()
    assert warning.id == "drf_apifirst.W006"
    assert "LocMemCache" in warning.msg
    redis = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    with override_settings(CACHES=redis):
        assert check_shared_cache() == []


def test_missing_required_apps_fail_with_a_clear_message(tmp_path):
    import subprocess
    import sys

    code = (
        "import django; from django.conf import settings; "
        "settings.configure(INSTALLED_APPS=['django.contrib.contenttypes', "
        "'django.contrib.auth', 'rest_framework', 'drf_apifirst']); django.setup()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert (
        "drf_apifirst needs 'rest_framework_api_key' and 'knox' in INSTALLED_APPS" in result.stderr
    )


@override_settings(DRF_APIFIRST={"VERSIONS": {"v1": {}, "v2": {}}, "DEFAULT_VERSION": "v3"})
def test_e009_default_version_not_declared():
    [error] = check_settings()
    assert error.id == "drf_apifirst.E009"
    assert error.msg == (
        "DRF_APIFIRST['DEFAULT_VERSION'] is 'v3', which is not one of VERSIONS ['v1', 'v2']."
    )


@override_settings(
    DRF_APIFIRST={
        "VERSIONS": {"v1": {"deprecated": "someday", "sunset": "2027-01-01"}, "v2": {}},
        "DEFAULT_VERSION": "v2",
    }
)
def test_e010_lifecycle_date_that_does_not_parse():
    assert check_settings() == [
        Error(
            "DRF_APIFIRST['VERSIONS']['v1']['deprecated'] is 'someday', which is not a date.",
            hint="Use an ISO 8601 date or datetime, e.g. '2027-06-01'.",
            id="drf_apifirst.E010",
        )
    ]


@override_settings(
    DRF_APIFIRST={
        "VERSIONS": {"v1": {"deprecated": "2027-01-01", "sunset": "2026-01-01"}, "v2": {}},
        "DEFAULT_VERSION": "v2",
    }
)
def test_e011_sunset_before_deprecation():
    [error] = check_settings()
    assert error.id == "drf_apifirst.E011"
    assert (
        error.msg == "Version 'v1' has its sunset (2026-01-01) before its deprecation (2027-01-01)."
    )


@override_settings(REST_FRAMEWORK=drf_apifirst.rest_framework_settings())
def test_w007_versions_without_a_versioning_class():
    assert [m.id for m in check_rest_framework_wiring()] == ["drf_apifirst.W007"]


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_a_proxy_in_front_without_trusted_proxies_is_a_warning(settings):
    assert checks.check_trusted_proxies() == [
        Warning(
            "SECURE_PROXY_SSL_HEADER is set, so a proxy is in front of this app, but "
            "DRF_APIFIRST['TRUSTED_PROXIES'] trusts none: rate limits and logs see every "
            "anonymous client as the proxy's address.",
            hint="Set TRUSTED_PROXIES to the number of proxies in front (1 for one load "
            "balancer) or to their networks (docs/deploying.md).",
            id="drf_apifirst.W008",
        )
    ]
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "TRUSTED_PROXIES": 1}
    assert checks.check_trusted_proxies() == []


@override_settings(SECURE_PROXY_SSL_HEADER=None)
def test_no_proxy_no_warning():
    assert checks.check_trusted_proxies() == []


def test_the_test_urlconf_passes_the_save_kwargs_check():
    assert checks.check_save_kwargs() == []


CDN_HINT = (
    "pip install 'drf-apifirst[docs-ui]', add 'drf_spectacular_sidecar' to INSTALLED_APPS "
    "and use SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(), or pin a version "
    "you host."
)


def test_docs_assets_from_the_sidecar_pass():
    assert checks.check_docs_assets() == []


@override_settings(SPECTACULAR_SETTINGS={})
def test_docs_assets_from_drf_spectaculars_cdn_default_are_a_warning():
    assert checks.check_docs_assets() == [
        Warning(
            "The docs pages load their assets from a CDN (REDOC_DIST="
            "'https://cdn.jsdelivr.net/npm/redoc@latest', SWAGGER_UI_DIST="
            "'https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest'): they break offline and "
            "behind a strict Content-Security-Policy, and '@latest' changes under you.",
            hint=CDN_HINT,
            id="drf_apifirst.W014",
        )
    ]


def test_sidecar_settings_without_the_sidecar_app_are_a_warning(settings):
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "drf_spectacular_sidecar"]
    assert [m.id for m in checks.check_docs_assets()] == ["drf_apifirst.W014"]
    assert "no assets" in checks.check_docs_assets()[0].msg


# --- #17: what an existing DRF project gets wrong when it moves over ---

from django.urls import include, path  # noqa: E402
from rest_framework import generics, serializers  # noqa: E402
from rest_framework.parsers import JSONParser  # noqa: E402
from rest_framework.schemas.openapi import AutoSchema as DrfAutoSchema  # noqa: E402

from tests.testapp.models import Article  # noqa: E402
from tests.testapp.views import UploadSerializer, UploadViewSet  # noqa: E402


class StringMetaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = "__all__"
        read_only_fields = "slug"


class StringListView(generics.ListAPIView):
    queryset = Article.objects.all()
    serializer_class = StringMetaSerializer
    ordering_fields = "time"
    search_fields = "title"
    permission_classes_by_action = {"list": "IsAdminUser"}


class AllFieldsView(generics.ListAPIView):
    queryset = Article.objects.all()
    serializer_class = StringMetaSerializer.__base__  # no Meta of its own: nothing to read
    ordering_fields = "__all__"
    search_fields = ["title"]


def test_the_test_urlconf_passes_the_view_checks():
    assert checks.check_list_attributes() == []
    assert checks.check_view_schemas() == []
    assert checks.check_upload_parsers() == []
    assert checks.check_shadowed_urls() == []


def test_e013_a_string_where_a_list_is_read():
    prefix = "tests.test_checks"
    assert checks.check_list_attributes(view_classes=[StringListView, AllFieldsView]) == [
        Error(
            f"{prefix}.StringListView.ordering_fields is the string 'time', not a list: "
            "it would be read letter by letter (t, i, m, e).",
            hint="Write a list: ['time'].",
            obj=StringListView,
            id="drf_apifirst.E013",
        ),
        Error(
            f"{prefix}.StringListView.search_fields is the string 'title', not a list: "
            "it would be read letter by letter (t, i, t, l, e).",
            hint="Write a list: ['title'].",
            obj=StringListView,
            id="drf_apifirst.E013",
        ),
        Error(
            f"{prefix}.StringListView.permission_classes_by_action['list'] is the string "
            "'IsAdminUser', not a list: it would be read letter by letter "
            "(I, s, A, d, m, i, ...).",
            hint="Write a list: ['IsAdminUser'].",
            obj=StringListView,
            id="drf_apifirst.E013",
        ),
        Error(
            f"{prefix}.StringMetaSerializer.Meta.read_only_fields is the string 'slug', not "
            "a list: it would be read letter by letter (s, l, u, g).",
            hint="Write a list: ['slug'].",
            obj=StringMetaSerializer,
            id="drf_apifirst.E013",
        ),
    ]


class DrfSchemaView(generics.ListAPIView):
    queryset = Article.objects.all()
    serializer_class = StringMetaSerializer
    schema = DrfAutoSchema(tags=["articles"])


class InheritsDrfSchemaView(DrfSchemaView):
    pass


class SpectacularSchemaView(DrfSchemaView):
    schema = AutoSchema()


class UndocumentedView(DrfSchemaView):
    schema = None


def test_e014_drf_own_schema_class_on_a_view():
    hint = (
        "Remove it (the default schema class documents the view), use "
        "drf_apifirst.openapi.AutoSchema or a subclass, and move tags or an operation id to "
        "drf_spectacular.utils.extend_schema / extend_schema_view; schema = None leaves the "
        "view out of the document."
    )
    views = [DrfSchemaView, InheritsDrfSchemaView, SpectacularSchemaView, UndocumentedView]
    assert checks.check_view_schemas(view_classes=views) == [
        Error(
            f"tests.test_checks.{view.__name__} sets schema = "
            "rest_framework.schemas.openapi.AutoSchema(...), which is not drf-spectacular's: "
            "building the OpenAPI document fails with an AssertionError.",
            hint=hint,
            obj=view,
            id="drf_apifirst.E014",
        )
        for view in (DrfSchemaView, InheritsDrfSchemaView)
    ]


def test_e014_is_what_spectacular_would_fail_on():
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(patterns=[path("api/x/", DrfSchemaView.as_view())])
    with pytest.raises(AssertionError, match="Incompatible AutoSchema"):
        generator.get_schema(request=None, public=True)


class JsonOnlyUploadView(generics.CreateAPIView):
    serializer_class = UploadSerializer
    parser_classes = [JSONParser]


def test_w009_a_view_that_takes_files_without_a_multipart_parser():
    views = [JsonOnlyUploadView, UploadViewSet]
    assert checks.check_upload_parsers(view_classes=views) == [
        Warning(
            "tests.test_checks.JsonOnlyUploadView takes files "
            "(tests.testapp.views.UploadSerializer: file) but none of its parser_classes "
            "reads multipart/form-data: uploads are answered 415.",
            hint="parser_classes = drf_apifirst.parsers.UPLOAD_PARSER_CLASSES (JSON, then "
            "multipart) on this view; the OpenAPI document then offers multipart/form-data "
            "for its writes.",
            obj=JsonOnlyUploadView,
            id="drf_apifirst.W009",
        )
    ]


# A host URLconf that mounts DRF's browsable-API login where the library's login is.
urlpatterns = [
    path("api/auth/", include("rest_framework.urls")),
    path("api/", include("drf_apifirst.urls")),
]


@override_settings(ROOT_URLCONF="tests.test_checks")
def test_w010_rest_framework_urls_shadow_the_library_login():
    hint = (
        "Include drf_apifirst.urls before it, or mount rest_framework.urls (the browsable "
        "API's login) under another prefix, e.g. path('api-auth/', "
        "include('rest_framework.urls'))."
    )
    assert checks.check_shadowed_urls() == [
        Warning(
            "/api/auth/login/ is answered by django.contrib.auth.views.LoginView (URL name "
            "'rest_framework:login'), not by drf_apifirst's LoginView: an earlier pattern "
            "shadows it.",
            hint=hint,
            id="drf_apifirst.W010",
        ),
        Warning(
            "/api/auth/logout/ is answered by django.contrib.auth.views.LogoutView (URL name "
            "'rest_framework:logout'), not by drf_apifirst's LogoutView: an earlier pattern "
            "shadows it.",
            hint=hint,
            id="drf_apifirst.W010",
        ),
    ]


DATABASE_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "apifirst_cache",
    }
}


@override_settings(CACHES=DATABASE_CACHES)
def test_w011_rate_limits_on_the_database_cache_say_their_cost():
    assert checks.check_database_cache_cost() == [
        Warning(
            "CACHES['default'] is 'django.core.cache.backends.db.DatabaseCache': each rate "
            "limit that applies to a request costs 11 database queries (cache.add and "
            "cache.incr), and the counters are not atomic across workers.",
            hint="Use Redis or Memcached for CACHES['default'] (docs/deploying.md), or keep "
            "DEFAULT_THROTTLE_CLASSES=[] in rest_framework_settings() if the API has no rate "
            "limits.",
            id="drf_apifirst.W011",
        )
    ]
    # Not only under --deploy: a plain `check` says it.
    assert "drf_apifirst.W011" in {m.id for m in checks.check_database_cache_cost()}
    with override_settings(REST_FRAMEWORK=wired(DEFAULT_THROTTLE_CLASSES=[])):
        assert checks.check_database_cache_cost() == []


@pytest.mark.parametrize("store", ["database", "drf_apifirst.idempotency.DatabaseStore"])
def test_w015_the_database_idempotency_store_under_atomic_requests(settings, store):
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": store}
    databases = {alias: dict(config) for alias, config in settings.DATABASES.items()}
    databases["default"]["ATOMIC_REQUESTS"] = True
    with override_settings(DATABASES=databases):
        assert checks.check_idempotency_store() == [
            Warning(
                "DRF_APIFIRST['IDEMPOTENCY_STORE'] keeps Idempotency-Key records in the "
                "database while DATABASES['default']['ATOMIC_REQUESTS'] is True: a key's "
                "in-flight row stays invisible until the request commits, so a concurrent "
                "retry waits for it instead of a 409, and a kept 4xx (a 404) becomes a 503 "
                "because DRF marks the request's transaction for rollback.",
                hint="Use the cache store (Redis) with ATOMIC_REQUESTS, or turn "
                "ATOMIC_REQUESTS off: the database store already runs a keyed request in "
                "one transaction (docs/caching.md).",
                id="drf_apifirst.W015",
            )
        ]
    assert checks.check_idempotency_store() == []  # ATOMIC_REQUESTS off
    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "IDEMPOTENCY_STORE": "cache"}
    with override_settings(DATABASES=databases):
        assert checks.check_idempotency_store() == []


# Outside a test transaction: a refused add is one ROLLBACK, as in production.
@pytest.mark.django_db(transaction=True)
@override_settings(CACHES=DATABASE_CACHES)
def test_w011_cost_is_what_one_rate_limit_costs(django_assert_num_queries):
    from django.core.cache import cache

    call_command("createcachetable", verbosity=0)
    for _attempt in range(2):  # the first counter of a window and a later one
        with django_assert_num_queries(checks.DATABASE_CACHE_QUERIES_PER_LIMIT):
            cache.add("drf_apifirst:rl:user:u1:0", 0, timeout=61)
            cache.incr("drf_apifirst:rl:user:u1:0")


@override_settings(
    REST_FRAMEWORK=wired(
        DEFAULT_FILTER_BACKENDS=[
            "django_filters.rest_framework.DjangoFilterBackend",
            "rest_framework.filters.OrderingFilter",
            "drf_apifirst.filters.SearchFilter",
        ]
    )
)
def test_w012_kept_filter_backends_switch_strict_filtering_off():
    def warning(backend, replacement):
        return Warning(
            f"REST_FRAMEWORK['DEFAULT_FILTER_BACKENDS'] has {backend!r}: an unknown ordering "
            "field or an invalid filter value is ignored (every row answered) instead of a "
            "400 problem.",
            hint=f"Use {replacement} (the same options), or leave DEFAULT_FILTER_BACKENDS to "
            "rest_framework_settings().",
            id="drf_apifirst.W012",
        )

    assert checks.check_filter_backends() == [
        warning(
            "django_filters.rest_framework.DjangoFilterBackend",
            "drf_apifirst.filters.DjangoFilterBackend",
        ),
        warning("rest_framework.filters.OrderingFilter", "drf_apifirst.filters.OrderingFilter"),
    ]


def test_w012_quiet_with_the_library_backends():
    assert checks.check_filter_backends() == []
