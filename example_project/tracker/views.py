from drf_apifirst.viewsets import ApiModelViewSet

from tracker.models import Project, Task
from tracker.serializers import ProjectSerializer, TaskSerializer


class ProjectViewSet(ApiModelViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    ordering_fields = ["name", "created"]
    search_fields = ["name"]


class TaskViewSet(ApiModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_fields = ["project", "done"]
    ordering_fields = ["created", "title"]
    search_fields = ["title"]
