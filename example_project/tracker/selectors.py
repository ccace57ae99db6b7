"""Reads that are more than a queryset (the HackSoft styleguide's selectors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet

from drf_apifirst.principals import get_tenant


def of_request_tenant(model: type[Model], lookup: str) -> Callable[[Any], QuerySet[Any]]:
    """A filter's choices: the rows of the request's organization. Another
    organization's id is then "not a valid choice", like an id nobody has."""

    def queryset(request: Any) -> QuerySet[Any]:
        tenant = get_tenant(request) if request is not None else None
        if tenant is None:
            return model._default_manager.none()
        return model._default_manager.filter(**{lookup: tenant})

    return queryset
