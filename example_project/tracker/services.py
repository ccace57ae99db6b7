"""Business logic of the tracker, kept out of views and serializers.

Views validate input with serializers and call these functions; each takes and returns
model instances, runs in one transaction when it writes several rows, and raises a
problem (``drf_apifirst.exceptions.Problem``) when a business rule says no.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from drf_apifirst.exceptions import Problem
from drf_apifirst.webhooks import emit
from tracker.models import (
    Comment,
    Invitation,
    Label,
    Membership,
    Organization,
    OrganizationAPIKey,
    Project,
    Task,
)

# What an organization admin may grant an integration's key. Managing members and keys
# stays with people.
INTEGRATION_SCOPES = [
    "projects:read",
    "projects:write",
    "tasks:read",
    "tasks:write",
    "labels:read",
    "labels:write",
    "comments:read",
    "comments:write",
    "webhooks:read",
    "webhooks:admin",
]


class LastAdmin(Problem):
    status_code = 409
    default_code = "last_admin"
    default_detail = _("An organization keeps at least one admin.")
    title = _("Last admin.")


class AlreadyMember(Problem):
    status_code = 409
    default_code = "already_member"
    default_detail = _("This user is already a member of the organization.")
    title = _("Already a member.")


# --- tasks ------------------------------------------------------------------------------


def task_changed(task: Task, event: str) -> None:
    """Tell the organization's webhook endpoints (``tracker.webhooks``); sent by a worker
    once the transaction commits, never for a write that is rolled back."""
    emit(event, task, tenant=task.project.organization)


def comment_posted(comment: Comment) -> None:
    emit("comment.created", comment, tenant=comment.task.project.organization)


CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d{1,18})\b", re.I)


@transaction.atomic
def close_tasks_from_commits(
    *, project: Project, commits: list[dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """``closes #12`` in a commit message closes task 12 of ``project``. Returns the
    task ids closed and the referenced numbers left alone (not an open task of it)."""
    referenced = sorted({int(n) for c in commits for n in CLOSES.findall(c["message"])})
    tasks = list(
        Task.objects.select_for_update()
        .select_related("project")
        .filter(project=project, pk__in=referenced)
        .exclude(status=Task.Status.DONE)
    )
    for task in tasks:
        task.status = Task.Status.DONE
        task.save(update_fields=["status", "updated"])
        task_changed(task, "task.updated")
    closed = [task.pk for task in tasks]
    return closed, [n for n in referenced if n not in closed]


# --- members ----------------------------------------------------------------------------


def _is_last_admin(membership: Membership) -> bool:
    """Whether ``membership`` is its organization's only admin. Locks the admins' rows
    first, so two admins demoting or removing each other cannot both succeed."""
    admins = Membership.objects.select_for_update().filter(
        organization=membership.organization_id, role=Membership.Role.ADMIN
    )
    return [m.pk for m in admins] == [membership.pk]


def add_member(*, organization: Organization, user: Any, role: str) -> Membership:
    """Make ``user`` a member; their first organization becomes their default one."""
    try:
        with transaction.atomic():
            first = not Membership.objects.filter(user=user, is_default=True).exists()
            return Membership.objects.create(
                organization=organization, user=user, role=role, is_default=first
            )
    except IntegrityError:  # the unique (organization, user) constraint, even under a race
        raise AlreadyMember() from None


def invite_member(
    *, organization: Organization, username: str, role: str, invited_by: Any
) -> Invitation:
    """An invitation by username. The answer is the same whether the username exists or
    not (no enumeration); inviting a pending username again returns that invitation."""
    if Membership.objects.filter(organization=organization, user__username=username).exists():
        raise AlreadyMember()
    invitation, _ = Invitation.objects.get_or_create(
        organization=organization,
        username=username,
        defaults={"role": role, "invited_by": invited_by},
    )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: Any) -> Membership:
    """The invitee joins: the invitation becomes a membership."""
    membership = add_member(organization=invitation.organization, user=user, role=invitation.role)
    invitation.delete()
    return membership


def decline_invitation(*, invitation: Invitation) -> None:
    invitation.delete()


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> Membership:
    if role != Membership.Role.ADMIN and _is_last_admin(membership):
        raise LastAdmin()
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    if _is_last_admin(membership):
        raise LastAdmin()
    membership.delete()


# --- integrations -----------------------------------------------------------------------


def create_integration_key(
    *, organization: Organization, name: str, scopes: list[str], expiry_date: Any = None
) -> OrganizationAPIKey:
    """A new key; its secret is on ``key.plaintext_key`` for this response only."""
    key, plaintext = OrganizationAPIKey.objects.create_key(
        owner=organization, name=name, scopes=sorted(set(scopes)), expiry_date=expiry_date
    )
    key.plaintext_key = plaintext  # type: ignore[attr-defined]
    return key


# --- demo data --------------------------------------------------------------------------

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_KEYS = {
    "read": ["projects:read", "tasks:read", "labels:read", "comments:read"],
    "write": INTEGRATION_SCOPES,
}
DEMO_ORGANIZATIONS = {
    # slug: (name, admin, member)
    "acme": ("Acme", DEMO_USERNAME, "demo-member"),
    "globex": ("Globex", "globex-admin", "globex-member"),
}
LABELS = ["bug", "feature", "ops"]


def _demo_user(username: str) -> Any:
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _seed_tasks(project: Project, size: int, people: list[Any], labels: list[Label]) -> None:
    start = project.tasks.count()
    if start >= size:
        return
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            title=f"Task {n + 1} of {project.name}",
            status=[Task.Status.DONE, Task.Status.OPEN, Task.Status.IN_PROGRESS][n % 3],
            assignee=people[n % len(people)] if n % 4 else None,
            due=date(2027, 1, 1) + timedelta(days=n % 90) if n % 2 else None,
            created_by=people[0],
        )
        for n in range(start, size)
    )
    Through = Task.labels.through
    Through.objects.bulk_create(
        Through(task_id=task.pk, label_id=labels[n % len(labels)].pk)
        for n, task in enumerate(tasks)
        if n % 2 == 0
    )


@transaction.atomic
def seed_demo(*, size: int = 10) -> dict[str, object]:
    """Two organizations with an admin and a member each, two projects of ``size`` tasks,
    and labels. Running it again adds only what is missing, except the demo API keys of
    Acme, which are replaced (a key's secret cannot be shown twice)."""
    for slug, (name, admin_name, member_name) in DEMO_ORGANIZATIONS.items():
        organization, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
        admin, member = _demo_user(admin_name), _demo_user(member_name)
        for user, role in ((admin, Membership.Role.ADMIN), (member, Membership.Role.MEMBER)):
            Membership.objects.get_or_create(
                organization=organization, user=user, defaults={"role": role, "is_default": True}
            )
        labels = [
            Label.objects.get_or_create(organization=organization, name=label)[0]
            for label in LABELS
        ]
        for p in range(2):
            project, _ = Project.objects.get_or_create(
                organization=organization, name=f"{name} project {p + 1}"
            )
            _seed_tasks(project, size, [admin, member], labels)
    acme = Organization.objects.get(slug="acme")
    OrganizationAPIKey.objects.filter(owner=acme, name__startswith="demo-").delete()
    api_keys = {
        kind: create_integration_key(
            organization=acme, name=f"demo-{kind}", scopes=scopes
        ).plaintext_key  # type: ignore[attr-defined]
        for kind, scopes in DEMO_KEYS.items()
    }
    return {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "api_keys": api_keys}
