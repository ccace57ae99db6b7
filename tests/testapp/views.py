from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework import viewsets
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from drf_apifirst.exceptions import InvalidParameters, Problem
from tests.testapp.models import Task
from tests.testapp.serializers import OrderSerializer, TaskSerializer, tag_serializer


class TaskViewSet(viewsets.ModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskSerializer


class OrderView(APIView):
    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class BoomView(APIView):
    def get(self, request):
        raise RuntimeError("database password is hunter2")


class DjangoDeniedView(APIView):
    def get(self, request):
        raise DjangoPermissionDenied("Only the owner may look.")


class FullCleanView(APIView):
    def post(self, request):
        Task(title="x" * 300).full_clean()
        return Response(status=201)


class ParametersView(APIView):
    def get(self, request):
        raise InvalidParameters({"page_size": ["A valid integer is required."]})


class OneRequestPerDay(AnonRateThrottle):
    rate = "1/day"


class ThrottledView(APIView):
    throttle_classes = [OneRequestPerDay]

    def get(self, request):
        return Response({"ok": True})


class PrivateView(APIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"ok": True})


class OutOfCredit(Problem):
    status_code = 403
    default_code = "out_of_credit"
    default_detail = _("Your account has too little credit.")
    title = _("Out of credit.")


class CreditView(APIView):
    def post(self, request):
        raise OutOfCredit(balance=30, accounts=["/accounts/12"])


@require_POST
def plain_post_only(request):
    return HttpResponse("ok")


def plain_boom(request):
    raise RuntimeError("plain view failed")


# --- Library viewsets ---
from rest_framework.permissions import IsAdminUser  # noqa: E402

from drf_apifirst.pagination import (  # noqa: E402
    CursorPagination,
    LimitOffsetPagination,
    PageNumberPagination,
)
from drf_apifirst.viewsets import ApiModelViewSet, ReadOnlyApiModelViewSet  # noqa: E402
from tests.testapp.models import Article  # noqa: E402
from tests.testapp.serializers import (  # noqa: E402
    ArticleListSerializer,
    ArticleSerializer,
    ExpandableArticleSerializer,
    NestedArticleSerializer,
)


class ArticleViewSet(ApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ExpandableArticleSerializer
    serializer_classes = {"list": ArticleListSerializer, "retrieve": ExpandableArticleSerializer}
    permission_classes_by_action = {"destroy": [IsAdminUser]}
    filterset_fields = ["author", "is_public", "published"]
    ordering_fields = ["title", "published", "id"]
    search_fields = ["title"]


class ExpandableArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ExpandableArticleSerializer


class NestedArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = NestedArticleSerializer


class FlatArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleSerializer


class NoCountPagination(PageNumberPagination):
    count_mode = "none"


class NoCountArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = NoCountPagination


class CursorArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = CursorPagination
    ordering_fields = ["id", "slug", "title"]


class LimitOffsetArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = LimitOffsetPagination


class NoCountLimitOffsetPagination(LimitOffsetPagination):
    count_mode = "none"


class NoCountLimitOffsetArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = NoCountLimitOffsetPagination


class TitleCursorPagination(CursorPagination):
    ordering = "title"


class BadCursorArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = TitleCursorPagination


# --- Authentication, scopes, tenants, throttles ---
from rest_framework.decorators import action  # noqa: E402

from drf_apifirst.permissions import HasScope  # noqa: E402
from drf_apifirst.serializers import ApiModelSerializer  # noqa: E402


class OwnedTaskSerializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done", "owner"]
        read_only_fields = ["owner"]


class AlreadyArchived(Problem):
    status_code = 409
    default_code = "already_archived"
    default_detail = "The task is archived already."
    title = "Already archived."


class OwnedTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("token", "api_key")
    permission_classes = [IsAuthenticated, HasScope]
    scopes = "tasks"
    action_scopes = {"archive": "tasks:admin"}
    tenant_field = "owner"
    throttle_scope = "tasks"

    action_problems = {"archive": [AlreadyArchived]}

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        task = self.get_object()
        if task.done:
            raise AlreadyArchived()
        task.done = True
        task.save(update_fields=["done"])
        return Response({"archived": task.pk})


class WhoAmIView(APIView):
    """No query of its own: what authentication costs shows alone."""

    from drf_apifirst.authentication import APIKeyAuthentication, TokenAuthentication

    authentication_classes = [APIKeyAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": str(request.user), "auth": type(request.auth).__name__})


# --- Versions ---
from drf_apifirst.versioning import URLPathVersioning, deprecate  # noqa: E402
from tests.testapp.serializers import TaskV1Serializer, TaskV2Serializer  # noqa: E402


class VersionedTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    versioning_class = URLPathVersioning
    serializer_classes = {"v1": TaskV1Serializer, "v2": TaskV2Serializer}
    action_versions = {"complete": ("v2", None)}

    @action(detail=True, methods=["post"])
    def complete(self, request, version=None, pk=None):
        task = self.get_object()
        task.done = True
        task.save(update_fields=["done"])
        return Response(self.get_serializer(task).data)

    @deprecate(deprecated="2026-03-01", sunset="2026-09-01", link="https://docs.example.com/stats")
    @action(detail=False, methods=["get"])
    def stats(self, request, version=None):
        return Response({"count": self.get_queryset().count()})


# --- Caching, conditional requests, idempotency ---
import threading  # noqa: E402

from tests.testapp.models import Author, Tag  # noqa: E402

SLOW_CREATE_GATE = threading.Event()
SLOW_CREATE_STARTED = threading.Event()


class ConditionalTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskV1Serializer
    etag_field = "updated"


class HashedEtagTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskV1Serializer


class StrictTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskV1Serializer
    etag_field = "updated"
    require_if_match = True


class IdempotentTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskV1Serializer

    @action(detail=False, methods=["post"])
    def slow(self, request, version=None):
        SLOW_CREATE_STARTED.set()
        SLOW_CREATE_GATE.wait(timeout=300)  # opened by the test once its retries are done
        task = Task.objects.create(title=request.data.get("title", "slow"))
        return Response({"id": task.pk}, status=201)

    @action(detail=False, methods=["post"], url_path="write-then-fail")
    def write_then_fail(self, request, version=None):
        """A write, then the database goes away before the request is done."""
        Task.objects.create(title=request.data.get("title", "half"))
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")


class KeyRequiredTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskV1Serializer
    idempotency = "required"


class CachedArticleViewSet(ReadOnlyApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = NestedArticleSerializer
    cache_seconds = 60
    cache_models = [Author, Tag]
    search_fields = ["title"]
    # Read by nobody; allowed so a test can put a second name after "search".
    extra_query_parameters = ["tag"]


class CachedOwnedTaskViewSet(ReadOnlyApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("api_key",)
    permission_classes = [IsAuthenticated]
    tenant_field = "owner"
    cache_seconds = {"list": 60}
    cache_public = True


# --- A deliberately broken view: proves the contract run can fail ---
from drf_spectacular.utils import extend_schema  # noqa: E402


class BrokenContractView(APIView):
    """Documents a 200 with a title; answers 202 with another field."""

    permission_classes = []

    @extend_schema(responses={200: ArticleListSerializer})
    def get(self, request):
        return Response({"id": 1, "undeclared": True}, status=202)


# --- Composition: host code written the DRF way ---
class TutorialTaskViewSet(ApiModelViewSet):
    """``perform_create``/``perform_update`` as DRF's tutorial writes them (no super())."""

    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("api_key",)
    permission_classes = [IsAuthenticated]
    tenant_field = "owner"

    def perform_create(self, serializer):
        serializer.save(done=False)

    def perform_update(self, serializer):
        serializer.save()

    @action(detail=False, methods=["post"], serializer_class=tag_serializer(ApiModelSerializer))
    def tag(self, request):
        """A custom action saving a serializer of another model (no ``owner`` field)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=201)


class QuerysetlessCachedArticleViewSet(ReadOnlyApiModelViewSet):
    """Cached, with ``get_queryset()`` and no ``queryset`` attribute."""

    serializer_class = NestedArticleSerializer
    cache_seconds = 60

    def get_queryset(self):
        return Article.objects.filter(is_public=True)


# --- Hardening: tenants meet caches, ETags and filters ---


class OwnerSerializer(ApiModelSerializer):
    class Meta:
        from django.contrib.auth.models import User

        model = User
        fields = ["id", "username"]


class LabelledTaskSerializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "labels", "owner"]
        read_only_fields = ["owner"]
        expandable_fields = {"owner": OwnerSerializer}


class LabelledEtagTaskViewSet(ApiModelViewSet):
    """``etag_field`` with a many-to-many in the representation."""

    queryset = Task.objects.all()
    serializer_class = LabelledTaskSerializer
    etag_field = "updated"


def header_tenant(request):
    """A resolver picking among the caller's tenants by header (as X-Organization does):
    the user named by ``X-Tenant`` when the caller is that user or a superuser."""
    from django.contrib.auth.models import User

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    name = request.headers.get("X-Tenant")
    if name is None:
        return user
    if not user.is_superuser and name != user.username:
        return None
    return User.objects.filter(username=name).first()


class TenantCachedTaskViewSet(ReadOnlyApiModelViewSet):
    """Cached per caller (not public), tenant-scoped."""

    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("token", "api_key")
    permission_classes = [IsAuthenticated]
    tenant_field = "owner"
    cache_seconds = 60


class TenantIdempotentTaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("token", "api_key")
    permission_classes = [IsAuthenticated]
    tenant_field = "owner"


class FilteredOwnedTaskViewSet(ReadOnlyApiModelViewSet):
    """Model-choice filters on a tenant-scoped view: ``owner`` is the tenant itself,
    ``labels`` is owned through its tasks."""

    queryset = Task.objects.all()
    serializer_class = OwnedTaskSerializer
    auth = ("api_key",)
    permission_classes = [IsAuthenticated]
    tenant_field = "owner"
    filterset_fields = ["owner", "labels"]
    filter_tenant_lookups = {"labels": "task__owner"}


# --- Uploads (#17): JSON first, multipart for the view that takes files ---
from rest_framework import serializers as drf_serializers  # noqa: E402

from drf_apifirst.parsers import UPLOAD_PARSER_CLASSES  # noqa: E402
from drf_apifirst.viewsets import ApiGenericViewSet  # noqa: E402


class UploadSerializer(drf_serializers.Serializer):
    name = drf_serializers.CharField(max_length=50)
    file = drf_serializers.FileField()


class UploadViewSet(ApiGenericViewSet):
    serializer_class = UploadSerializer
    parser_classes = UPLOAD_PARSER_CLASSES

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        body = {"name": serializer.validated_data["name"], "size": upload.size}
        return Response({**body, "file_name": upload.name}, status=201)


# --- Hyperlinked serializers (#17) ---
from drf_apifirst.serializers import HyperlinkedApiModelSerializer  # noqa: E402
from tests.testapp.serializers import AuthorSerializer, TagSerializer  # noqa: E402


class HyperlinkedArticleSerializer(HyperlinkedApiModelSerializer):
    class Meta:
        model = Article
        fields = ["url", "id", "title", "author", "tags", "published", "created"]
        extra_kwargs = {"url": {"view_name": "hyperlinked-article-detail"}}


class DrfHyperlinkedArticleSerializer(drf_serializers.HyperlinkedModelSerializer):
    """The same fields with DRF's own class: the wire format to match."""

    class Meta(HyperlinkedArticleSerializer.Meta):
        pass


class HyperlinkedArticleViewSet(ApiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = HyperlinkedArticleSerializer


class AuthorViewSet(ReadOnlyApiModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


class TagViewSet(ReadOnlyApiModelViewSet):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer


from rest_framework import pagination as drf_pagination  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402

from drf_apifirst.serializers import StrictInputMixin  # noqa: E402


class DRFLimitOffsetArticleViewSet(ReadOnlyApiModelViewSet):
    """A host keeping DRF's LimitOffsetPagination, which sends no Link header."""

    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    pagination_class = drf_pagination.LimitOffsetPagination


class TaggedArticleViewSet(ReadOnlyApiModelViewSet):
    """``?tags=1&tags=2``: a multiple-choice filter, documented as a repeated parameter;
    ``?title=``, a string filter."""

    queryset = Article.objects.all()
    serializer_class = ArticleListSerializer
    filterset_fields = ["tags", "author", "title"]


class StrictCommitSerializer(StrictInputMixin, serializers.Serializer):
    message = serializers.CharField()
    additions = serializers.IntegerField()


class StrictCommitView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = StrictCommitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class OwnedTaskWriteSerializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done", "labels", "owner"]


class StrictTaskView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = OwnedTaskWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"ok": True})


# --- A database that is down: OperationalError / InterfaceError from a view ---
from django.db import InterfaceError, OperationalError  # noqa: E402


class DatabaseDownView(APIView):
    def get(self, request):
        raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")

    def post(self, request):
        raise InterfaceError("connection already closed")


def plain_database_down(request):
    raise OperationalError("server closed the connection unexpectedly")
