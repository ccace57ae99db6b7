"""Seven shapes real APIs have, each served four ways with the same JSON for each row.

A shape is a list of 50 articles (author FK, tags M2M) read one way, a detail, a create or
a list behind an API key. The stacks: (1) plain Django (``values()``, hand-built dicts,
``JsonResponse``), (2) hand-tuned DRF, (3) django-ninja, (4) drf-apifirst's viewsets with
their defaults and no hand-written queryset tuning. The DRF and drf-apifirst serializers
are the same declaration on two base classes (``article_serializer``).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.dateparse import parse_datetime
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination
from ninja.pagination import paginate
from ninja.security import APIKeyHeader
from rest_framework import authentication, exceptions, pagination, renderers, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from benchmarks.benchapp.models import Article, Author, Row, Tag
from drf_apifirst.models import APIKey
from drf_apifirst.pagination import CursorPagination
from drf_apifirst.pagination import PageNumberPagination as ApiPageNumberPagination
from drf_apifirst.serializers import ApiModelSerializer
from drf_apifirst.viewsets import ApiModelViewSet, ReadOnlyApiModelViewSet

SHAPES = ("ids", "slugs", "nested", "method", "detail", "create", "apikey")


def api_key_owner(key: str | None) -> object | None:
    """What a hand-written stack does with ``Authorization: Api-Key <key>``: the package's
    own lookup (one query and a hash check per request)."""
    if not key:
        return None
    try:
        api_key = APIKey.objects.get_from_key(key)
    except APIKey.DoesNotExist:
        return None
    return api_key if api_key.is_valid(key) and not api_key.revoked else None


def header_key(request) -> str | None:
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return key if scheme == "Api-Key" else None


# --- (1) Plain Django: values(), hand-built dicts. The floor. ---


def _page(request) -> tuple[int, list[dict]]:
    page_size = min(int(request.GET.get("page_size", 50)), 100)
    page = int(request.GET.get("page", 1))
    count = Article.objects.count()
    rows = list(
        Article.objects.order_by("id").values(
            "id", "title", "created", "views", "author_id", "author__name"
        )[(page - 1) * page_size : page * page_size]
    )
    return count, rows


def _tags(article_ids: list[int], *columns: str) -> dict[int, list]:
    grouped: dict[int, list] = {pk: [] for pk in article_ids}
    rows = (
        Article.tags.through.objects.filter(article_id__in=article_ids)
        .order_by("tag_id")
        .values_list("article_id", *columns)
    )
    for article_id, *values in rows:
        grouped[article_id].append(values[0] if len(values) == 1 else values)
    return grouped


def _row(row: dict, tags: object) -> dict:
    return {
        "id": row["id"],
        "title": row["title"],
        "created": row["created"],
        "views": row["views"],
        "author": {"id": row["author_id"], "name": row["author__name"]},
        "tags": tags,
    }


def plain_list(request, shape: str = "ids"):
    if shape == "apikey" and api_key_owner(header_key(request)) is None:
        return JsonResponse({"detail": "Invalid API key."}, status=401)
    count, rows = _page(request)
    ids = [row["id"] for row in rows]
    if shape == "slugs":
        tags = _tags(ids, "tag__name")
        results = [_row(row, tags[row["id"]]) for row in rows]
    elif shape == "nested":
        tags = _tags(ids, "tag_id", "tag__name")
        results = [
            _row(row, [{"id": pk, "name": name} for pk, name in tags[row["id"]]]) for row in rows
        ]
    elif shape == "method":
        tags = _tags(ids, "tag_id")
        results = [
            {
                "id": row["id"],
                "title": row["title"],
                "author_name": row["author__name"],
                "word_count": len(row["title"].split()),
                "tags": tags[row["id"]],
            }
            for row in rows
        ]
    else:
        tags = _tags(ids, "tag_id")
        results = [_row(row, tags[row["id"]]) for row in rows]
    return JsonResponse({"count": count, "results": results})


def plain_detail(request, pk: int):
    row = (
        Article.objects.filter(pk=pk)
        .values("id", "title", "created", "views", "author_id", "author__name")
        .first()
    )
    if row is None:
        raise Http404
    return JsonResponse(_row(row, _tags([pk], "tag_id")[pk]))


def plain_create(request):
    data = json.loads(request.body)
    errors = {}
    title, views, created = data.get("title"), data.get("views"), data.get("created")
    if not isinstance(title, str) or not 0 < len(title) <= 200:
        errors["title"] = ["Not a valid title."]
    if not isinstance(views, int):
        errors["views"] = ["A valid integer is required."]
    created = parse_datetime(created) if isinstance(created, str) else None
    if created is None:
        errors["created"] = ["Datetime has wrong format."]
    author_id, tag_ids = data.get("author"), data.get("tags", [])
    if not isinstance(author_id, int) or not Author.objects.filter(pk=author_id).exists():
        errors["author"] = ["Invalid pk - object does not exist."]
    tags = list(Tag.objects.filter(pk__in=tag_ids))  # one query for every tag id
    if len({tag.pk for tag in tags}) != len(set(tag_ids)):
        errors["tags"] = ["Invalid pk - object does not exist."]
    if errors:
        return JsonResponse(errors, status=400)
    article = Article.objects.create(title=title, created=created, views=views, author_id=author_id)
    article.tags.add(*tags)
    return JsonResponse(
        {
            "id": article.pk,
            "title": title,
            "created": created,
            "views": views,
            "author": author_id,
            "tags": sorted({tag.pk for tag in tags}),
        },
        status=201,
    )


# --- (2) DRF and (4) drf-apifirst: one declaration per shape on two base classes. ---


def article_serializer(base: type, shape: str) -> type:
    """The serializer of ``shape`` on ``base`` (DRF's ModelSerializer or ours)."""

    class AuthorSerializer(base):
        class Meta:
            model = Author
            fields = ["id", "name"]

    class TagSerializer(base):
        class Meta:
            model = Tag
            fields = ["id", "name"]

    if shape == "slugs":

        class SlugArticleSerializer(base):
            author = AuthorSerializer(read_only=True)
            tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

            class Meta:
                model = Article
                fields = ["id", "title", "created", "views", "author", "tags"]

        return SlugArticleSerializer
    if shape == "nested":

        class NestedArticleSerializer(base):
            author = AuthorSerializer(read_only=True)
            tags = TagSerializer(many=True, read_only=True)

            class Meta:
                model = Article
                fields = ["id", "title", "created", "views", "author", "tags"]

        return NestedArticleSerializer
    if shape == "method":

        class MethodArticleSerializer(base):
            author_name = serializers.CharField(source="author.name", read_only=True)
            word_count = serializers.SerializerMethodField()

            class Meta:
                model = Article
                fields = ["id", "title", "author_name", "word_count", "tags"]

            def get_word_count(self, obj: Article) -> int:
                return len(obj.title.split())

        return MethodArticleSerializer
    if shape == "create":

        class WriteArticleSerializer(base):
            class Meta:
                model = Article
                fields = ["id", "title", "created", "views", "author", "tags"]

        return WriteArticleSerializer

    class ArticleSerializer(base):  # ids, detail, apikey
        author = AuthorSerializer(read_only=True)

        class Meta:
            model = Article
            fields = ["id", "title", "created", "views", "author", "tags"]

    return ArticleSerializer


class DrfPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class DrfApiKeyAuthentication(authentication.BaseAuthentication):
    """What a DRF project writes on djangorestframework-api-key."""

    def authenticate(self, request):
        key = header_key(request)
        if key is None:
            return None
        api_key = api_key_owner(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        return api_key.owner, api_key


def drf_viewset(shape: str) -> type:
    """Hand-tuned DRF: the joins and prefetches written by hand for the shape."""
    attrs = {
        "queryset": Article.objects.select_related("author").prefetch_related("tags"),
        "serializer_class": article_serializer(serializers.ModelSerializer, shape),
        "pagination_class": DrfPagination,
        "renderer_classes": [renderers.JSONRenderer],
        "filter_backends": [],
    }
    if shape == "apikey":
        attrs["authentication_classes"] = [DrfApiKeyAuthentication]
        attrs["permission_classes"] = [IsAuthenticated]
    base = viewsets.ModelViewSet if shape == "create" else viewsets.ReadOnlyModelViewSet
    return type(f"Drf{shape.title()}ViewSet", (base,), attrs)


def apifirst_viewset(shape: str) -> type:
    """drf-apifirst: the queryset is planned from the serializer; nothing tuned by hand."""
    attrs = {
        "queryset": Article.objects.all(),
        "serializer_class": article_serializer(ApiModelSerializer, shape),
    }
    if shape == "apikey":
        attrs["auth"] = ("api_key",)
        attrs["permission_classes"] = [IsAuthenticated]
    base = ApiModelViewSet if shape == "create" else ReadOnlyApiModelViewSet
    return type(f"Api{shape.title()}ViewSet", (base,), attrs)


# --- (3) django-ninja. ---


class NinjaAuthor(Schema):
    id: int
    name: str


class NinjaTag(Schema):
    id: int
    name: str


class NinjaArticle(Schema):
    id: int
    title: str
    created: datetime
    views: int
    author: NinjaAuthor
    tags: list[int]

    @staticmethod
    def resolve_tags(obj):
        return [tag.id for tag in obj.tags.all()]


class NinjaSlugArticle(NinjaArticle):
    tags: list[str]  # type: ignore[assignment]

    @staticmethod
    def resolve_tags(obj):
        return [tag.name for tag in obj.tags.all()]


class NinjaNestedArticle(NinjaArticle):
    tags: list[NinjaTag]  # type: ignore[assignment]

    @staticmethod
    def resolve_tags(obj):
        return list(obj.tags.all())


class NinjaMethodArticle(Schema):
    id: int
    title: str
    author_name: str = Field(..., alias="author.name")
    word_count: int
    tags: list[int]

    @staticmethod
    def resolve_word_count(obj):
        return len(obj.title.split())

    @staticmethod
    def resolve_tags(obj):
        return [tag.id for tag in obj.tags.all()]


class NinjaArticleIn(Schema):
    title: str = Field(..., max_length=200)
    created: datetime
    views: int
    author: int
    tags: list[int] = []


class NinjaArticleOut(Schema):
    id: int
    title: str
    created: datetime
    views: int
    author: int
    tags: list[int]


class NinjaApiKey(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request, key):
        scheme, _, value = (key or "").partition(" ")
        return api_key_owner(value) if scheme == "Api-Key" else None


ninja_api = NinjaAPI(urls_namespace="ninja")


def _ninja_queryset():
    return Article.objects.select_related("author").prefetch_related("tags")


def _ninja_list(shape: str, schema: type, **options) -> None:
    @ninja_api.get(f"/{shape}/", response=list[schema], url_name=f"ninja-{shape}", **options)
    @paginate(NinjaPageNumberPagination, page_size=50)
    def articles(request):
        return _ninja_queryset()


_ninja_list("ids", NinjaArticle)
_ninja_list("slugs", NinjaSlugArticle)
_ninja_list("nested", NinjaNestedArticle)
_ninja_list("method", NinjaMethodArticle)
_ninja_list("apikey", NinjaArticle, auth=NinjaApiKey())


@ninja_api.get("/detail/{pk}/", response=NinjaArticle)
def ninja_detail(request, pk: int):
    return get_object_or_404(_ninja_queryset(), pk=pk)


@ninja_api.post("/create/", response={201: NinjaArticleOut, 400: dict})
def ninja_create(request, payload: NinjaArticleIn):
    errors = {}
    if not Author.objects.filter(pk=payload.author).exists():
        errors["author"] = ["Invalid pk - object does not exist."]
    tags = list(Tag.objects.filter(pk__in=payload.tags))
    if len({tag.pk for tag in tags}) != len(set(payload.tags)):
        errors["tags"] = ["Invalid pk - object does not exist."]
    if errors:
        return 400, errors
    article = Article.objects.create(
        title=payload.title, created=payload.created, views=payload.views, author_id=payload.author
    )
    article.tags.add(*tags)
    return 201, {**payload.dict(), "id": article.pk, "tags": sorted({t.pk for t in tags})}


# --- The cursor-vs-offset run on a million rows. ---


class RowSerializer(ApiModelSerializer):
    class Meta:
        model = Row
        fields = ["id", "value"]


class RowCursorPagination(CursorPagination):
    ordering = "id"


class RowCursorViewSet(ReadOnlyApiModelViewSet):
    queryset = Row.objects.all()
    serializer_class = RowSerializer
    pagination_class = RowCursorPagination


class RowOffsetPagination(ApiPageNumberPagination):
    count_mode = "none"


class RowOffsetViewSet(ReadOnlyApiModelViewSet):
    queryset = Row.objects.all()
    serializer_class = RowSerializer
    pagination_class = RowOffsetPagination


router = SimpleRouter()
for _shape in ("ids", "slugs", "nested", "method", "detail", "create", "apikey"):
    router.register(f"drf/{_shape}", drf_viewset(_shape), basename=f"drf-{_shape}")
    router.register(f"apifirst/{_shape}", apifirst_viewset(_shape), basename=f"api-{_shape}")
router.register("apifirst/rows-cursor", RowCursorViewSet, basename="rows-cursor")
router.register("apifirst/rows-offset", RowOffsetViewSet, basename="rows-offset")

urlpatterns = [
    *(path(f"plain/{shape}/", plain_list, {"shape": shape}) for shape in SHAPES[:4]),
    path("plain/apikey/", plain_list, {"shape": "apikey"}),
    path("plain/detail/<int:pk>/", plain_detail),
    path("plain/create/", plain_create),
    path("ninja/", ninja_api.urls),
    *router.urls,
]
