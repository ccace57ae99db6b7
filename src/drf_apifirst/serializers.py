"""``ApiModelSerializer``: DRF's ModelSerializer with sparse fieldsets, expansion,
queryset optimisation derived from its fields, and a fast read path.

    class TaskSerializer(ApiModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "title", "assignee", "labels", "created"]
            # ?expand=assignee replaces the id with the nested object.
            expandable_fields = {"assignee": UserSerializer}

The output is exactly DRF's for the same declaration; reads of plain model fields, foreign
keys, many-to-many ids and nested serializers skip DRF's per-field machinery.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.db.models.manager import BaseManager
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import SkipField
from rest_framework.permissions import SAFE_METHODS
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from drf_apifirst.compat import prefetched_relations
from drf_apifirst.context import request_context
from drf_apifirst.exceptions import InvalidParameters

__all__ = [
    "EXPAND_PARAM",
    "FIELDS_PARAM",
    "ApiListSerializer",
    "ApiModelSerializer",
    "FieldSelectionMixin",
    "QueryPlan",
    "SaveKwargsMixin",
    "query_plan",
]

# The query parameters of field selection.
FIELDS_PARAM = "fields"
EXPAND_PARAM = "expand"

Reader = Callable[[Any], Any]
IdLoader = Callable[[list[Any]], dict[Any, list[Any]]]

# Field classes whose to_representation is the identity for values of these exact types.
_IDENTITY_TYPES: dict[type[drf_fields.Field], type] = {
    drf_fields.CharField: str,
    drf_fields.EmailField: str,
    drf_fields.SlugField: str,
    drf_fields.URLField: str,
    drf_fields.IntegerField: int,
    drf_fields.BooleanField: bool,
    drf_fields.FloatField: float,
}


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plain_default_manager(model: Any) -> bool:
    """``.all()`` on a relation uses the related model's default manager; a batch query
    may stand in for it only when that manager does not filter."""
    return type(model._default_manager).get_queryset is BaseManager.get_queryset


def _related_order(prefix: str, ordering: Iterable[Any]) -> list[str] | None:
    order = []
    for term in ordering:
        if not isinstance(term, str) or term == "?":
            return None
        sign, name = ("-", term[1:]) if term.startswith("-") else ("", term)
        order.append(f"{sign}{prefix}__{name}")
    return order


def _id_list_loader(field: drf_fields.Field, model: Any) -> IdLoader | None:
    """For ``PrimaryKeyRelatedField(many=True)`` on a forward many-to-many or a reverse
    foreign key: one query for the ids of a whole page, no related model instances.

    The ids come in the order ``.all()`` gives (the related model's ``Meta.ordering``).
    """
    if not (
        type(field) is relations.ManyRelatedField
        and type(getattr(field, "child_relation", None)) is relations.PrimaryKeyRelatedField
        and getattr(field.child_relation, "pk_field", None) is None
        and len(field.source_attrs) == 1
    ):
        return None
    model_field = _model_field(model, field.source_attrs[0])
    if model_field is None or not _plain_default_manager(model_field.related_model):
        return None
    related: Any = model_field.related_model
    if isinstance(model_field, models.ManyToManyField):
        through: Any = model_field.remote_field.through
        source: Any = through._meta.get_field(model_field.m2m_field_name())
        target: Any = through._meta.get_field(model_field.m2m_reverse_field_name())
        order = _related_order(target.name, related._meta.ordering)
        if order is None or not (
            source.target_field.primary_key and target.target_field.primary_key
        ):
            return None

        def load_many_to_many(pks: list[Any]) -> dict[Any, list[Any]]:
            rows = (
                through._default_manager.filter(**{f"{source.attname}__in": pks})
                .order_by(*order)
                .values_list(source.attname, target.attname)
            )
            return _group(rows)

        return load_many_to_many
    if model_field.one_to_many:
        foreign_key = model_field.field
        if not foreign_key.target_field.primary_key:
            return None

        def load_reverse_foreign_key(pks: list[Any]) -> dict[Any, list[Any]]:
            rows = related._default_manager.filter(
                **{f"{foreign_key.attname}__in": pks}
            ).values_list(foreign_key.attname, "pk")
            return _group(rows)

        return load_reverse_foreign_key
    return None


def _group(rows: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for owner, value in rows:
        grouped.setdefault(owner, []).append(value)
    return grouped


def _ids_key(name: str) -> str:
    return f"_apifirst_ids_{name}"


def _generic_reader(field: drf_fields.Field) -> Reader:
    """DRF's own per-field logic, for fields the fast path does not know."""
    get_attribute = field.get_attribute
    to_representation = field.to_representation

    def read(instance: Any) -> Any:
        attribute = get_attribute(instance)
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else to_representation(attribute)

    return read


def _related_getter(name: str) -> Reader:
    """``getattr`` that, like DRF, gives ``None`` for a missing related object."""
    getter = attrgetter(name)

    def get(instance: Any) -> Any:
        try:
            return getter(instance)
        except ObjectDoesNotExist:
            return None

    return get


def _fast_reader(field: drf_fields.Field, model: type[models.Model] | None) -> Reader:
    """A reader with exactly the output of ``_generic_reader(field)``, but cheaper."""
    source_attrs = field.source_attrs
    if len(source_attrs) != 1 or model is None:
        return _generic_reader(field)
    model_field = _model_field(model, source_attrs[0])
    if model_field is None:
        return _generic_reader(field)  # a property, a method, an annotation
    to_representation = field.to_representation
    field_type = type(field)

    if model_field.concrete and not model_field.is_relation:
        getter = attrgetter(model_field.attname)
        if field_type is drf_fields.DateTimeField:
            return _datetime_reader(field, getter)
        identity_type = _IDENTITY_TYPES.get(field_type)
        if identity_type is not None:

            def read_plain(instance: Any) -> Any:
                value = getter(instance)
                if value is None or type(value) is identity_type:
                    return value
                return to_representation(value)

            return read_plain

        def read_converted(instance: Any) -> Any:
            value = getter(instance)
            return None if value is None else to_representation(value)

        return read_converted

    if (
        field_type is relations.PrimaryKeyRelatedField
        and getattr(field, "pk_field", None) is None
        and (model_field.many_to_one or model_field.one_to_one)
        and model_field.concrete
    ):
        # The foreign key's column is the related object's pk: no join, no query.
        return attrgetter(model_field.attname)

    if (
        field_type is relations.ManyRelatedField
        and type(getattr(field, "child_relation", None)) is relations.PrimaryKeyRelatedField
        and getattr(field.child_relation, "pk_field", None) is None  # type: ignore[attr-defined]
    ):
        manager_getter = attrgetter(source_attrs[0])
        key = _ids_key(source_attrs[0])

        def read_ids(instance: Any) -> Any:
            ids = instance.__dict__.get(key)  # loaded for the whole page by preload()
            if ids is None:
                return [obj.pk for obj in manager_getter(instance).all()]
            return ids

        return read_ids

    if isinstance(field, serializers.ListSerializer):
        manager_getter = attrgetter(source_attrs[0])
        child = field.child
        assert child is not None
        child_representation = child.to_representation
        return lambda instance: [
            child_representation(obj) for obj in manager_getter(instance).all()
        ]

    if isinstance(field, serializers.BaseSerializer) and (
        model_field.many_to_one or model_field.one_to_one
    ):
        related = _related_getter(source_attrs[0])

        def read_nested(instance: Any) -> Any:
            value = related(instance)
            return None if value is None else to_representation(value)

        return read_nested

    return _generic_reader(field)


def _datetime_reader(field: drf_fields.Field, getter: Reader) -> Reader:
    """DRF's DateTimeField.to_representation for ISO 8601 output, with the field's time
    zone looked up once per serialization instead of once per value."""
    to_representation = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return lambda instance: _none_or(getter(instance), to_representation)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()  # type: ignore[attr-defined]

    def read_datetime(instance: Any) -> Any:
        value = getter(instance)
        if value is None:
            return None
        if type(value) is not datetime.datetime or zone is None or value.utcoffset() is None:
            return to_representation(value)  # naive values and USE_TZ=False: DRF's way
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return read_datetime


def _none_or(value: Any, convert: Reader) -> Any:
    return None if value is None else convert(value)


class QueryPlan:
    """What a serializer reads: ``select_related``/``prefetch_related`` paths and, for a
    sparse fieldset, the columns for ``only()`` (``None`` when that cannot be known)."""

    def __init__(
        self,
        select: list[str],
        prefetch: list[str | Prefetch],
        only: list[str] | None,
    ) -> None:
        self.select = select
        self.prefetch = prefetch
        self.only = only

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.select:
            queryset = queryset.select_related(*self.select)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        if self.only is not None:
            if queryset.query.select_related:
                # The view's own joins would contradict the deferral (Django refuses a
                # relation both deferred and joined): keep only the joins the fields need.
                queryset = queryset.select_related(None)
                if self.select:
                    queryset = queryset.select_related(*self.select)
            queryset = queryset.only(*self.only)
        return queryset


def _plan_for(serializer: serializers.Serializer, model: type[models.Model]) -> QueryPlan:
    meta = getattr(serializer, "Meta", None)
    select: list[str] = list(getattr(meta, "select_related", ()))
    prefetch: list[str | Prefetch] = list(getattr(meta, "prefetch_related", ()))
    only: list[str] | None = [] if not (select or prefetch) else None

    for field in serializer.fields.values():
        if field.write_only:
            continue
        attrs = field.source_attrs
        if not attrs:  # source="*"
            only = None
            continue
        # Follow forward foreign keys along a dotted source ("project.name").
        current, path = model, []
        for attr in attrs[:-1]:
            model_field = _model_field(current, attr)
            if model_field is None or not (model_field.many_to_one or model_field.one_to_one):
                break
            path.append(attr)
            current = model_field.related_model
        if path:
            select.append("__".join(path))
            only = None
        if len(attrs) != 1:
            continue
        name = attrs[0]
        model_field = _model_field(model, name)
        if model_field is None:
            only = None  # a property or method may read anything
            continue
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.ModelSerializer):
            nested_model: Any = nested.Meta.model
            nested_plan = _plan_for(nested, nested_model)
            if model_field.many_to_many or model_field.one_to_many:
                queryset = nested_plan.apply(nested_model._default_manager.all())
                prefetch.append(Prefetch(name, queryset=queryset))
            else:
                select.append(name)
                select.extend(f"{name}__{path}" for path in nested_plan.select)
                prefetch.extend(_prefixed(name, p) for p in nested_plan.prefetch)
                if only is not None and nested_plan.only is not None:
                    only.append(name)
                    only.extend(f"{name}__{column}" for column in nested_plan.only)
                else:
                    only = None
            continue
        if model_field.many_to_many or model_field.one_to_many:
            if _id_list_loader(field, model) is None:
                prefetch.append(name)  # else: ids loaded per page by ApiListSerializer
        elif model_field.is_relation:
            if not isinstance(field, relations.PrimaryKeyRelatedField):
                select.append(name)  # slug, string, hyperlinked: reads the object
            if only is not None:
                only.append(name)
        elif only is not None and model_field.concrete:
            only.append(name)
    return QueryPlan(list(dict.fromkeys(select)), prefetch, only)


def _prefixed(prefix: str, lookup: str | Prefetch) -> str | Prefetch:
    if isinstance(lookup, Prefetch):
        return Prefetch(f"{prefix}__{lookup.prefetch_through}", queryset=lookup.queryset)
    return f"{prefix}__{lookup}"


@lru_cache(maxsize=256)
def query_plan(
    serializer_class: type[ApiModelSerializer],
    fields: tuple[str, ...] | None = None,
    expand: tuple[str, ...] = (),
) -> QueryPlan:
    """The (cached) query plan of a serializer class for a field selection and expansion."""
    serializer = serializer_class(fields=fields, expand=expand)
    plan = _plan_for(serializer, serializer_class.Meta.model)
    if fields is None:
        plan.only = None  # every column is read anyway
    return plan


class ApiListSerializer(serializers.ListSerializer):
    """DRF's ListSerializer that lets its ``ApiModelSerializer`` child batch-load what
    the whole page needs (``preload``) before reading the rows."""

    def to_representation(self, data: Any) -> list[Any]:
        iterable = data.all() if isinstance(data, BaseManager) else data
        items = iterable if isinstance(iterable, list) else list(iterable)
        child = self.child
        if isinstance(child, ApiModelSerializer):
            child.preload(items)
        to_representation = child.to_representation  # type: ignore[union-attr]
        return [to_representation(item) for item in items]


class SaveKwargsMixin:
    """Adds the view's ``get_save_kwargs()`` (passed as ``context["save_kwargs"]``) to
    every ``save()``, so what the library stamps (the tenant) reaches the model even when a
    host's ``perform_create`` calls ``serializer.save(...)`` itself. Keywords the caller
    passes to ``save()`` win. ``ApiModelSerializer`` has it; add it to a plain serializer
    that a tenant-scoped view uses."""

    def save(self, **kwargs: Any) -> Any:
        context = getattr(self, "context", {})
        stamped = {**context.get("save_kwargs", {}), **kwargs}
        return super().save(**stamped)  # type: ignore[misc]


# The model a serializer reads and writes: ``ApiModelSerializer[Task]``, as DRF's stubs
# type ``ModelSerializer[Task]`` (DRF's classes accept the subscript at run time).
_MT = TypeVar("_MT", bound=models.Model)


class ApiModelSerializer(SaveKwargsMixin, serializers.ModelSerializer[_MT]):
    """ModelSerializer with ``fields``/``expand`` selection and a fast read path.

    ``Meta`` options beyond DRF's:

    - ``expandable_fields``: ``{"name": SerializerClass}`` or
      ``{"name": (SerializerClass, {"source": ..., "many": ...})}``;
    - ``select_related`` / ``prefetch_related``: extra lookups for what the fields cannot
      tell (a ``SerializerMethodField`` reading a relation);
    - ``sparse_fieldsets = False`` to refuse ``?fields=``;
    - ``tenant_lookups``: ``{"project": "organization"}`` limits what a writable relation
      accepts to the request's tenant (with a viewset's ``tenant_field``).
    """

    def __init__(
        self,
        *args: Any,
        fields: Iterable[str] | None = None,
        expand: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self._selected_fields = tuple(fields) if fields is not None else None
        self._expanded_fields = tuple(expand or ())
        super().__init__(*args, **kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        list_serializer = super().many_init(*args, **kwargs)
        if type(list_serializer) is serializers.ListSerializer:
            # No list_serializer_class declared: use ours, which adds only preload().
            list_serializer.__class__ = ApiListSerializer
        return list_serializer

    @classmethod
    def expandable_fields(cls) -> Mapping[str, Any]:
        return getattr(getattr(cls, "Meta", None), "expandable_fields", {})

    @classmethod
    def supports_sparse_fieldsets(cls) -> bool:
        return bool(getattr(getattr(cls, "Meta", None), "sparse_fieldsets", True))

    def get_fields(self) -> dict[str, drf_fields.Field]:
        fields: dict[str, drf_fields.Field] = super().get_fields()
        expandable = self.expandable_fields()
        unknown = [name for name in self._expanded_fields if name not in expandable]
        if unknown:
            raise InvalidParameters({EXPAND_PARAM: [_unknown_names_message(unknown, expandable)]})
        for name in self._expanded_fields:
            spec = expandable[name]
            serializer_class, options = spec if isinstance(spec, tuple) else (spec, {})
            options = {"read_only": True, **options}
            if options.get("source") == name:
                del options["source"]
            fields[name] = serializer_class(**options)
        self._limit_related_to_tenant(fields)
        if self._selected_fields is not None:
            unknown = [name for name in self._selected_fields if name not in fields]
            if unknown:
                raise InvalidParameters({FIELDS_PARAM: [_unknown_names_message(unknown, fields)]})
            fields = {name: fields[name] for name in fields if name in self._selected_fields}
        return fields

    def to_internal_value(self, data: Any) -> Any:
        """DRF's, except a string field takes only a JSON string: DRF turns ``123`` and
        ``2.5e-309`` into text, where the OpenAPI document promises ``type: string``."""
        if isinstance(data, Mapping):
            errors = {
                str(field.field_name): [ErrorDetail(str(_("Not a valid string.")), code="invalid")]
                for field in self.fields.values()
                if not field.read_only
                and isinstance(field, drf_fields.CharField)
                and field.source != "*"
                and field.field_name in data
                and data[field.field_name] is not None
                and not isinstance(data[field.field_name], str)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _limit_related_to_tenant(self, fields: dict[str, drf_fields.Field]) -> None:
        """``Meta.tenant_lookups = {"project": "organization"}``: a writable relation
        accepts only objects of the request's tenant (others are "does not exist")."""
        lookups = getattr(getattr(self, "Meta", None), "tenant_lookups", None)
        if not lookups or "tenant" not in self.context:
            return
        tenant = self.context["tenant"]
        for name, lookup in lookups.items():
            field = fields.get(name)
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None:
                target.queryset = (  # type: ignore[union-attr]
                    queryset.filter(**{lookup: tenant}) if tenant is not None else queryset.none()
                )

    def _build_readers(self) -> list[tuple[str, Reader]]:
        model = getattr(getattr(self, "Meta", None), "model", None)
        return [
            (str(field.field_name), _fast_reader(field, model))
            for field in self.fields.values()
            if not field.write_only
        ]

    def preload(self, instances: list[Any]) -> None:
        """Load, in one query per relation, the related ids every row will read."""
        if not instances:
            return
        model = getattr(getattr(self, "Meta", None), "model", None)
        for field in self.fields.values():
            if field.write_only or len(field.source_attrs) != 1:
                continue
            name = field.source_attrs[0]
            loader = _id_list_loader(field, model)
            if loader is not None:
                pending = [obj for obj in instances if name not in prefetched_relations(obj)]
                if pending:
                    ids = loader([obj.pk for obj in pending])
                    key = _ids_key(name)
                    for obj in pending:
                        obj.__dict__[key] = ids.get(obj.pk, [])
                continue
            nested = field.child if isinstance(field, serializers.ListSerializer) else field
            if isinstance(nested, ApiModelSerializer) and _model_field(model, name) is not None:
                related: dict[int, Any] = {}
                for obj in instances:
                    try:
                        value = getattr(obj, name)
                    except ObjectDoesNotExist:
                        continue
                    if value is None:
                        continue
                    for item in value.all() if isinstance(value, BaseManager) else (value,):
                        related.setdefault(id(item), item)
                nested.preload(list(related.values()))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self.__dict__["_readers"] = self._build_readers()
        ret: dict[str, Any] = {}
        for name, read in readers:
            try:
                ret[name] = read(instance)
            except SkipField:
                continue
        return ret


def _unknown_names_message(unknown: list[str], known: Iterable[str]) -> str:
    return "Unknown field(s): {}. Choose from: {}.".format(
        ", ".join(unknown), ", ".join(sorted(known)) or "(none)"
    )


def _names(request: Any, param: str) -> tuple[str, ...] | None:
    raw = request.query_params.get(param)
    if raw is None:
        return None
    names = tuple(sorted({name.strip() for name in raw.split(",") if name.strip()}))
    if not names:
        raise InvalidParameters({param: [_("Name at least one field.")]})
    return names


class FieldSelectionMixin:
    """``?fields=id,title`` and ``?expand=assignee`` on safe requests, for an
    ``ApiModelSerializer``, with ``select_related``/``prefetch_related``/``only`` to match.
    """

    def get_field_selection(
        self, serializer_class: type[ApiModelSerializer]
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """``(fields or None, expand)`` of this request, parsed once."""
        request = self.request  # type: ignore[attr-defined]
        if not hasattr(request, "query_params"):  # e.g. schema generation
            return None, ()
        context = request_context(request)
        if context.field_selection is None:
            fields = _names(request, FIELDS_PARAM)
            if fields is not None and not serializer_class.supports_sparse_fieldsets():
                raise InvalidParameters({FIELDS_PARAM: [_("This endpoint returns all fields.")]})
            context.field_selection = (fields, _names(request, EXPAND_PARAM) or ())
        return context.field_selection

    def get_selecting_serializer_class(self) -> type[ApiModelSerializer] | None:
        """The serializer class field selection applies to: an ``ApiModelSerializer`` on a
        safe request; None otherwise."""
        request = getattr(self, "request", None)
        if request is None or request.method not in SAFE_METHODS:
            return None
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        return serializer_class if issubclass(serializer_class, ApiModelSerializer) else None

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        serializer_class = self.get_selecting_serializer_class()
        if serializer_class is not None:
            fields, expand = self.get_field_selection(serializer_class)
            kwargs.setdefault("fields", fields)
            kwargs.setdefault("expand", expand)
        serializer: serializers.BaseSerializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return serializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        serializer_class = self.get_selecting_serializer_class()
        if serializer_class is not None and isinstance(queryset, QuerySet):
            fields, expand = self.get_field_selection(serializer_class)
            queryset = query_plan(serializer_class, fields, expand).apply(queryset)
        return queryset


def _drop_query_plans(**kwargs: Any) -> None:
    """Plans read settings-dependent field classes; a settings change (tests) drops them."""
    query_plan.cache_clear()


setting_changed.connect(_drop_query_plans, dispatch_uid="drf_apifirst.serializers.query_plan")
