"""manage.py apifirst_doctor: what a DRF project's clients notice when it moves over (#17)."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import include, path
from rest_framework import mixins, routers, serializers, viewsets
from rest_framework.permissions import AllowAny

import drf_apifirst
from drf_apifirst.doctor import BREAK, CHANGE, DECIDE, Finding, diagnose
from drf_apifirst.parsers import UPLOAD_PARSER_CLASSES
from tests.testapp.models import Article
from tests.testapp.views import UploadSerializer

# A plain DRF project's settings: what its clients know.
PLAIN_DRF = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
}
# The same project after following docs/migrating.md.
MIGRATED = drf_apifirst.rest_framework_settings(
    DEFAULT_AUTHENTICATION_CLASSES=[
        "drf_apifirst.authentication.TokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "drf_apifirst.authentication.APIKeyAuthentication",
    ],
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.AllowAny"],
    DEFAULT_PAGINATION_CLASS="drf_apifirst.pagination.LimitOffsetPagination",
)


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title"]


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleSerializer
    filterset_fields = ["is_public"]
    permission_classes = [AllowAny]


class PictureViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = UploadSerializer
    permission_classes = [AllowAny]


class FixedPictureViewSet(PictureViewSet):
    parser_classes = UPLOAD_PARSER_CLASSES


class StringOrderingViewSet(ArticleViewSet):
    ordering_fields = "title"


def urlconf(*registrations):
    router = routers.SimpleRouter()
    for prefix, viewset in registrations:
        router.register(prefix, viewset, basename=prefix)

    class URLConf:
        urlpatterns = [
            path("api/", include(router.urls)),
            path("api/", include("drf_apifirst.urls")),
        ]

    return URLConf


BEFORE_URLS = urlconf(
    ("articles", ArticleViewSet), ("pictures", PictureViewSet), ("ordered", StringOrderingViewSet)
)
AFTER_URLS = urlconf(("articles", ArticleViewSet), ("pictures", FixedPictureViewSet))

ARTICLES = "tests.test_doctor.ArticleViewSet"
PICTURES = "tests.test_doctor.PictureViewSet"


@override_settings(ROOT_URLCONF=BEFORE_URLS, REST_FRAMEWORK=PLAIN_DRF, DRF_APIFIRST={})
def test_before_the_switch_every_client_change_is_named():
    findings = diagnose()
    by_subject = {}
    for finding in findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    assert findings[0] == Finding(
        CHANGE,
        "errors",
        "settings",
        "every error becomes an RFC 9457 problem (application/problem+json, `code`, "
        '`errors[].pointer`) instead of {"detail": ...} / {field: [...]}',
        "docs/migrating.md#what-your-clients-see-change",
    )
    pictures = {f.topic: f for f in by_subject[PICTURES]}
    assert pictures["parsers"] == Finding(
        BREAK,
        "parsers",
        PICTURES,
        "uploads become 415: it takes files (UploadSerializer: file) but would read only "
        "application/json",
        "parser_classes = drf_apifirst.parsers.UPLOAD_PARSER_CLASSES",
        ("/api/pictures/",),
    )
    articles = {f.topic: f for f in by_subject[ARTICLES]}
    assert articles["pagination"] == Finding(
        BREAK,
        "pagination",
        ARTICLES,
        "lists change from limit/offset pages to page number pages (limit and offset become "
        "unknown parameters)",
        "pagination_class = drf_apifirst.pagination.LimitOffsetPagination",
        ("/api/articles/", "/api/articles/{pk}/"),
    )
    assert articles["parameters"].message == (
        "becomes a 400 problem on the list: ?ordering= (DRF ordered by any serializer field; "
        "no ordering_fields); an invalid or blank filter value (django-filter ignored it); "
        "any other query parameter (a misspelt filter returned every row)"
    )
    assert articles["authentication"].level == BREAK
    assert articles["authentication"].message.startswith(
        "clients authenticating with rest_framework.authentication.SessionAuthentication, "
        "rest_framework.authentication.TokenAuthentication become anonymous"
    )
    assert articles["throttles"].level == CHANGE
    assert articles["headers"].message.startswith("after the swap to an ApiModelViewSet: ")
    # The string where a list is read is refused (E013) and named by the doctor.
    [e013] = [f for f in findings if f.topic == "checks"]
    assert e013.level == BREAK
    assert e013.message.startswith(
        "drf_apifirst.E013: tests.test_doctor.StringOrderingViewSet.ordering_fields is the "
        "string 'title'"
    )
    decisions = {f.topic for f in findings if f.level == DECIDE}
    # The cache is a decision only where it is not shared (the postgres env runs on Redis).
    shared = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    assert decisions == {"authentication", "proxies"} | (set() if shared else {"cache"})


@override_settings(ROOT_URLCONF=BEFORE_URLS, REST_FRAMEWORK=PLAIN_DRF, DRF_APIFIRST={})
def test_the_command_exits_1_while_something_breaks(capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("apifirst_doctor")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert out.startswith("drf-apifirst doctor (before the switch)\n")
    assert (
        f"{PICTURES}  /api/pictures/\n  BREAK  parsers: uploads become 415: it takes files "
        "(UploadSerializer: file) but would read only application/json\n"
        "         -> parser_classes = drf_apifirst.parsers.UPLOAD_PARSER_CLASSES\n"
    ) in out
    assert out.endswith("change(s) would break existing clients.\n")


@override_settings(
    ROOT_URLCONF=AFTER_URLS,
    REST_FRAMEWORK=MIGRATED,
    REST_KNOX={"AUTH_HEADER_PREFIX": "Bearer"},
    DRF_APIFIRST={"TRUSTED_PROXIES": 1},
)
def test_after_the_switch_with_the_opt_outs_nothing_breaks(capsys):
    call_command("apifirst_doctor", "--json", "--before", "tests.test_doctor.PLAIN_DRF")
    findings = json.loads(capsys.readouterr().out)
    assert [f for f in findings if f["level"] == BREAK] == []
    pagination = [f for f in findings if f["topic"] == "pagination"]
    assert pagination == [
        {
            "level": CHANGE,
            "topic": "pagination",
            "subject": ARTICLES,
            "message": "limit/offset pages: the size is capped at 100, a malformed page "
            "parameter is a 400 problem, and a Link header is sent",
            "opt_out": "docs/pagination.md",
            "paths": ["/api/articles/", "/api/articles/{pk}/"],
        }
    ]


@override_settings(
    ROOT_URLCONF=AFTER_URLS,
    REST_FRAMEWORK=MIGRATED,
    REST_KNOX={"AUTH_HEADER_PREFIX": "Token"},
)
def test_knox_and_drf_tokens_on_one_keyword_break():
    findings = diagnose(before=PLAIN_DRF)
    assert (
        Finding(
            BREAK,
            "authentication",
            "settings",
            "knox and DRF's TokenAuthentication both read 'Authorization: Token ...': each "
            "rejects the other's tokens",
            "REST_KNOX = {'AUTH_HEADER_PREFIX': 'Bearer'} "
            "(docs/migrating.md#authentication-and-tokens)",
        )
        in findings
    )


def test_contract_changes_are_listed(tmp_path):
    import yaml

    call_command("apifirst_schema", "export", "--out", str(tmp_path), stdout=None)
    assert [f for f in diagnose(contract_dir=tmp_path) if f.topic == "schema"] == []
    # A document exported before the move had an operation the project no longer has.
    old = yaml.safe_load((tmp_path / "v2.yaml").read_text())
    old["paths"]["/api/gone/"] = {"get": {"operationId": "gone", "responses": {"200": {}}}}
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(old))
    [change] = [f for f in diagnose(contract_dir=tmp_path) if f.topic == "schema"]
    assert (change.level, change.subject) == (CHANGE, "schema v2")
    assert change.message.startswith("breaking: GET /api/gone/")


@override_settings(ROOT_URLCONF=AFTER_URLS, REST_FRAMEWORK=PLAIN_DRF)
def test_a_different_default_page_size_is_named():
    [finding] = [f for f in diagnose() if f.topic == "page size"]
    assert finding == Finding(
        CHANGE,
        "page size",
        "settings",
        "PAGE_SIZE changes from 10 to 50: a list asked for without a size gets that many items",
        "rest_framework_settings(PAGE_SIZE=10)",
    )
