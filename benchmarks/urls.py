"""The same list — a page of articles with their author (FK) and tag ids (M2M) — four ways."""

from __future__ import annotations

from datetime import datetime

from django.http import JsonResponse
from django.urls import path
from ninja import NinjaAPI, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination
from ninja.pagination import paginate
from rest_framework import pagination, renderers, serializers, viewsets
from rest_framework.routers import SimpleRouter

from benchmarks.benchapp.models import Article, Author, Row
from drf_apifirst.pagination import CursorPagination
from drf_apifirst.pagination import PageNumberPagination as ApiPageNumberPagination
from drf_apifirst.serializers import ApiModelSerializer
from drf_apifirst.viewsets import ReadOnlyApiModelViewSet


# (1) Plain Django: values() and hand-built dicts. The floor.
def plain_list(request):
    page_size = min(int(request.GET.get("page_size", 50)), 100)
    page = int(request.GET.get("page", 1))
    count = Article.objects.count()
    rows = list(
        Article.objects.order_by("id").values(
            "id", "title", "created", "views", "author_id", "author__name"
        )[(page - 1) * page_size : page * page_size]
    )
    tags: dict[int, list[int]] = {row["id"]: [] for row in rows}
    for article_id, tag_id in Article.tags.through.objects.filter(
        article_id__in=list(tags)
    ).values_list("article_id", "tag_id"):
        tags[article_id].append(tag_id)
    results = [
        {
            "id": row["id"],
            "title": row["title"],
            "created": row["created"],
            "views": row["views"],
            "author": {"id": row["author_id"], "name": row["author__name"]},
            "tags": tags[row["id"]],
        }
        for row in rows
    ]
    return JsonResponse({"count": count, "results": results})


# (2) Hand-tuned DRF.
class DrfAuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class DrfArticleSerializer(serializers.ModelSerializer):
    author = DrfAuthorSerializer(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "title", "created", "views", "author", "tags"]


class DrfPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class DrfArticleViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Article.objects.select_related("author").prefetch_related("tags")
    serializer_class = DrfArticleSerializer
    pagination_class = DrfPagination
    renderer_classes = [renderers.JSONRenderer]
    filter_backends = []


# (3) django-ninja.
class NinjaAuthor(Schema):
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


ninja_api = NinjaAPI(urls_namespace="ninja")


@ninja_api.get("/articles/", response=list[NinjaArticle])
@paginate(NinjaPageNumberPagination, page_size=50)
def ninja_list(request):
    return Article.objects.select_related("author").prefetch_related("tags")


# (4) drf-apifirst with its defaults: the queryset is optimised from the serializer.
class AuthorSerializer(ApiModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class ArticleSerializer(ApiModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "title", "created", "views", "author", "tags"]


class ArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleSerializer


class CachedArticleViewSet(ArticleViewSet):
    cache_seconds = 60
    cache_models = [Author]


# The cursor-vs-offset run on a million rows.
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
router.register("drf/articles", DrfArticleViewSet, basename="drf")
router.register("apifirst/articles", ArticleViewSet, basename="apifirst")
router.register("apifirst/cached-articles", CachedArticleViewSet, basename="apifirst-cached")
router.register("apifirst/rows-cursor", RowCursorViewSet, basename="rows-cursor")
router.register("apifirst/rows-offset", RowOffsetViewSet, basename="rows-offset")

urlpatterns = [
    path("plain/articles/", plain_list),
    path("ninja/", ninja_api.urls),
    *router.urls,
]
