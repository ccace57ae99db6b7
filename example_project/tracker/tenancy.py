"""Which organization a request acts for, and what its caller may do there.

- An API key acts for the organization that owns it, with the scopes stored on it.
- A user acts for their default organization (the first they joined), or for another of
  theirs named in the ``X-Organization`` header (its slug). Members get ``MEMBER_SCOPES``;
  admins every scope, so the ``:admin`` actions (deleting a project, managing members and
  API keys) are theirs alone.

Wired in settings: ``DRF_APIFIRST = {"TENANT_RESOLVER": "tracker.tenancy.request_organization",
"USER_SCOPES": "tracker.tenancy.membership_scopes", ...}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from drf_apifirst.exceptions import Problem
from tracker.models import Membership, Organization, OrganizationAPIKey

ORGANIZATION_HEADER = "X-Organization"

MEMBER_SCOPES = [
    "projects:read",
    "projects:write",
    "tasks:*",
    "labels:*",
    "comments:*",
    "members:read",
    "webhooks:read",
]


class OrganizationRequired(Problem):
    status_code = 400
    default_code = "organization_required"
    default_detail = _(
        "You belong to several organizations: name one in the X-Organization header."
    )
    title = _("Organization required.")


class UnknownOrganization(Problem):
    status_code = 400
    default_code = "unknown_organization"
    default_detail = _("You are not a member of an organization with this slug.")
    title = _("Unknown organization.")


def request_membership(request: Any) -> Membership | None:
    """The signed-in user's membership this request acts under (cached on the request)."""
    if hasattr(request, "_tracker_membership"):
        membership: Membership | None = request._tracker_membership
        return membership
    membership = None
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and not isinstance(request.auth, OrganizationAPIKey)
    ):
        memberships = Membership.objects.select_related("organization").filter(user=user)
        slug = request.headers.get(ORGANIZATION_HEADER)
        if slug:
            # Not one of yours and does not exist look the same.
            membership = memberships.filter(organization__slug=slug).first()
            if membership is None:
                raise UnknownOrganization()
        else:
            # The default organization (the first joined), so a second membership breaks
            # none of the user's clients that send no X-Organization.
            found = list(memberships.order_by("-is_default", "id")[:2])
            if len(found) > 1 and not found[0].is_default:
                raise OrganizationRequired()
            membership = found[0] if found else None
    request._tracker_membership = membership
    return membership


def request_organization(request: Any) -> Organization | None:
    """``TENANT_RESOLVER``: the key's organization, or the user's."""
    if isinstance(request.auth, OrganizationAPIKey):
        return request.auth.owner  # type: ignore[no-any-return]
    membership = request_membership(request)
    return membership.organization if membership is not None else None


def membership_scopes(user: Any, request: Any) -> list[str] | None:
    """``USER_SCOPES``: every scope (None) for admins, ``MEMBER_SCOPES`` for members,
    none for a user outside any organization."""
    membership = request_membership(request)
    if membership is None:
        return []
    if membership.role == Membership.Role.ADMIN:
        return None
    return MEMBER_SCOPES
