from drf_apifirst.serializers import ApiModelSerializer
from tracker.models import Project, Task


class ProjectSerializer(ApiModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "created"]


class TaskSerializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "project", "title", "done", "created"]
        read_only_fields = ["created"]
        expandable_fields = {"project": ProjectSerializer}
