"""Business logic of the tracker, kept out of views and serializers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from drf_apifirst.models import APIKey
from tracker.models import Project, Task

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


DEMO_KEYS = {
    "read": ["tasks:read", "projects:read"],
    "write": ["tasks:read", "tasks:write", "projects:read", "projects:write"],
}


@transaction.atomic
def seed_demo(*, size: int = 10) -> dict[str, object]:
    """Create (or reuse) the demo user and data; running it twice changes nothing but the
    demo API keys, which are replaced (a key's secret cannot be shown twice)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    for p in range(2):
        project, _ = Project.objects.get_or_create(name=f"Demo project {p + 1}")
        for t in range(project.tasks.count(), size):
            Task.objects.create(
                project=project,
                title=f"Task {t + 1} of {project.name}",
                status=Task.Status.DONE if t % 3 == 0 else Task.Status.OPEN,
            )
    APIKey.objects.filter(owner=user, name__startswith="demo-").delete()
    api_keys = {}
    for kind, scopes in DEMO_KEYS.items():
        _, plaintext = APIKey.objects.create_key(name=f"demo-{kind}", owner=user, scopes=scopes)
        api_keys[kind] = plaintext
    return {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "api_keys": api_keys}
