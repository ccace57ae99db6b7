"""The viewset stack composes like DRF's: routes are the declared actions, short circuits
work under any exception handler, save-time keywords survive a host's perform_create, and
a cached viewset without a ``queryset`` attribute is still invalidated."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import User
from drf_spectacular.generators import SchemaGenerator
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter
from rest_framework.views import exception_handler as drf_exception_handler

from drf_apifirst.models import APIKey
from drf_apifirst.serializers import ApiModelSerializer
from drf_apifirst.viewsets import ApiGenericViewSet, ApiModelViewSet, ReadOnlyApiModelViewSet
from tests.testapp.models import Article, Tag, Task
from tests.testapp.serializers import TaskV1Serializer

ACTION_MIXINS = {
    "create": mixins.CreateModelMixin,
    "retrieve": mixins.RetrieveModelMixin,
    "update": mixins.UpdateModelMixin,
    "destroy": mixins.DestroyModelMixin,
    "list": mixins.ListModelMixin,
}
# The OpenAPI operations each action gives, as (detail?, method).
ACTION_OPERATIONS = {
    "create": {(False, "post")},
    "list": {(False, "get")},
    "retrieve": {(True, "get")},
    "update": {(True, "put"), (True, "patch")},
    "destroy": {(True, "delete")},
}
SUBSETS = [
    names
    for size in range(1, len(ACTION_MIXINS) + 1)
    for names in itertools.combinations(ACTION_MIXINS, size)
]


class _VersionedBase(ApiGenericViewSet):
    """A host's own base on the library's, as hosts write them."""

    strict_query_parameters = False


def _routes_and_operations(viewset: type) -> tuple[set[str], set[tuple[bool, str]]]:
    router = SimpleRouter()
    router.register("things", viewset, basename="thing")
    actions = {name for url in router.urls for name in url.callback.actions.values()}
    document = SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)
    operations = {
        ("{" in path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "patch", "post", "delete")
    }
    return actions, operations


@pytest.mark.parametrize("base", [ApiGenericViewSet, _VersionedBase], ids=["library", "host"])
@pytest.mark.parametrize("names", SUBSETS, ids=["+".join(names) for names in SUBSETS])
def test_routes_and_documented_operations_are_exactly_the_declared_actions(base, names):
    viewset = type(
        "ThingViewSet",
        (*[ACTION_MIXINS[name] for name in names], base),
        {"queryset": Task.objects.all(), "serializer_class": TaskV1Serializer},
    )
    actions, operations = _routes_and_operations(viewset)
    expected = set(names) | ({"partial_update"} if "update" in names else set())
    assert actions == expected
    assert operations == set().union(*(ACTION_OPERATIONS[name] for name in names))


@pytest.mark.parametrize(
    ("viewset", "expected"),
    [
        (ReadOnlyApiModelViewSet, {"list", "retrieve"}),
        (
            ApiModelViewSet,
            {"list", "retrieve", "create", "update", "partial_update", "destroy"},
        ),
    ],
)
def test_the_model_viewsets_route_their_actions(viewset, expected):
    subclass = type(
        "ThingViewSet",
        (viewset,),
        {"queryset": Task.objects.all(), "serializer_class": TaskV1Serializer},
    )
    assert _routes_and_operations(subclass)[0] == expected


@pytest.mark.parametrize("viewset", [ApiModelViewSet, ReadOnlyApiModelViewSet])
def test_action_mixins_come_before_the_generic_viewset_as_in_drf(viewset):
    mro = viewset.__mro__
    generic = mro.index(viewsets.GenericViewSet)
    assert all(mro.index(mixin) < generic for mixin in ACTION_MIXINS.values() if mixin in mro), [
        cls.__name__ for cls in mro
    ]


# --- Short circuits under any exception handler ---


def host_handler(exc, context):
    """A host's handler that wraps DRF's (as Sentry's or drf-standardized-errors' do)."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        response["X-Host-Handler"] = "yes"
    return response


HANDLERS = [
    "drf_apifirst.handlers.exception_handler",
    "rest_framework.views.exception_handler",
    "tests.test_composition.host_handler",
]


@pytest.fixture(params=HANDLERS, ids=["library", "drf", "host"])
def handler(request, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": request.param}
    return request.param


@pytest.mark.django_db
def test_an_idempotent_replay_under_any_handler(api_client, handler):
    first = api_client.post(
        "/api/idempotent-tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    again = api_client.post(
        "/api/idempotent-tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Task.objects.count() == 1


@pytest.mark.django_db
def test_a_cache_hit_under_any_handler(api_client, articles, handler, django_assert_num_queries):
    first = api_client.get("/api/cached-articles/", {"page_size": 3})
    with django_assert_num_queries(0):
        hit = api_client.get("/api/cached-articles/", {"page_size": 3})
    assert (first["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert hit.status_code == 200
    assert hit.content == first.content


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["conditional-tasks", "hashed-tasks"])
def test_a_304_under_any_handler(api_client, handler, route):
    task = Task.objects.create(title="Draft")
    etag = api_client.get(f"/api/{route}/{task.pk}/")["ETag"]
    again = api_client.get(f"/api/{route}/{task.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


@pytest.mark.django_db
def test_errors_still_go_through_the_hosts_handler(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "tests.test_composition.host_handler",
    }
    response = api_client.get("/api/conditional-tasks/999999/")
    assert response.status_code == 404
    assert response["X-Host-Handler"] == "yes"


# --- Save-time keywords survive a host's perform_create/perform_update ---


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password="pw")


def _key_for(owner):
    _, plaintext = APIKey.objects.create_key(name="k", owner=owner)
    return {"HTTP_AUTHORIZATION": f"Api-Key {plaintext}"}


def test_tenant_stamping_survives_a_tutorial_perform_create(api_client, alice):
    bob = User.objects.create_user("bob", password="pw")
    response = api_client.post(
        "/api/tutorial-tasks/", {"title": "mine", "owner": bob.pk}, format="json", **_key_for(alice)
    )
    assert response.status_code == 201, response.content
    assert Task.objects.get(pk=response.json()["id"]).owner == alice
    listed = api_client.get("/api/tutorial-tasks/", **_key_for(alice)).json()["results"]
    assert [row["title"] for row in listed] == ["mine"]


def test_tenant_stamping_survives_a_tutorial_perform_update(api_client, alice):
    task = Task.objects.create(title="mine", owner=alice)
    response = api_client.patch(
        f"/api/tutorial-tasks/{task.pk}/", {"title": "renamed"}, format="json", **_key_for(alice)
    )
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert (task.title, task.owner) == ("renamed", alice)


def test_a_custom_action_saving_another_model_does_not_get_the_tenant_stamp(api_client, alice):
    """The tenant goes to models that have the tenant field; a tag (no ``owner``) saved by
    a custom action of a tenant-scoped view is created, not a 500."""
    response = api_client.post(
        "/api/tutorial-tasks/tag/", {"name": "urgent"}, format="json", **_key_for(alice)
    )
    assert response.status_code == 201, response.content
    assert list(Tag.objects.values_list("name", flat=True)) == ["urgent"]


@pytest.mark.parametrize("base", [ApiModelSerializer, serializers.ModelSerializer])
def test_a_hosts_own_create_still_gets_the_tenant_its_model_has_no_field_for(alice, base):
    """A serializer whose ``create()`` stamps child rows with the tenant keeps getting it."""
    from rest_framework.test import APIRequestFactory

    from drf_apifirst.serializers import SaveKwargsMixin

    received = {}

    bases = (base,) if issubclass(base, SaveKwargsMixin) else (SaveKwargsMixin, base)

    class TagForOwner(*bases):
        class Meta:
            model = Tag
            fields = ["id", "name"]

        def create(self, validated_data):
            received["owner"] = validated_data.pop("owner")
            return super().create(validated_data)

    context = {
        "request": APIRequestFactory().post("/"),
        "save_kwargs": {"owner": alice},
        "tenant_field": "owner",
    }
    serializer = TagForOwner(data={"name": "mine"}, context=context)
    serializer.is_valid(raise_exception=True)
    assert serializer.save().name == "mine"
    assert received == {"owner": alice}


def test_the_hosts_own_save_keywords_win_over_the_librarys(alice):
    """``get_save_kwargs()`` fills in, the host's explicit ``save(owner=...)`` decides."""
    from rest_framework.test import APIRequestFactory

    class Serializer(ApiModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "title"]

    carol = User.objects.create_user("carol", password="pw")
    request = APIRequestFactory().post("/")
    serializer = Serializer(
        data={"title": "x"}, context={"request": request, "save_kwargs": {"owner": alice}}
    )
    serializer.is_valid(raise_exception=True)
    assert serializer.save().owner == alice
    serializer = Serializer(
        data={"title": "y"}, context={"request": request, "save_kwargs": {"owner": alice}}
    )
    serializer.is_valid(raise_exception=True)
    assert serializer.save(owner=carol).owner == carol


class PlainTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title"]


def test_a_tenant_scoped_viewset_whose_serializer_cannot_take_save_kwargs_fails_the_check():
    from django.core.checks import Error

    from drf_apifirst.checks import check_save_kwargs

    class PlainTenantViewSet(ApiModelViewSet):
        queryset = Task.objects.all()
        serializer_class = PlainTaskSerializer
        tenant_field = "owner"

    class ReadOnlyPlainTenantViewSet(ReadOnlyApiModelViewSet):
        queryset = Task.objects.all()
        serializer_class = PlainTaskSerializer
        tenant_field = "owner"

    name = f"{__name__}.{PlainTenantViewSet.__qualname__}"
    assert check_save_kwargs(view_classes=[PlainTenantViewSet, ReadOnlyPlainTenantViewSet]) == [
        Error(
            f"{name} stamps its tenant ('owner') on writes, but its serializer "
            f"{__name__}.PlainTaskSerializer does not take save_kwargs: a host "
            "perform_create/perform_update would lose the tenant.",
            hint="Base the serializer on drf_apifirst.serializers.ApiModelSerializer, or add "
            "drf_apifirst.serializers.SaveKwargsMixin to it.",
            obj=PlainTenantViewSet,
            id="drf_apifirst.E012",
        )
    ]


# --- Cache invalidation without a queryset attribute ---


@pytest.mark.django_db
def test_a_cached_viewset_with_only_get_queryset_is_invalidated_by_writes(api_client, articles):
    first = api_client.get("/api/querysetless-articles/", {"page_size": 50})
    assert first["X-Cache"] == "miss"
    assert api_client.get("/api/querysetless-articles/", {"page_size": 50})["X-Cache"] == "hit"
    article = Article.objects.get(pk=first.json()["results"][0]["id"])
    article.title = "Renamed"
    article.save()
    fresh = api_client.get("/api/querysetless-articles/", {"page_size": 50})
    assert fresh["X-Cache"] == "miss"
    assert "Renamed" in [row["title"] for row in fresh.json()["results"]]
    # ... and by writes to the nested serializers' models
    author = article.author
    author.name = "Ada Lovelace"
    author.save()
    again = api_client.get("/api/querysetless-articles/", {"page_size": 50})
    assert again["X-Cache"] == "miss"
    assert "Ada Lovelace" in again.content.decode()


# --- The pipeline runs in its documented order ---

STEPS = [
    "check_permissions",
    "check_throttles",
    "check_query_parameters",
    "answer_from_cache",
    "begin_idempotent_request",
    "get_object",
    "finalize_conditional",
    "finish_idempotent_request",
    "store_in_cache",
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/hashed-tasks/{pk}/"), ("patch", "/api/hashed-tasks/{pk}/")],
)
def test_the_pipeline_runs_in_the_documented_order(api_client, monkeypatch, method, url):
    from tests.testapp.views import HashedEtagTaskViewSet

    calls: list[str] = []
    for name in STEPS:
        original = getattr(HashedEtagTaskViewSet, name)

        def recorder(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(HashedEtagTaskViewSet, name, recorder)
    task = Task.objects.create(title="t")
    response = getattr(api_client, method)(url.format(pk=task.pk), {"title": "u"}, format="json")
    assert response.status_code == 200
    assert [c for i, c in enumerate(calls) if c not in calls[:i]] == STEPS
