"""Filter backends that say no: an unknown ordering or invalid filter value is a 400
problem naming the parameter, never silently ignored.

``rest_framework_settings()`` makes these the default ``DEFAULT_FILTER_BACKENDS``
(``DjangoFilterBackend`` only with the ``[filters]`` extra, django-filter).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import filters
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from drf_apifirst.exceptions import InvalidParameters
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["HAS_DJANGO_FILTER", "OrderingFilter", "SearchFilter", "StrictQueryParametersMixin"]

HAS_DJANGO_FILTER = importlib.util.find_spec("django_filters") is not None


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=-created,title`` over the view's ``ordering_fields`` only.

    A view without ``ordering_fields`` accepts no ``ordering`` parameter (DRF would fall
    back to every serializer field); ``"__all__"`` keeps DRF's meaning.
    """

    unknown_field_message: StrOrPromise = _(
        "Unknown ordering field(s): {unknown}. Choose from: {valid}."
    )
    not_supported_message: StrOrPromise = _("This endpoint does not support ordering.")

    def get_valid_fields(
        self, queryset: QuerySet[Any], view: Any, context: Mapping[str, Any] | None = None
    ) -> list[tuple[str, Any]]:
        if getattr(view, "ordering_fields", self.ordering_fields) is None:
            return []
        valid: list[tuple[str, Any]] = super().get_valid_fields(queryset, view, context)
        return valid

    def remove_invalid_fields(
        self, queryset: QuerySet[Any], fields: Iterable[str], view: Any, request: Request
    ) -> list[str]:
        valid = [
            name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
        ]
        if not valid:
            raise InvalidParameters({self.ordering_param: [self.not_supported_message]})
        unknown = [term for term in fields if term.removeprefix("-") not in valid]
        if unknown:
            raise InvalidParameters(
                {
                    self.ordering_param: [
                        self.unknown_field_message.format(
                            unknown=", ".join(unknown), valid=", ".join(valid)
                        )
                    ]
                }
            )
        return list(fields)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = getattr(view, "ordering_fields", self.ordering_fields)
        if fields is None:
            return []
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        if fields != "__all__":
            names = [f if isinstance(f, str) else f[0] for f in fields]
            for parameter in parameters:
                parameter["description"] = (
                    f"Comma-separated fields to order by, '-' for descending: {', '.join(names)}."
                )
                # What remove_invalid_fields accepts: listed names, each maybe with '-'.
                parameter.update(
                    style="form",
                    explode=False,
                    schema={
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "string",
                            "enum": [term for name in names for term in (name, f"-{name}")],
                        },
                    },
                )
        return parameters


class SearchFilter(filters.SearchFilter):
    """DRF's ``?search=`` over the view's ``search_fields``; documented only where it applies."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if not getattr(view, "search_fields", None):
            return []
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        return parameters


if HAS_DJANGO_FILTER:
    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
    from django_filters.rest_framework import DjangoFilterBackend as _DjangoFilterBackend

    # django-filter has no type information: its class is Any to a type checker.
    class DjangoFilterBackend(_DjangoFilterBackend):  # type: ignore[misc]
        """django-filter's backend; invalid values are a 400 problem per parameter.

        On a tenant-scoped view (``tenant_field``), the choices of every model-choice
        filter are limited to the request's tenant, so another tenant's id is "not a valid
        choice" exactly like an id nobody has (``tenant_filter_lookups()``).
        """

        blank_message: StrOrPromise = _("Give a valid value, or leave the parameter out.")

        def get_filterset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
            filterset = super().get_filterset(request, queryset, view)
            if filterset is not None and getattr(view, "tenant_field", None):
                self.limit_choices_to_tenant(filterset, request, view)
            return filterset

        def tenant_filter_lookups(self, filterset: Any, view: Any) -> dict[str, str | None]:
            """``{filter name: lookup from its model to the tenant}`` for the model-choice
            filters: the view's ``filter_tenant_lookups``, else the serializer's
            ``Meta.tenant_lookups`` for the same field, else what ``tenant_field`` implies
            (a ``project`` filter of a view with ``tenant_field = "project__organization"``
            takes ``organization``). ``None``: the filter's model is the tenant itself."""
            tenant_field: str = view.tenant_field
            declared = dict(getattr(view, "filter_tenant_lookups", None) or {})
            serializer_class = view.get_serializer_class()
            meta_lookups = getattr(getattr(serializer_class, "Meta", None), "tenant_lookups", {})
            lookups: dict[str, str | None] = {}
            for name, filter_ in filterset.filters.items():
                if not isinstance(filter_, (ModelChoiceFilter, ModelMultipleChoiceFilter)):
                    continue
                field = filter_.field_name.split("__", 1)[0]
                if name in declared:
                    lookups[name] = declared[name]
                elif field in (meta_lookups or {}):
                    lookups[name] = meta_lookups[field]
                elif tenant_field.startswith(f"{filter_.field_name}__"):
                    lookups[name] = tenant_field[len(filter_.field_name) + 2 :]
                elif tenant_field == filter_.field_name:
                    lookups[name] = None
            return lookups

        def limit_choices_to_tenant(self, filterset: Any, request: Request, view: Any) -> None:
            from drf_apifirst.principals import get_tenant

            tenant = get_tenant(request)
            for name, lookup in self.tenant_filter_lookups(filterset, view).items():
                form_field = filterset.form.fields.get(name)
                choices = getattr(form_field, "queryset", None)
                if choices is None:
                    continue
                if tenant is None:
                    form_field.queryset = choices.none()
                elif lookup is None:
                    form_field.queryset = choices.filter(pk=tenant.pk)
                else:
                    form_field.queryset = choices.filter(**{lookup: tenant}).distinct()

        def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
            filterset = self.get_filterset(request, queryset, view)
            if filterset is None:
                return queryset
            if not filterset.is_valid():
                raise InvalidParameters(
                    {
                        name: [
                            ErrorDetail(message, code=error.code or "invalid")
                            for error in errors
                            for message in error.messages
                        ]
                        for name, errors in filterset.form.errors.as_data().items()
                    }
                )
            if apifirst_settings.STRICT_QUERY_PARAMETERS:
                # django-filter skips a filter whose value is empty or means nothing to it
                # (``?due_before=``, ``?done=maybe``): the client asked for a filter it
                # did not get. Say so.
                blank = {
                    name: [ErrorDetail(str(self.blank_message), code="blank")]
                    for name in filterset.form.fields
                    if name in request.query_params
                    and filterset.form.cleaned_data.get(name) in (None, "", [], ())
                }
                if blank:
                    raise InvalidParameters(blank)
            return filterset.qs

        def repeatable_parameter_names(self, view: Any) -> set[str]:
            """Filters that take several values as a repeated parameter (``?status=open&
            status=done``, multiple-choice filters, documented ``explode: true``)."""
            queryset = view.get_queryset()
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None:
                return set()
            fields = filterset_class(queryset=queryset).form.fields
            return {
                name
                for name, form_field in fields.items()
                if getattr(form_field.widget, "allow_multiple_selected", False)
            }

        def query_parameter_names(self, view: Any) -> set[str]:
            """The query parameters the view's filterset reads (range filters have two)."""
            queryset = view.get_queryset()
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None:
                return set()
            names: set[str] = set()
            for name, form_field in filterset_class(queryset=queryset).form.fields.items():
                widget = form_field.widget
                suffixes = getattr(widget, "suffixes", None) or getattr(
                    widget, "widgets_names", None
                )
                if suffixes:
                    names.update(
                        f"{name}_{s}" if s and not s.startswith("_") else f"{name}{s}"
                        for s in suffixes
                    )
                else:
                    names.add(name)
            return names

        def blank_refused_parameter_names(self, view: Any) -> set[str]:
            """The query parameters a blank value of which is a 400 ``blank`` problem under
            ``STRICT_QUERY_PARAMETERS``: the filters read from one parameter (a range's
            ``_min``/``_after`` halves are not checked one by one)."""
            queryset = view.get_queryset()
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None:
                return set()
            return {
                name
                for name, form_field in filterset_class(queryset=queryset).form.fields.items()
                if not (
                    getattr(form_field.widget, "suffixes", None)
                    or getattr(form_field.widget, "widgets_names", None)
                )
            }

    __all__ += ["DjangoFilterBackend"]


class StrictQueryParametersMixin:
    """A list request with a query parameter the view does not document is a 400 problem:
    a typo in a filter name must not silently return everything.

    Allowed: what the filter backends and paginator document, ``fields``/``expand`` for an
    ``ApiModelSerializer``, ``format``, and ``extra_query_parameters``.
    """

    # None: DRF_APIFIRST["STRICT_QUERY_PARAMETERS"].
    strict_query_parameters: bool | None = None
    # Other names this view reads from the query string itself.
    extra_query_parameters: Sequence[str] = ()
    repeated_parameter_message: StrOrPromise = _(
        "Give this parameter once (several values: comma-separated)."
    )

    def allowed_query_parameters(self) -> set[str]:
        from drf_apifirst.serializers import EXPAND_PARAM, FIELDS_PARAM, ApiModelSerializer

        view: Any = self
        names = {"format", *self.extra_query_parameters}
        for backend_class in view.filter_backends:
            backend = backend_class()
            if hasattr(backend, "query_parameter_names"):
                names.update(backend.query_parameter_names(view))
            elif hasattr(backend, "get_schema_operation_parameters"):
                names.update(p["name"] for p in backend.get_schema_operation_parameters(view))
        paginator = view.paginator
        if paginator is not None:
            names.update(p["name"] for p in paginator.get_schema_operation_parameters(view))
        if issubclass(view.get_serializer_class(), ApiModelSerializer):
            names.update((FIELDS_PARAM, EXPAND_PARAM))
        versioning = view.versioning_class
        if versioning is not None and hasattr(versioning, "version_param"):
            names.add(versioning.version_param)
        return names

    def repeatable_query_parameters(self) -> set[str]:
        """The library's parameters documented as repeatable (``explode: true``)."""
        view: Any = self
        names: set[str] = set()
        for backend_class in view.filter_backends:
            backend = backend_class()
            if hasattr(backend, "repeatable_parameter_names"):
                names.update(backend.repeatable_parameter_names(view))
        return names

    def check_repeated_query_parameters(self, request: Any) -> None:
        """A parameter of the library given twice (``?fields=id&fields=title``) is a 400
        naming it, unless documented as repeatable: never silently the last value."""
        repeated = {name for name, values in request.query_params.lists() if len(values) > 1}
        if not repeated:
            return
        owned = self.allowed_query_parameters() - set(self.extra_query_parameters)
        refused = sorted((repeated & owned) - self.repeatable_query_parameters())
        if refused:
            raise InvalidParameters(
                {
                    name: [ErrorDetail(str(self.repeated_parameter_message), code="repeated")]
                    for name in refused
                }
            )

    def check_query_parameters(self, request: Any) -> None:
        """Refuse a repeated parameter of the library (any action) and unknown query
        parameters on a list (400 ``invalid``, one per name)."""
        self.check_repeated_query_parameters(request)
        if getattr(self, "action", None) != "list":
            return
        strict = self.strict_query_parameters
        if strict is None:
            strict = apifirst_settings.STRICT_QUERY_PARAMETERS
        if not strict or not request.query_params:
            return
        unknown = sorted(set(request.query_params) - self.allowed_query_parameters())
        if unknown:
            raise InvalidParameters({name: [_("Unknown query parameter.")] for name in unknown})
