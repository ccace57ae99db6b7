"""What the API shows and accepts; business rules live in ``tracker.services``, which
``create``/``update`` call where saving is more than writing the row.

Read-only on every resource: ids, timestamps, the organization (it comes from the
credentials) and who created or wrote a row. Writable relations accept only rows of the
caller's organization (``Meta.tenant_lookups``); another organization's id is "does not
exist", exactly like an id nobody has.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from drf_apifirst.serializers import ApiModelSerializer, StrictInputMixin
from tracker.models import (
    Comment,
    Invitation,
    Label,
    Membership,
    OrganizationAPIKey,
    Project,
    Task,
)
from tracker.services import INTEGRATION_SCOPES


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A project",
            value={"name": "Website"},
            request_only=True,
        ),
        OpenApiExample(
            "A project",
            value={
                "id": 1,
                "name": "Website",
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class ProjectSerializer(ApiModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "created"]


@extend_schema_serializer(
    examples=[
        OpenApiExample("A label", value={"name": "backend"}, request_only=True),
        OpenApiExample("A label", value={"id": 2, "name": "backend"}, response_only=True),
    ]
)
class LabelSerializer(ApiModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name"]

    def validate_name(self, value: str) -> str:
        tenant = self.context.get("tenant")
        taken = Label.objects.filter(organization=tenant, name__iexact=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A label with this name exists.", code="unique")
        return value


class UserSerializer(ApiModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A task",
            value={
                "project": 1,
                "title": "Ship the v2 API",
                "status": "open",
                "labels": [2],
                "due": "2026-12-15",
            },
            request_only=True,
        ),
        OpenApiExample(
            "A task",
            value={
                "id": 42,
                "project": 1,
                "title": "Ship the v2 API",
                "status": "in_progress",
                "assignee": 3,
                "labels": [2],
                "due": "2026-12-15",
                "created_by": 3,
                "created": "2026-11-02T09:30:00Z",
                "updated": "2026-11-20T16:05:12Z",
            },
            response_only=True,
        ),
    ]
)
class TaskSerializer(ApiModelSerializer):
    """v2: a task's state is ``status`` (open, in_progress, done)."""

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "title",
            "status",
            "assignee",
            "labels",
            "due",
            "created_by",
            "created",
            "updated",
        ]
        read_only_fields = ["created_by", "created", "updated"]
        expandable_fields = {
            "project": ProjectSerializer,
            "assignee": UserSerializer,
            "labels": (LabelSerializer, {"many": True}),
        }
        tenant_lookups = {
            "project": "organization",
            "labels": "organization",
            "assignee": "memberships__organization",
        }


@extend_schema_field(serializers.BooleanField())
class DoneField(serializers.Field):
    """v1's ``done`` flag, kept alive on top of v2's ``status``."""

    def __init__(self, **kwargs):
        super().__init__(source="status", **kwargs)

    def to_representation(self, value):
        return value == Task.Status.DONE

    def to_internal_value(self, data):
        flag = serializers.BooleanField().to_internal_value(data)
        return Task.Status.DONE if flag else Task.Status.OPEN


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A task",
            value={"project": 1, "title": "Ship the v2 API", "done": False},
            request_only=True,
        ),
        OpenApiExample(
            "A task",
            value={
                "id": 42,
                "project": 1,
                "title": "Ship the v2 API",
                "done": False,
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class TaskV1Serializer(ApiModelSerializer):
    """v1 (deprecated): ``done`` is a boolean; no assignee, labels or due date."""

    done = DoneField(required=False)

    class Meta:
        model = Task
        fields = ["id", "project", "title", "done", "created"]
        read_only_fields = ["created"]
        expandable_fields = {"project": ProjectSerializer}
        tenant_lookups = {"project": "organization"}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A comment", value={"task": 42, "body": "Deployed to staging."}, request_only=True
        ),
        OpenApiExample(
            "A comment",
            value={
                "id": 7,
                "task": 42,
                "author": 3,
                "body": "Deployed to staging.",
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class CommentSerializer(ApiModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "task", "author", "body", "created"]
        read_only_fields = ["author", "created"]
        expandable_fields = {"author": UserSerializer}
        tenant_lookups = {"task": "project__organization"}


@extend_schema_serializer(
    examples=[
        OpenApiExample("A new role", value={"role": "admin"}, request_only=True),
        OpenApiExample(
            "A membership",
            value={
                "id": 5,
                "username": "grace",
                "role": "member",
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class MemberSerializer(ApiModelSerializer):
    """A membership. Members join by accepting an invitation; admins change ``role``."""

    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "created"]
        read_only_fields = ["created"]


@extend_schema_serializer(
    examples=[
        OpenApiExample("An invitation", value={"username": "grace"}, request_only=True),
        OpenApiExample(
            "An invitation",
            value={
                "id": 3,
                "username": "grace",
                "role": "member",
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class InvitationSerializer(ApiModelSerializer):
    """An invitation to join the organization, by username. It looks the same whether or
    not the username exists; the invitee accepts it (``/me/invitations/``)."""

    class Meta:
        model = Invitation
        fields = ["id", "username", "role", "created"]
        read_only_fields = ["created"]
        extra_kwargs = {"username": {"validators": []}}  # a repeat returns the same one


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An invitation to you",
            value={
                "id": 3,
                "organization": "acme",
                "role": "member",
                "created": "2026-11-02T09:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class MyInvitationSerializer(ApiModelSerializer):
    """An invitation addressed to the caller."""

    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "organization", "role", "created"]
        read_only_fields = fields


# Examples for the API key serializers: what a client sends, what it gets back.
API_KEY_REQUEST = {
    "name": "CI deploys",
    "scopes": ["tasks:read", "tasks:write"],
    "expiry_date": "2027-01-01T00:00:00Z",
}
API_KEY = {
    **API_KEY_REQUEST,
    "prefix": "k2yFoWff",
    "created": "2026-11-02T09:30:00Z",
    "revoked": False,
    "last_used_at": None,
}


@extend_schema_serializer(
    examples=[
        OpenApiExample("An API key", value=API_KEY_REQUEST, request_only=True),
        OpenApiExample("An API key", value=API_KEY, response_only=True),
    ]
)
class APIKeySerializer(ApiModelSerializer):
    """An integration's API key. Its secret is never shown again after creation."""

    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=INTEGRATION_SCOPES), allow_empty=False, min_length=1
    )

    class Meta:
        model = OrganizationAPIKey
        # Not ``id``: it embeds the key's hash. A key is named by its ``prefix``.
        fields = ["prefix", "name", "scopes", "expiry_date", "created", "revoked", "last_used_at"]
        read_only_fields = ["prefix", "created", "revoked", "last_used_at"]
        extra_kwargs = {"name": {"required": True, "allow_blank": False}}


@extend_schema_serializer(
    examples=[
        OpenApiExample("A new API key", value=API_KEY_REQUEST, request_only=True),
        OpenApiExample(
            "A new API key",
            value={**API_KEY, "key": "k2yFoWff.TQgEnzf2cltOjyCApdw9RJDTfE8oxXVR"},
            response_only=True,
        ),
    ]
)
class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.CharField(
        source="plaintext_key", read_only=True, help_text="The secret; shown this once."
    )

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "key"]


class CommitSerializer(StrictInputMixin, serializers.Serializer):
    id = serializers.RegexField(r"^[0-9a-f]{7,64}$", help_text="The commit's hash.")
    message = serializers.CharField(max_length=10_000, trim_whitespace=False)
    url = serializers.URLField(required=False, max_length=2_000)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A push",
            value={
                "commits": [
                    {
                        "id": "9fceb02",
                        "message": "Fix the login redirect, closes #42",
                        "url": "https://git.tracker.example.com/c/9fceb02",
                    }
                ]
            },
            request_only=True,
        ),
    ]
)
class CommitsSerializer(StrictInputMixin, serializers.Serializer):
    """A push, relayed by an integration: ``closes #12`` in a message closes task 12."""

    commits = serializers.ListField(child=CommitSerializer(), max_length=100)


@extend_schema_serializer(
    examples=[
        OpenApiExample("A push", value={"closed": [42], "ignored": [7]}, response_only=True),
    ]
)
class CommitsResultSerializer(serializers.Serializer):
    closed = serializers.ListField(child=serializers.IntegerField())
    ignored = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Referenced task numbers that are not open tasks of this project.",
    )
