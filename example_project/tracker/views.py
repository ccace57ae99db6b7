from drf_apifirst.viewsets import ApiModelViewSet
from tracker.models import Project, Task
from tracker.serializers import ProjectSerializer, TaskSerializer, TaskV1Serializer


class ProjectViewSet(ApiModelViewSet):
    """Projects group tasks."""

    queryset = Project.objects.all()
    scopes = "projects"
    serializer_class = ProjectSerializer
    ordering_fields = ["name", "created"]
    search_fields = ["name"]


class TaskViewSet(ApiModelViewSet):
    """Tasks: filter by project or status, order by created or title, search titles."""

    queryset = Task.objects.all()
    scopes = "tasks"
    serializer_class = TaskSerializer
    serializer_classes = {"v1": TaskV1Serializer, "v2": TaskSerializer}
    filterset_fields = ["project", "status"]
    # ETag from `updated`: If-None-Match answers 304, a stale If-Match is a 412.
    etag_field = "updated"
    ordering_fields = ["created", "title"]
    search_fields = ["title"]
