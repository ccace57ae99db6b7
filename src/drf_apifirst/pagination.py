"""Pagination with DRF's response shapes, RFC 8288 ``Link`` headers and problem errors.

- ``PageNumberPagination``: ``{"count", "next", "previous", "results"}``; ``count`` can be
  left out (``count_mode = "none"``) or estimated on PostgreSQL (``"estimate"``).
- ``LimitOffsetPagination``: ``{"count", "next", "previous", "results"}`` with ``limit`` and
  ``offset``, for hosts whose clients already page that way; the same count modes.
- ``CursorPagination``: ``{"next", "previous", "results"}``, keyset pagination whose cost
  does not grow with depth; it refuses an ordering that is not unique.

Page sizes come from ``REST_FRAMEWORK["PAGE_SIZE"]`` and ``DRF_APIFIRST["MAX_PAGE_SIZE"]``,
read at each request; a ``page_size`` above the maximum is capped to it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from drf_apifirst.exceptions import InvalidParameters
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CursorPagination",
    "LimitOffsetPagination",
    "PageNumberPagination",
    "estimated_count",
    "link_header",
]

COUNT_MODES = ("exact", "none", "estimate")
# Page numbers past this are no page at all (and would overflow a database's OFFSET).
MAX_PAGE_NUMBER = 2**31 - 1


def link_header(**links: str | None) -> str | None:
    """An RFC 8288 ``Link`` header value: ``<url>; rel="next", <url>; rel="prev"``."""
    parts = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if url]
    return ", ".join(parts) or None


def estimated_count(queryset: QuerySet[Any], *, threshold: int) -> int:
    """The planner's row estimate on PostgreSQL when it is at least ``threshold``;
    an exact ``COUNT(*)`` otherwise (and on every other database)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count()
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return estimate if estimate >= threshold else queryset.count()


def _page_size(request: Request, param: str, default: int | None, maximum: int | None) -> int:
    maximum = maximum or apifirst_settings.MAX_PAGE_SIZE
    size = default or api_settings.PAGE_SIZE or maximum
    raw = request.query_params.get(param)
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise InvalidParameters({param: [_("Must be a whole number from 1 up.")]})
    return min(size, maximum)


def _read_page(
    paginator: Any, queryset: QuerySet[Any], *, offset: int, size: int
) -> tuple[QuerySet[Any], list[Any]]:
    """The (ordered) queryset and the rows of one page; sets ``paginator.has_next``."""
    if paginator.count_mode not in COUNT_MODES:
        raise ImproperlyConfigured(
            f"{type(paginator).__name__}.count_mode is {paginator.count_mode!r}; "
            f"expected one of {', '.join(COUNT_MODES)}."
        )
    if not queryset.ordered:
        queryset = queryset.order_by("pk")  # pages must not overlap or skip rows
    # One row more than the page says whether there is a next page, without a count.
    rows = list(queryset[offset : offset + size + 1])
    paginator.has_next = len(rows) > size
    return queryset, rows[:size]


def _count(
    paginator: Any, queryset: QuerySet[Any], *, offset: int, rows: int, has_next: bool
) -> int | None:
    """The ``count`` of a page read from ``offset``: none, free on the last page, the
    planner's estimate, or ``COUNT(*)`` (``count_mode``)."""
    if paginator.count_mode == "none":
        return None
    if not has_next and (rows or offset == 0):
        return offset + rows  # the last page: no query needed
    if paginator.count_mode == "estimate":
        return estimated_count(queryset, threshold=paginator.estimate_threshold)
    return queryset.count()


def _paginated_response(paginator: Any, data: Any) -> Response:
    next_link, previous_link = paginator.get_next_link(), paginator.get_previous_link()
    body: dict[str, Any] = {}
    if paginator.count_mode != "none":
        body["count"] = paginator.count
    body.update(next=next_link, previous=previous_link, results=data)
    links = link_header(next=next_link, prev=previous_link)
    return Response(body, headers={"Link": links} if links else None)


def _paginated_response_schema(count_mode: str, result: dict[str, Any]) -> dict[str, Any]:
    properties = result["properties"]
    if count_mode == "none":
        del properties["count"]
        result["required"] = ["next", "previous", "results"]
    else:
        result["required"] = ["count", "next", "previous", "results"]
        properties["count"]["description"] = (
            "Number of results; an estimate when it is large."
            if count_mode == "estimate"
            else "Number of results."
        )
    return result


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number pagination; ``page`` must be a whole number from 1, ``page_size`` too."""

    # Set by paginate_queryset() for the response and the links.
    request: Request | None
    page_size_value: int
    number: int
    count: int | None

    # None: REST_FRAMEWORK["PAGE_SIZE"], read at each request.
    page_size: int | None = None
    # None: DRF_APIFIRST["MAX_PAGE_SIZE"], read at each request.
    max_page_size: int | None = None
    page_size_query_param: str = "page_size"
    # "exact": COUNT(*); "none": no count (one row more is read to know if there is a next
    # page); "estimate": PostgreSQL's planner estimate for big results.
    count_mode = "exact"
    # With count_mode="estimate", results estimated below this many rows are counted.
    estimate_threshold = 100_000
    # Set by paginate_queryset.
    has_next = False
    invalid_page_number_message: StrOrPromise = _("Must be a whole number from 1 up.")
    # Responses carry an RFC 8288 Link header (the document promises it only then).
    sends_link_header = True

    def get_page_size(self, request: Request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any = None) -> int:
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise InvalidParameters({self.page_query_param: [self.invalid_page_number_message]})
        if number > MAX_PAGE_NUMBER:
            raise NotFound(self.invalid_page_message)
        return number

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.page_size_value = self.get_page_size(request)
        self.number = self.get_page_number(request)
        offset = (self.number - 1) * self.page_size_value
        queryset, rows = _read_page(self, queryset, offset=offset, size=self.page_size_value)
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.count = _count(self, queryset, offset=offset, rows=len(rows), has_next=self.has_next)
        return rows

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()  # type: ignore[union-attr]
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()  # type: ignore[union-attr]
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return _paginated_response(self, data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _paginated_response_schema(
            self.count_mode, super().get_paginated_response_schema(schema)
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["maximum"] = MAX_PAGE_NUMBER
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] += " Larger values are capped to the maximum."
        return parameters


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's ``?limit=&offset=`` with bounds: ``limit`` a whole number from 1 (capped to the
    maximum), ``offset`` one from 0; an offset past the end is an empty page, as in DRF."""

    # Set by paginate_queryset() for the response and the links.
    request: Request | None
    count: int | None

    # None: REST_FRAMEWORK["PAGE_SIZE"], read at each request.
    default_limit: int | None = None
    # None: DRF_APIFIRST["MAX_PAGE_SIZE"], read at each request.
    max_limit: int | None = None
    # The largest offset a client may ask for (databases' OFFSET is a bounded integer).
    max_offset = MAX_PAGE_NUMBER
    # Responses carry an RFC 8288 Link header (the document promises it only then).
    sends_link_header = True
    # As PageNumberPagination's: "exact", "none" or "estimate".
    count_mode = "exact"
    estimate_threshold = 100_000
    # Set by paginate_queryset.
    has_next = False
    limit: int = 0
    offset: int = 0
    invalid_limit_message: StrOrPromise = _("Must be a whole number from 1 up.")
    invalid_offset_message: StrOrPromise = _("Must be a whole number from 0 to {maximum}.")

    def get_limit(self, request: Request) -> int:
        return _page_size(request, self.limit_query_param, self.default_limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        try:
            offset = int(raw)
        except ValueError:
            offset = -1
        if not 0 <= offset <= self.max_offset:
            message = self.invalid_offset_message.format(maximum=self.max_offset)
            raise InvalidParameters({self.offset_query_param: [message]})
        return offset

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        queryset, rows = _read_page(self, queryset, offset=self.offset, size=self.limit)
        self.count = _count(
            self, queryset, offset=self.offset, rows=len(rows), has_next=self.has_next
        )
        return rows

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()  # type: ignore[union-attr]
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        if self.offset <= 0:
            return None
        url = self.request.build_absolute_uri()  # type: ignore[union-attr]
        url = replace_query_param(url, self.limit_query_param, self.limit)
        if self.offset - self.limit <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, self.offset - self.limit)

    def get_paginated_response(self, data: Any) -> Response:
        return _paginated_response(self, data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _paginated_response_schema(
            self.count_mode, super().get_paginated_response_schema(schema)
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] += " Larger values are capped to the maximum."
            if parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=self.max_offset)
        return parameters


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination on a unique ordering: the same cost at any depth."""

    page_size: int | None = None
    max_page_size: int | None = None
    page_size_query_param: str = "page_size"
    # Newest first by default; any unique, non-null field works.
    ordering: Any = "-pk"
    invalid_cursor_message: StrOrPromise = _("Invalid cursor.")  # type: ignore[assignment]
    sends_link_header = True

    def get_page_size(self, request: Request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise InvalidParameters(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        ordering: tuple[str, ...] = super().get_ordering(request, queryset, view)
        first = ordering[0].lstrip("-")
        if not _is_unique(queryset.model, first):
            message = (
                f"Cursor pagination needs a unique, non-null first ordering field; {first!r} "
                f"of {queryset.model.__name__} is not one."
            )
            ordering_param = api_settings.ORDERING_PARAM
            if ordering_param in request.query_params:
                raise InvalidParameters({ordering_param: [message]})
            raise ImproperlyConfigured(
                f"{message} Order by 'pk', by a field with unique=True, or use "
                f"PageNumberPagination for {type(view).__name__}."
            )
        return ordering

    def get_paginated_response(self, data: Any) -> Response:
        response: Response = super().get_paginated_response(data)
        links = link_header(next=response.data.get("next"), prev=response.data.get("previous"))
        if links:
            response["Link"] = links
        return response

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


def _is_unique(model: Any, name: str) -> bool:
    if name == "pk":
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "primary_key", False) or (field.unique and not field.null))
