"""The API: one viewset per resource, on the library's base classes.

Every viewset is scoped to the caller's organization (``tenant_field``) and guarded by
scopes (``scopes``; ``:admin`` scopes are for organization admins only, see
``tracker.tenancy``). Views parse and answer; ``tracker.services`` decides.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from drf_apifirst.viewsets import ApiGenericViewSet, ApiModelViewSet
from drf_apifirst.webhooks.views import WebhookEndpointViewSet as BaseWebhookEndpointViewSet
from tracker import services
from tracker.models import (
    Comment,
    Invitation,
    Label,
    Membership,
    OrganizationAPIKey,
    Project,
    Task,
)
from tracker.serializers import (
    APIKeyCreatedSerializer,
    APIKeySerializer,
    CommentSerializer,
    CommitsResultSerializer,
    CommitsSerializer,
    InvitationSerializer,
    LabelSerializer,
    MemberSerializer,
    MyInvitationSerializer,
    ProjectSerializer,
    TaskSerializer,
    TaskV1Serializer,
)
from tracker.tenancy import ORGANIZATION_HEADER

# Documented on every operation: which of a user's organizations the request acts for.
organization_header = extend_schema(
    parameters=[
        OpenApiParameter(
            ORGANIZATION_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="The organization (slug) to act for, for users in several. "
            "API keys act for their own organization and ignore it.",
        )
    ]
)


def _author(request: Any) -> Any:
    """The user behind a request, or None for an integration's API key."""
    return request.user if isinstance(request.user, get_user_model()) else None


@organization_header
class ProjectViewSet(ApiModelViewSet):
    """Projects group tasks. Only admins delete them."""

    queryset = Project.objects.all()
    tenant_field = "organization"
    scopes = "projects"
    action_scopes = {"destroy": "projects:admin", "commits": "tasks:write"}
    serializer_class = ProjectSerializer
    ordering_fields = ["name", "created"]
    search_fields = ["name"]

    @extend_schema(request=CommitsSerializer, responses=CommitsResultSerializer)
    @action(detail=True, methods=["post"])
    def commits(self, request, *args, **kwargs):
        """A push relayed by an integration: ``closes #12`` (or fixes, resolves) in a
        commit message closes task 12 of this project; other numbers are ignored."""
        project = self.get_object()
        serializer = CommitsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closed, ignored = services.close_tasks_from_commits(
            project=project, commits=serializer.validated_data["commits"]
        )
        return Response(CommitsResultSerializer({"closed": closed, "ignored": ignored}).data)


@organization_header
class LabelViewSet(ApiModelViewSet):
    """Labels of the organization's tasks; names are unique (case-insensitively)."""

    queryset = Label.objects.all()
    tenant_field = "organization"
    scopes = "labels"
    serializer_class = LabelSerializer
    # Read on every screen, written rarely: cached per caller and organization, and
    # invalidated by every write to a label.
    cache_seconds = 60
    ordering_fields = ["name"]
    search_fields = ["name"]


# The choices of `project`, `assignee` and `task` are limited to the request's
# organization by the library's filter backend (from tenant_field and the serializer's
# Meta.tenant_lookups): another organization's id is "not a valid choice", like an id
# nobody has.
class TaskFilter(django_filters.FilterSet):
    label = django_filters.CharFilter(field_name="labels__name", lookup_expr="iexact")
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due", lookup_expr="gte")

    class Meta:
        model = Task
        fields = ["project", "status", "assignee"]


class CommentFilter(django_filters.FilterSet):
    class Meta:
        model = Comment
        fields = ["task"]


# --8<-- [start:task_viewset]
@organization_header
class TaskViewSet(ApiModelViewSet):
    """Tasks: filter by project, status, assignee, label or due date; order by created,
    due or title; search titles. v1 (deprecated) shows ``done`` instead of ``status``."""

    queryset = Task.objects.all()
    tenant_field = "project__organization"
    scopes = "tasks"
    serializer_class = TaskSerializer
    serializer_classes = {"v1": TaskV1Serializer, "v2": TaskSerializer}
    filterset_class = TaskFilter
    # ETag from `updated`: If-None-Match answers 304, a stale If-Match is a 412.
    etag_field = "updated"
    ordering_fields = ["created", "due", "title"]
    search_fields = ["title"]

    # --8<-- [end:task_viewset]
    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.query_params.get("label") is not None:
            queryset = queryset.distinct()
        return queryset

    def perform_create(self, serializer):
        serializer.save(created_by=_author(self.request))
        services.task_changed(serializer.instance, "task.created")

    def perform_update(self, serializer):
        super().perform_update(serializer)
        services.task_changed(serializer.instance, "task.updated")


@organization_header
class CommentViewSet(ApiModelViewSet):
    """Comments on tasks (filter by ``task``). The author is whoever posts it."""

    queryset = Comment.objects.all()
    tenant_field = "task__project__organization"
    scopes = "comments"
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["created"]

    def perform_create(self, serializer):
        # DRF's way; the library's save keywords (get_save_kwargs) are added all the same.
        serializer.save(author=_author(self.request))
        services.comment_posted(serializer.instance)


@organization_header
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiGenericViewSet,
):
    """The organization's members. Everyone may list them; admins re-role and remove
    them, and the last admin cannot leave. Members join by accepting an invitation."""

    queryset = Membership.objects.select_related("user")
    auth = ("token", "session")
    tenant_field = "organization"
    scopes = "members"
    action_scopes = {
        "update": "members:admin",
        "partial_update": "members:admin",
        "destroy": "members:admin",
    }
    serializer_class = MemberSerializer
    action_problems = {
        "update": [services.LastAdmin],
        "partial_update": [services.LastAdmin],
        "destroy": [services.LastAdmin],
    }
    filterset_fields = ["role"]
    ordering_fields = ["created"]

    def perform_update(self, serializer):
        membership = serializer.instance
        serializer.instance = services.change_role(
            membership=membership, role=serializer.validated_data.get("role", membership.role)
        )

    def perform_destroy(self, instance):
        services.remove_member(membership=instance)


@organization_header
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ApiGenericViewSet,
):
    """Pending invitations to the organization (admins only). Inviting a username answers
    the same whether or not it exists; the invitee accepts at ``/me/invitations/``.
    DELETE withdraws one."""

    queryset = Invitation.objects.all()
    auth = ("token", "session")
    tenant_field = "organization"
    scopes = "members"
    action_scopes = dict.fromkeys(["list", "retrieve", "create", "destroy"], "members:admin")
    serializer_class = InvitationSerializer
    action_problems = {"create": [services.AlreadyMember]}
    ordering_fields = ["created"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.invite_member(
            organization=self.get_tenant(),
            username=data["username"],
            role=data.get("role", Membership.Role.MEMBER),
            invited_by=self.request.user,
        )


class MyInvitationViewSet(mixins.ListModelMixin, ApiGenericViewSet):
    """The invitations addressed to you, from any organization: accept or decline."""

    queryset = Invitation.objects.select_related("organization")
    auth = ("token", "session")
    serializer_class = MyInvitationSerializer
    ordering_fields = ["created"]

    def get_queryset(self):
        return super().get_queryset().filter(username=self.request.user.get_username())

    @extend_schema(request=None, responses={201: MemberSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Join the organization; it becomes your default one if you had none."""
        membership = services.accept_invitation(invitation=self.get_object(), user=request.user)
        return Response(MemberSerializer(membership).data, status=201)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        services.decline_invitation(invitation=self.get_object())
        return Response(status=204)


@organization_header
class APIKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ApiGenericViewSet,
):
    """The organization's integration keys (admins only). The secret is in the create
    response only; DELETE revokes a key (it stays listed, ``revoked: true``)."""

    queryset = OrganizationAPIKey.objects.all()
    lookup_field = "prefix"
    auth = ("token", "session")
    tenant_field = "owner"
    scopes = "api_keys"
    action_scopes = dict.fromkeys(["list", "retrieve", "create", "destroy"], "api_keys:admin")
    serializer_class = APIKeySerializer
    serializer_classes = {"create": APIKeyCreatedSerializer}
    filterset_fields = ["revoked"]
    ordering_fields = ["created", "name"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_integration_key(
            organization=self.get_tenant(),
            name=data["name"],
            scopes=data["scopes"],
            expiry_date=data.get("expiry_date"),
        )

    def perform_destroy(self, instance):
        instance.revoke()


@organization_header
class WebhookEndpointViewSet(BaseWebhookEndpointViewSet):
    """The organization's webhook endpoints (``tracker.webhooks`` lists the events):
    members read them and their delivery log, admins and integrations with
    ``webhooks:admin`` manage them."""
