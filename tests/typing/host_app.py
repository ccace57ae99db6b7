"""A host project's module written against the library's public API. The lint env checks
it with ``mypy --strict``: nothing the library exports may make a host's strict check fail.
It is never imported by the tests (it is type-checked only)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

import drf_apifirst
from drf_apifirst.exceptions import Problem
from drf_apifirst.pagination import CursorPagination, PageNumberPagination
from drf_apifirst.permissions import HasScope
from drf_apifirst.principals import get_principal
from drf_apifirst.serializers import ApiModelSerializer
from drf_apifirst.testing import assert_problem
from drf_apifirst.viewsets import ApiModelViewSet, ReadOnlyApiModelViewSet
from tests.testapp.models import Article, Task

REST_FRAMEWORK: dict[str, Any] = drf_apifirst.rest_framework_settings(PAGE_SIZE=20)
SPECTACULAR_SETTINGS: dict[str, Any] = drf_apifirst.spectacular_settings(TITLE="Host")


class OutOfCredit(Problem):
    """As docs/errors.md writes one: any status, plain or lazy strings."""

    status_code = 403
    default_code = "out_of_credit"
    default_detail = _("Your account has too little credit.")
    title = _("Out of credit.")


class Gone(Problem):
    status_code = 410
    default_code = "gone"
    default_detail = "It is gone."
    title = "Gone."


class TaskSerializer(ApiModelSerializer[Task]):
    # DRF's stubs declare ModelSerializer.Meta as a class; pyright wants a subclass of it.
    class Meta:  # pyright: ignore[reportIncompatibleVariableOverride]
        model = Task
        fields = ["id", "title", "done"]


class TaskPagination(PageNumberPagination):
    count_mode = "none"


class TaskViewSet(ApiModelViewSet[Task]):
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    pagination_class = TaskPagination
    permission_classes = [IsAuthenticated, HasScope]
    scopes = "tasks"
    tenant_field = "owner"
    etag_field = "updated"

    def get_save_kwargs(self) -> dict[str, Any]:
        return {**super().get_save_kwargs(), "done": False}

    def if_match_required(self) -> bool:
        return get_principal(self.request).kind == "api_key"

    def get_cache_key(self, request: Request) -> str:
        return f"{super().get_cache_key(request)}:{request.headers.get('Accept-Language', '')}"

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        task: Task = self.get_object()
        if task.done:
            raise Gone()
        task.done = True
        task.save(update_fields=["done"])
        return Response(self.get_serializer(task).data)


class ArticleViewSet(ReadOnlyApiModelViewSet[Article]):
    queryset = Article.objects.all()
    pagination_class = CursorPagination

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(is_public=True)


def check_credit(balance: int) -> None:
    if balance < 10:
        raise OutOfCredit(balance=balance)


def assert_refused(response: Any) -> str:
    body = assert_problem(response, status=403, code="out_of_credit")
    return str(body["detail"])
