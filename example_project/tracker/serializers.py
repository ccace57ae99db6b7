from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drf_apifirst.serializers import ApiModelSerializer
from tracker.models import Project, Task


class ProjectSerializer(ApiModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "created"]


class TaskSerializer(ApiModelSerializer):
    """v2: a task's state is ``status`` (open, in_progress, done)."""

    class Meta:
        model = Task
        fields = ["id", "project", "title", "status", "created"]
        read_only_fields = ["created"]
        expandable_fields = {"project": ProjectSerializer}


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


class TaskV1Serializer(ApiModelSerializer):
    """v1 (deprecated): ``done`` is a boolean."""

    done = DoneField(required=False)

    class Meta:
        model = Task
        fields = ["id", "project", "title", "done", "created"]
        read_only_fields = ["created"]
        expandable_fields = {"project": ProjectSerializer}
