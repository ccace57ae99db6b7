from drf_apifirst.serializers import ApiModelSerializer
from tasks.models import Task


class TaskSerializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done", "created"]
