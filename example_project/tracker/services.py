"""Business logic of the tracker, kept out of views and serializers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.models import Project, Task

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


@transaction.atomic
def seed_demo(*, size: int = 10) -> dict[str, str]:
    """Create (or reuse) the demo user and data; running it twice changes nothing."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    for p in range(2):
        project, _ = Project.objects.get_or_create(name=f"Demo project {p + 1}")
        for t in range(project.tasks.count(), size):
            Task.objects.create(
                project=project, title=f"Task {t + 1} of {project.name}", done=t % 3 == 0
            )
    return {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
