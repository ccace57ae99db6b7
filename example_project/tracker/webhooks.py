"""The tracker's webhook events, sent by the library (``drf_apifirst.webhooks``).

An organization's admins (or its integrations, with ``webhooks:admin``) register endpoints
at ``/api/v2/webhook-endpoints/``; ``tracker.services`` emits these events after the
write commits, and a worker (``manage.py db_worker``) delivers them, signed, retried and
logged. The payload serializers are the v2 representation's fields, read-only.
"""

from __future__ import annotations

from rest_framework import serializers

from drf_apifirst.validators import PublicURLValidator
from drf_apifirst.webhooks import register_event
from tracker.models import Comment, Task


class TaskEventSerializer(serializers.ModelSerializer):
    """A task, as the events about it carry it (v2's shape)."""

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
            "created",
            "updated",
        ]
        read_only_fields = fields


class CommentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "task", "author", "body", "created"]
        read_only_fields = fields


EVENTS = [
    ("task.created", TaskEventSerializer, "A task was created."),
    ("task.updated", TaskEventSerializer, "A task changed (also: closed by a commit)."),
    ("comment.created", CommentEventSerializer, "A comment was posted on a task."),
]


def register_events() -> None:
    """Called from ``TrackerConfig.ready()``."""
    for name, serializer, description in EVENTS:
        register_event(name, serializer, description)


def validate_webhook_url(url: str) -> None:
    """The SSRF guard as the removed ``Project.webhook_url`` used it; old migrations name it."""
    PublicURLValidator()(url)
