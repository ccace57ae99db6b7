from drf_apifirst.viewsets import ApiModelViewSet
from tasks.models import Task
from tasks.serializers import TaskSerializer


class TaskViewSet(ApiModelViewSet):
    """Your tasks: each caller sees and changes only their own."""

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    tenant_field = "owner"  # the API key's owner, or the signed-in user; stamped on create
    scopes = "tasks"  # tasks:read to read, tasks:write to change
    filterset_fields = ["done"]
    ordering_fields = ["created", "title"]
