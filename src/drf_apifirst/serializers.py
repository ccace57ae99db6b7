"""``ApiModelSerializer``: DRF's ModelSerializer with sparse fieldsets, expansion,
queryset optimisation derived from its fields, and a fast read path.

    class TaskSerializer(ApiModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "title", "assignee", "labels", "created"]
            # ?expand=assignee replaces the id with the nested object.
            expandable_fields = {"assignee": UserSerializer}

The output is exactly DRF's for the same declaration; reads of columns, foreign keys,
dotted sources, properties, method fields, to-many ids, slugs and nested rows skip DRF's
per-field machinery, and a to-many field that shows columns is loaded per page with one
``values_list`` query (docs/viewsets.md, "The fast read path").
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, lru_cache
from operator import attrgetter, itemgetter
from typing import Any, TypeAlias, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.db.models.manager import BaseManager
from django.db.models.signals import m2m_changed
from django.http import QueryDict
from django.utils import timezone
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

# Any serializer field (DRF's stubs make Field generic in four parameters).
_AnyField: TypeAlias = "drf_fields.Field[Any, Any, Any, Any]"

__all__ = [
    "EXPAND_PARAM",
    "FIELDS_PARAM",
    "ApiListSerializer",
    "ApiModelSerializer",
    "FieldSelectionMixin",
    "HyperlinkedApiModelSerializer",
    "QueryPlan",
    "SaveKwargsMixin",
    "StrictInputMixin",
    "query_plan",
    "strict_type_errors",
]

# The query parameters of field selection.
FIELDS_PARAM = "fields"
EXPAND_PARAM = "expand"

Reader = Callable[[Any], Any]

# Field classes whose to_representation is the identity for values of these exact types.
_IDENTITY_TYPES: dict[type[_AnyField], type] = {
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


class ToMany:
    """How a to-many field is read for a whole page: ``load(pks)`` runs one query on the
    columns the field shows and gives each owner's finished output list."""

    def __init__(
        self,
        name: str,
        load: Callable[[list[Any]], dict[Any, list[Any]]],
        supplied_order: bool | None = None,
    ) -> None:
        # The relation's name on the model (where prefetch_related would cache it).
        self.name = name
        self.load = load
        # For ids ordered by the related pk: False ascending, True descending (the ids a
        # write supplied can stand in for the query); None otherwise.
        self.supplied_order = supplied_order
        # Where preload() leaves each row's list; unique per field, so two fields on one
        # relation (ids and names) never share it.
        self.key: str = f"_apifirst_many_{next(_keys)}"


_keys = itertools.count()


def _to_many(field: _AnyField, model: Any) -> ToMany | None:
    """A batch reading of a to-many field, when its output needs columns only.

    Covers ``PrimaryKeyRelatedField(many=True)`` (the ids), ``SlugRelatedField(many=True)``
    on a column (the slugs), and a nested ``ApiModelSerializer(many=True)`` whose fields
    are all columns (the rows as dicts), on a forward many-to-many or a reverse foreign
    key: one ``values_list`` query for the whole page, no model instances, no managers.
    The rows come in the order ``.all()`` gives (the related model's ``Meta.ordering``).
    """
    if len(field.source_attrs) != 1 or model is None:
        return None
    model_field = _model_field(model, field.source_attrs[0])
    if model_field is None or not (model_field.many_to_many or model_field.one_to_many):
        return None
    related: Any = model_field.related_model
    if not _plain_default_manager(related):
        return None
    shown = _shown_columns(field, related)
    if shown is None:
        return None
    columns, convert = shown
    if isinstance(model_field, models.ManyToManyField):
        through: Any = model_field.remote_field.through
        source: Any = through._meta.get_field(model_field.m2m_field_name())
        target: Any = through._meta.get_field(model_field.m2m_reverse_field_name())
        order = _related_order(target.name, related._meta.ordering)
        if order is None or not (
            source.target_field.primary_key and target.target_field.primary_key
        ):
            return None
        pk = related._meta.pk
        # The related pk is the through table's own column: no join to select or order it.
        pk_paths = {f"{target.name}__{name}" for name in ("pk", pk.name, pk.attname)}
        order = [
            ("-" if term.startswith("-") else "") + target.attname
            if term.lstrip("-") in pk_paths
            else term
            for term in order
        ]
        paths = [target.attname if c == pk.attname else f"{target.name}__{c}" for c in columns]
        # Built once; each page only adds its filter (a queryset is never changed in place).
        many_to_many_rows = through._default_manager.order_by(*order).values_list(
            source.attname, *paths
        )
        owner_in = f"{source.attname}__in"

        def load_many_to_many(pks: list[Any]) -> dict[Any, list[Any]]:
            return _group(many_to_many_rows.filter(**{owner_in: pks}), convert)

        return ToMany(field.source_attrs[0], load_many_to_many, _pk_order(field, related))
    if model_field.one_to_many and not model_field.field.many_to_many:
        foreign_key = model_field.field
        if not foreign_key.target_field.primary_key:
            return None
        reverse_rows = related._default_manager.values_list(foreign_key.attname, *columns)
        fk_in = f"{foreign_key.attname}__in"

        def load_reverse_foreign_key(pks: list[Any]) -> dict[Any, list[Any]]:
            return _group(reverse_rows.filter(**{fk_in: pks}), convert)

        return ToMany(field.source_attrs[0], load_reverse_foreign_key)
    return None


def _pk_order(field: _AnyField, related: Any) -> bool | None:
    """Whether a list of ids is ordered by the related pk descending (True), ascending
    (False), or by something else (None)."""
    if not isinstance(getattr(field, "child_relation", None), relations.PrimaryKeyRelatedField):
        return None
    ordering = list(related._meta.ordering)
    if len(ordering) != 1 or not isinstance(ordering[0], str):
        return None
    descending = ordering[0].startswith("-")
    name = ordering[0].lstrip("-")
    pk = related._meta.pk
    return descending if name in ("pk", pk.name, pk.attname) else None


def _shown_columns(
    field: _AnyField, related: Any
) -> tuple[list[str], Callable[[tuple[Any, ...]], Any]] | None:
    """The related model's columns a to-many field shows, and how one row of them becomes
    the field's output for one related object (exactly the child's to_representation)."""
    if (
        isinstance(field, relations.ManyRelatedField)
        and type(field).to_representation is relations.ManyRelatedField.to_representation
        and type(field).get_attribute is relations.ManyRelatedField.get_attribute
    ):
        child: Any = field.child_relation
        if isinstance(child, relations.PrimaryKeyRelatedField) and child.pk_field is None:
            if (
                type(child).to_representation
                is not relations.PrimaryKeyRelatedField.to_representation
            ):
                return None
            return [related._meta.pk.attname], itemgetter(0)
        if type(child) is relations.SlugRelatedField and "__" not in child.slug_field:
            column = _model_field(related, child.slug_field)
            if column is None or not column.concrete or column.is_relation:
                return None
            return [column.attname], itemgetter(0)
        return None
    if not (
        isinstance(field, serializers.ListSerializer)
        and type(field).to_representation
        in (serializers.ListSerializer.to_representation, ApiListSerializer.to_representation)
        and isinstance(field.child, ApiModelSerializer)
        and type(field.child).to_representation is ApiModelSerializer.to_representation
        and getattr(field.child.Meta, "model", None) is related
    ):
        return None
    names, columns, converters = [], [], []
    for child_field in field.child.fields.values():
        if child_field.write_only:
            continue
        column = _column(child_field, related)
        if column is None:
            return None
        names.append(str(child_field.field_name))
        columns.append(column[0])
        converters.append(column[1])
    pairs = list(zip(names, converters, strict=True))

    def to_dict(row: tuple[Any, ...]) -> dict[str, Any]:
        return {name: convert(value) for (name, convert), value in zip(pairs, row, strict=True)}

    return columns, to_dict


def _group(
    rows: Iterable[tuple[Any, ...]], convert: Callable[[tuple[Any, ...]], Any]
) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(convert(row[1:]))
    return grouped


def _column(field: _AnyField, model: Any) -> tuple[str, Reader] | None:
    """``(attname, convert)`` when ``field`` shows one column of ``model`` as it is stored:
    a plain model field, or a foreign key shown as its primary key."""
    if len(field.source_attrs) != 1:
        return None
    model_field = _model_field(model, field.source_attrs[0])
    if model_field is None or not model_field.concrete:
        return None
    if not model_field.is_relation:
        return model_field.attname, _value_converter(field)
    if (
        type(field) is relations.PrimaryKeyRelatedField
        and getattr(field, "pk_field", None) is None
        and (model_field.many_to_one or model_field.one_to_one)
    ):
        return model_field.attname, _identity  # the column is the related object's pk
    return None


def _identity(value: Any) -> Any:
    return value


def _value_converter(field: _AnyField) -> Reader:
    """``field.to_representation`` of a stored value, ``None`` for ``None`` (DRF's rule),
    with the identity cases and ISO 8601 datetimes short-cut."""
    to_representation = field.to_representation
    field_type = type(field)
    if field_type is drf_fields.DateTimeField:
        return _datetime_converter(field)
    if field_type is drf_fields.ReadOnlyField:
        return _identity
    identity_type = _IDENTITY_TYPES.get(field_type)
    if identity_type is not None:

        def convert_plain(value: Any) -> Any:
            if value is None or type(value) is identity_type:
                return value
            return to_representation(value)

        return convert_plain

    def convert(value: Any) -> Any:
        return None if value is None else to_representation(value)

    return convert


def _generic_reader(field: _AnyField) -> Reader:
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


def _fast_reader(
    field: _AnyField, model: type[models.Model] | None, to_many: ToMany | None = None
) -> Reader:
    """A reader with exactly the output of ``_generic_reader(field)``, but cheaper.

    Where the fast path meets a case it does not model (a null along a dotted source, a
    to-many relation nobody preloaded, a callable value) it hands the row to DRF's logic.
    """
    if type(field) is serializers.SerializerMethodField:
        # source="*": DRF passes the row itself to the serializer's method.
        method: Reader = getattr(field.parent, field.method_name)
        return method
    source_attrs = field.source_attrs
    if model is None or not source_attrs:
        return _generic_reader(field)
    if to_many is not None:
        return _loaded_reader(field, to_many)
    if len(source_attrs) > 1:
        return _dotted_reader(field, model)
    model_field = _model_field(model, source_attrs[0])
    if model_field is None:
        return _attribute_reader(field, model)
    column = _column(field, model)
    if column is not None:
        getter = attrgetter(column[0])
        convert = column[1]
        if convert is _identity:
            return getter
        return lambda instance: convert(getter(instance))

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
        to_representation = field.to_representation

        def read_nested(instance: Any) -> Any:
            value = related(instance)
            return None if value is None else to_representation(value)

        return read_nested

    return _generic_reader(field)


def _loaded_reader(field: _AnyField, to_many: ToMany) -> Reader:
    """The list preload() left on the row; DRF's way for a row it did not see."""
    key = to_many.key
    fallback = _generic_reader(field)

    def read_loaded(instance: Any) -> Any:
        loaded = instance.__dict__.get(key)
        return fallback(instance) if loaded is None else loaded

    return read_loaded


def _dotted_reader(field: _AnyField, model: Any) -> Reader:
    """``source="author.name"``: forward foreign keys (joined by the plan) to a column."""
    *path, last = field.source_attrs
    current = model
    for attr in path:
        model_field = _model_field(current, attr)
        if model_field is None or not (model_field.many_to_one or model_field.one_to_one):
            return _generic_reader(field)
        current = model_field.related_model
    column = _model_field(current, last)
    if column is None or not column.concrete or column.is_relation:
        return _generic_reader(field)
    steps = [attrgetter(attr) for attr in path]
    value_of = attrgetter(column.attname)
    convert = _value_converter(field)
    fallback = _generic_reader(field)

    def read_dotted(instance: Any) -> Any:
        obj = instance
        try:
            for step in steps:
                obj = step(obj)
                if obj is None:
                    return fallback(instance)  # DRF's default / allow_null / skip rules
        except ObjectDoesNotExist:
            return None  # as DRF's get_attribute
        return convert(value_of(obj))

    return read_dotted


def _attribute_reader(field: _AnyField, model: Any) -> Reader:
    """A property of the model (``headline``): read it, convert as DRF would."""
    name = field.source_attrs[0]
    if not isinstance(inspect.getattr_static(model, name, None), (property, cached_property)):
        return _generic_reader(field)  # a method, an annotation, anything else
    getter = attrgetter(name)
    convert = _value_converter(field)
    fallback = _generic_reader(field)

    def read_attribute(instance: Any) -> Any:
        try:
            value = getter(instance)
        except (AttributeError, KeyError, ObjectDoesNotExist):
            return fallback(instance)
        if callable(value):
            return fallback(instance)
        return convert(value)

    return read_attribute


def _datetime_converter(field: _AnyField) -> Reader:
    """DRF's DateTimeField.to_representation for ISO 8601 output, with the field's time
    zone looked up once per serialization instead of once per value."""
    to_representation = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return lambda value: None if value is None else to_representation(value)
    # DRF's enforce_timezone: the field's own zone, else the current one (a host may
    # activate one per request), looked up per value as the plan outlives a request.
    fixed_zone = getattr(field, "timezone", None)
    if hasattr(field, "timezone"):
        zone_now: Callable[[], Any] = lambda: fixed_zone  # noqa: E731
    elif settings.USE_TZ:
        zone_now = timezone.get_current_timezone
    else:
        zone_now = lambda: None  # noqa: E731

    def convert_datetime(value: Any) -> Any:
        if value is None:
            return None
        zone = zone_now()
        if type(value) is not datetime.datetime or zone is None or value.utcoffset() is None:
            return to_representation(value)  # naive values and USE_TZ=False: DRF's way
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert_datetime


class QueryPlan:
    """What a serializer reads: ``select_related``/``prefetch_related`` paths and, for a
    sparse fieldset, the columns for ``only()`` (``None`` when that cannot be known)."""

    def __init__(
        self,
        select: list[str],
        prefetch: list[str | Prefetch[str]],
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


def _plan_for(serializer: serializers.Serializer[Any], model: type[models.Model]) -> QueryPlan:
    meta = getattr(serializer, "Meta", None)
    select: list[str] = list(getattr(meta, "select_related", ()))
    prefetch: list[str | Prefetch[str]] = list(getattr(meta, "prefetch_related", ()))
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
        if (model_field.many_to_many or model_field.one_to_many) and _to_many(
            field, model
        ) is not None:
            continue  # its columns are loaded per page by ApiModelSerializer.preload
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.ModelSerializer):
            nested_model: Any = nested.Meta.model
            nested_plan = _plan_for(nested, nested_model)
            if model_field.many_to_many or model_field.one_to_many:
                if model_field.one_to_many and nested_plan.only is not None:
                    # prefetch_related matches the rows to their owner by this column.
                    nested_plan.only.append(model_field.field.name)
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
            if name not in prefetch:
                prefetch.append(name)  # string, hyperlinked: reads the objects
        elif model_field.is_relation:
            if not isinstance(field, relations.PrimaryKeyRelatedField):
                select.append(name)  # slug, string, hyperlinked: reads the object
            if only is not None:
                only.append(name)
        elif only is not None and model_field.concrete:
            only.append(name)
    return QueryPlan(list(dict.fromkeys(select)), prefetch, only)


def _prefixed(prefix: str, lookup: str | Prefetch[str]) -> str | Prefetch[str]:
    if isinstance(lookup, Prefetch):
        return Prefetch(f"{prefix}__{lookup.prefetch_through}", queryset=lookup.queryset)
    return f"{prefix}__{lookup}"


@lru_cache(maxsize=256)
def query_plan(
    serializer_class: type[ApiModelSerializer[Any]],
    fields: tuple[str, ...] | None = None,
    expand: tuple[str, ...] = (),
) -> QueryPlan:
    """The (cached) query plan of a serializer class for a field selection and expansion."""
    serializer = serializer_class(fields=fields, expand=expand)
    plan = _plan_for(serializer, serializer_class.Meta.model)
    if fields is None:
        plan.only = None  # every column is read anyway
    return plan


class ApiListSerializer(serializers.ListSerializer[Any]):
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


# The range of a 64-bit integer column: a key outside it exists nowhere.
_INT64 = range(-(2**63), 2**63)


class BatchManyRelatedField(relations.ManyRelatedField):
    """``PrimaryKeyRelatedField(many=True)`` that checks every key of the list with one
    ``pk__in`` query where DRF runs one ``get(pk=...)`` per key. The objects, their order
    and the first error (its message and the key it names) are DRF's."""

    def to_internal_value(self, data: Any) -> Any:
        child: Any = self.child_relation
        queryset = child.get_queryset() if _batchable(child) else None
        if queryset is None or not isinstance(queryset.model._meta.pk, models.IntegerField):
            return super().to_internal_value(data)
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        items = list(data)
        keys: list[int | None] = []
        for item in items:
            # The conversion queryset.get(pk=item) makes; bools are refused, as by DRF.
            try:
                if isinstance(item, bool):
                    raise TypeError
                keys.append(None if item is None else int(item))
            except (TypeError, ValueError):
                break
        wanted = {key for key in keys if key is not None and key in _INT64}
        found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)} if wanted else {}
        objects = []
        for item, key in zip(items, keys, strict=False):  # keys stop at a bad one
            obj = found.get(key)
            if obj is None:
                child.fail("does_not_exist", pk_value=item)
            objects.append(obj)
        if len(keys) < len(items):  # the first key that is no pk value at all
            child.fail("incorrect_type", data_type=type(items[len(keys)]).__name__)
        return objects


def _batchable(child: Any) -> bool:
    return (
        isinstance(child, relations.PrimaryKeyRelatedField)
        and child.pk_field is None
        and type(child).to_internal_value is relations.PrimaryKeyRelatedField.to_internal_value
    )


def _batch_related_keys(fields: Mapping[str, _AnyField]) -> None:
    """Writable ``PrimaryKeyRelatedField(many=True)`` fields validate in one query."""
    for field in fields.values():
        if type(field) is relations.ManyRelatedField and not field.read_only:
            field.__class__ = BatchManyRelatedField


class SaveKwargsMixin:
    """Adds the view's ``get_save_kwargs()`` (passed as ``context["save_kwargs"]``) to
    every ``save()``, so what the library stamps (the tenant) reaches the model even when a
    host's ``perform_create`` calls ``serializer.save(...)`` itself. Keywords the caller
    passes to ``save()`` win. The tenant goes only to a model that has the tenant field
    (or to a ``create()``/``update()`` of the host's own, which may use it), so a custom
    action saving another model's serializer is not handed a keyword its model cannot
    take. ``ApiModelSerializer`` has it; add it to a plain serializer that a
    tenant-scoped view uses."""

    def save(self, **kwargs: Any) -> Any:
        context = getattr(self, "context", {})
        stamped = dict(context.get("save_kwargs", {}))
        tenant_field: str | None = context.get("tenant_field")
        if (
            tenant_field is not None
            and tenant_field in stamped
            and not _model_has_field(self, tenant_field)
            and not _saves_its_own_way(self)
        ):
            del stamped[tenant_field]
        return super().save(**{**stamped, **kwargs})  # type: ignore[misc]


def _saves_its_own_way(serializer: Any) -> bool:
    """Whether the ``create()`` (or ``update()``) this save will call is the host's own: it
    may take a keyword its model has no field for (stamping child rows with the tenant)."""
    name = "create" if getattr(serializer, "instance", None) is None else "update"
    method = getattr(type(serializer), name, None)
    return getattr(method, "__module__", None) not in ("rest_framework.serializers", __name__)


def _model_has_field(serializer: Any, name: str) -> bool:
    """Whether the model serializer's model has a field ``name`` (True when the serializer
    has no model: a plain serializer's ``create()`` decides what it takes)."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return True
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pk_is_integer(field: relations.PrimaryKeyRelatedField[Any]) -> bool | None:
    """Whether the related model's key is an integer (True), text (False) or unknown."""
    queryset = getattr(field, "queryset", None)
    model = getattr(queryset, "model", None)
    if model is None or getattr(field, "pk_field", None) is not None:
        return None
    pk = model._meta.pk
    if isinstance(pk, models.ForeignKey | models.OneToOneField):  # multi-table inheritance
        pk = pk.target_field
    if isinstance(pk, models.AutoField | models.IntegerField):
        return True
    if isinstance(pk, models.CharField | models.UUIDField):
        return False
    return None


def _strict_value_error(field: _AnyField, value: Any) -> Any:
    """The error for a JSON value of another type than the field's documented one, or
    None. DRF coerces (``"1"`` for an integer, ``5`` for a string); the document does not."""
    if value is None:
        return None  # allow_null decides
    key: str | None = None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        integer = _pk_is_integer(field)
        if (integer is True and (not _is_number(value) or isinstance(value, float))) or (
            integer is False and not isinstance(value, str)
        ):
            key = "incorrect_type"
    elif isinstance(field, relations.SlugRelatedField):
        key = None if isinstance(value, str) else "invalid"
    elif isinstance(field, drf_fields.CharField):
        key = None if isinstance(value, str) else "strict_string"
    elif isinstance(field, drf_fields.BooleanField):
        key = None if isinstance(value, bool) else "invalid"
    elif isinstance(field, drf_fields.IntegerField | drf_fields.FloatField):
        key = None if _is_number(value) else "invalid"
    if key is None:
        return None
    if key == "strict_string":
        return ErrorDetail(str(_("Not a valid string.")), code="invalid")
    try:
        field.fail(key, data_type=type(value).__name__, input=value)
    except serializers.ValidationError as exc:
        return exc.detail[0] if isinstance(exc.detail, list) else exc.detail
    return None  # pragma: no cover - fail() always raises


def strict_type_errors(serializer: serializers.Serializer[Any], data: Any) -> dict[str, Any]:
    """``{field: [error]}`` for each writable field given a JSON value of another type than
    documented: strings for numbers, booleans and integer keys, numbers for strings."""
    if not isinstance(data, Mapping) or isinstance(data, QueryDict):
        return {}  # form data is all strings: DRF's parsing is the contract there
    errors: dict[str, Any] = {}
    for field in serializer.fields.values():
        name = str(field.field_name)
        if field.read_only or field.source == "*" or name not in data:
            continue
        value = data[name]
        if isinstance(field, relations.ManyRelatedField) and isinstance(value, list):
            child = field.child_relation
            found = [_strict_value_error(child, item) for item in value]
            error = next((e for e in found if e is not None), None)
        else:
            error = _strict_value_error(field, value)
        if error is not None:
            errors[name] = [error]
    return errors


class StrictInputMixin:
    """Refuses JSON values of another type than the OpenAPI document says (``"1"`` for an
    integer or a related key, ``5`` for a string, ``"true"`` for a boolean) where DRF would
    coerce them. ``ApiModelSerializer`` has it; add it to a plain serializer:
    ``class CommitSerializer(StrictInputMixin, serializers.Serializer)``."""

    def to_internal_value(self, data: Any) -> Any:
        errors = strict_type_errors(self, data)  # type: ignore[arg-type]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


# The model a serializer reads and writes: ``ApiModelSerializer[Task]``, as DRF's stubs
# type ``ModelSerializer[Task]`` (DRF's classes accept the subscript at run time).
_MT = TypeVar("_MT", bound=models.Model)


class ApiModelSerializer(SaveKwargsMixin, StrictInputMixin, serializers.ModelSerializer[_MT]):
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
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.BaseSerializer[Any]:
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

    def get_fields(self) -> dict[str, _AnyField]:
        fields: dict[str, _AnyField] = super().get_fields()
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
        _batch_related_keys(fields)
        if self._selected_fields is not None:
            unknown = [name for name in self._selected_fields if name not in fields]
            if unknown:
                raise InvalidParameters({FIELDS_PARAM: [_unknown_names_message(unknown, fields)]})
            fields = {name: fields[name] for name in fields if name in self._selected_fields}
        return fields

    def _limit_related_to_tenant(self, fields: dict[str, _AnyField]) -> None:
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

    def create(self, validated_data: dict[str, Any]) -> Any:
        """DRF's, except the new row's many-to-many links are written with ``add()``: a
        new row has none, so ``set()``'s read of the old ones is a wasted query."""
        model = self.Meta.model
        links = {
            name: validated_data.pop(name)
            for name in list(validated_data)
            if _forward_many_to_many(model, name)
        }
        instance = super().create(validated_data)
        for name, related in links.items():
            getattr(instance, name).add(*related)
        _remember_supplied(instance, links)
        return instance

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        instance = super().update(instance, validated_data)
        model = self.Meta.model
        _remember_supplied(
            instance,
            {n: v for n, v in validated_data.items() if _forward_many_to_many(model, n)},
        )
        return instance

    def _read_plan(self) -> ReadPlan:
        """Readers and batch loads of this serializer's fields.

        Built once per class and field selection (``shared_read_plan``) when nothing in
        it can depend on the request; this instance then never builds its ``fields``.
        Built for this instance when its fields may differ from the class's (the class
        overrides ``__init__``, ``get_fields`` or ``fields``; fields built here are not
        the class's) or a field may read the context (a custom or hyperlinked field, a
        method field of a nested serializer)."""
        plan: ReadPlan | None = self.__dict__.get("_apifirst_read_plan")
        if plan is None:
            if _fields_fixed_by_class(type(self)):
                plan = shared_read_plan(type(self), self._selected_fields, self._expanded_fields)
                built = self.__dict__.get("fields")  # e.g. by validation, before a write's reply
                if plan is not None and built is not None and plan.names != _readable(built):
                    plan = None  # someone changed this instance's fields
            if plan is None:
                plan = ReadPlan(self)
            self.__dict__["_apifirst_read_plan"] = plan
        return plan

    def _readers(self) -> list[tuple[str, Reader]]:
        readers: list[tuple[str, Reader]] | None = self.__dict__.get("_apifirst_readers")
        if readers is None:
            readers = self.__dict__["_apifirst_readers"] = self._read_plan().readers_for(self)
        return readers

    def preload(self, instances: list[Any]) -> None:
        """Load, in one query per relation, what every row will read: the columns of its
        to-many fields, and what nested serializers need in turn."""
        plan = self._read_plan()
        if not instances or not plan.needs_preload:
            return
        for to_many in plan.loads:
            name, key = to_many.name, to_many.key
            pending = []
            for obj in instances:
                if obj.pk is None or name in prefetched_relations(obj):
                    obj.__dict__.pop(key, None)  # read DRF's way, never an older load
                else:
                    pending.append(obj)
            if not pending:
                continue
            supplied = _supplied_ids(pending, to_many)
            loaded = supplied if supplied is not None else to_many.load([o.pk for o in pending])
            for obj in pending:
                obj.__dict__[key] = loaded.get(obj.pk, [])
        for name, nested in plan.nested:
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
        readers = self.__dict__.get("_apifirst_readers") or self._readers()
        if self.parent is None and isinstance(instance, models.Model):
            # A detail: the same batch loads as a page of one row.
            self.preload([instance])
        ret: dict[str, Any] = {}
        for name, read in readers:
            try:
                ret[name] = read(instance)
            except SkipField:
                continue
        return ret


class ReadPlan:
    """What an ``ApiModelSerializer`` does to read rows: a reader per field, the to-many
    fields loaded per page, the nested serializers that preload in turn.

    ``shareable``: nothing here reads the serializer's context or instance state, so
    one plan serves every request; a ``SerializerMethodField`` is re-bound to each
    serializer instance (``readers_for``), so its method sees that request's context."""

    def __init__(self, serializer: ApiModelSerializer[Any]) -> None:
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        self.readers: list[tuple[str, Reader]] = []
        self.loads: list[ToMany] = []
        self.nested: list[tuple[str, ApiModelSerializer[Any]]] = []
        # (position in readers, method name) of the SerializerMethodFields.
        self.methods: list[tuple[int, str]] = []
        self.shareable: bool = True
        for field in serializer.fields.values():
            if field.write_only:
                continue
            to_many = _to_many(field, model)
            if to_many is not None:
                self.loads.append(to_many)
            else:
                self._add_nested(field, model)
            if type(field) is serializers.SerializerMethodField:
                self.methods.append((len(self.readers), field.method_name))
            elif not _context_free(field):
                self.shareable = False
            self.readers.append((str(field.field_name), _fast_reader(field, model, to_many)))
        self.needs_preload: bool = bool(self.loads or self.nested)
        self.names: tuple[str, ...] = _readable(serializer.fields)

    def _add_nested(self, field: _AnyField, model: Any) -> None:
        if len(field.source_attrs) != 1 or _model_field(model, field.source_attrs[0]) is None:
            return
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        # Walking every row's relation is worth it only when the nested one loads something.
        if isinstance(nested, ApiModelSerializer) and nested._read_plan().needs_preload:
            self.nested.append((field.source_attrs[0], nested))

    def readers_for(self, serializer: ApiModelSerializer[Any]) -> list[tuple[str, Reader]]:
        """The readers, with method fields bound to ``serializer`` (DRF's
        ``getattr(parent, method_name)``)."""
        if not self.methods:
            return self.readers
        readers = list(self.readers)
        for position, method_name in self.methods:
            readers[position] = (readers[position][0], getattr(serializer, method_name))
        return readers


def _readable(fields: Mapping[str, _AnyField]) -> tuple[str, ...]:
    return tuple(name for name, field in fields.items() if not field.write_only)


def _fields_fixed_by_class(serializer_class: type) -> bool:
    """Whether an instance's fields follow from its class and field selection alone: no
    ``__init__``, ``get_fields`` or ``fields`` of the host's that may change them per
    request (DRF's "dynamic fields" recipes pop fields in ``__init__``)."""
    return all(
        getattr(serializer_class, name) is getattr(ApiModelSerializer, name)
        for name in ("__init__", "get_fields", "fields")
    )


# Field modules whose classes never read the serializer's context to show a value.
_CONTEXT_FREE_MODULES = {"rest_framework.fields", "rest_framework.relations"}


def _context_free(field: _AnyField) -> bool:
    """Whether a field's output depends on the row alone (not the request, not the
    serializer instance): DRF's own value and key fields, and nested ApiModelSerializers
    made only of those."""
    if isinstance(field, serializers.ListSerializer):
        return type(field) in (serializers.ListSerializer, ApiListSerializer) and _context_free(
            field.child  # type: ignore[arg-type]
        )
    if isinstance(field, ApiModelSerializer):
        plan = field._read_plan()
        return plan.shareable and not plan.methods
    if isinstance(field, relations.ManyRelatedField):
        return _context_free(field.child_relation)
    if isinstance(field, relations.HyperlinkedRelatedField):
        return False  # builds URLs from the request
    return type(field).__module__ in _CONTEXT_FREE_MODULES or isinstance(
        field, BatchManyRelatedField
    )


_shared_plans: dict[tuple[type, tuple[str, ...] | None, tuple[str, ...]], ReadPlan | None] = {}
_shared_plans_lock = threading.RLock()  # a plan builds its nested serializers' plans
_MAX_SHARED_PLANS = 512


def shared_read_plan(
    serializer_class: type[ApiModelSerializer[Any]],
    fields: tuple[str, ...] | None,
    expand: tuple[str, ...],
) -> ReadPlan | None:
    """The read plan every instance of ``serializer_class`` with this field selection
    shares, or None when it cannot be shared (see ``ReadPlan.shareable``).

    Built once, under a lock, from an instance without context; dropped on
    ``setting_changed`` (readers keep settings-dependent formats)."""
    key = (serializer_class, fields, expand)
    try:
        return _shared_plans[key]
    except KeyError:
        pass
    with _shared_plans_lock:
        if key not in _shared_plans:
            if len(_shared_plans) >= _MAX_SHARED_PLANS:  # ?fields= combinations are many
                _shared_plans.clear()
            plan = ReadPlan(serializer_class(fields=fields, expand=expand))
            _shared_plans[key] = plan if plan.shareable else None
        return _shared_plans[key]


def _supplied_ids(instances: list[Any], to_many: ToMany) -> dict[Any, list[Any]] | None:
    """The ids a create or update just wrote (``ApiModelSerializer.save``), in the order
    the relation reads them — no query to read back what the request supplied."""
    if to_many.supplied_order is None:
        return None
    supplied = {}
    for obj in instances:
        ids = obj.__dict__.get(_SUPPLIED, {}).get(to_many.name)
        if ids is None:
            return None
        supplied[obj.pk] = sorted(set(ids), reverse=to_many.supplied_order)
    return supplied


# Where a create or update leaves the related ids it wrote, by relation name.
_SUPPLIED = "_apifirst_supplied"


def _remember_supplied(instance: Any, written: Mapping[str, Iterable[Any]]) -> None:
    instance.__dict__[_SUPPLIED] = {
        name: [getattr(obj, "pk", obj) for obj in related] for name, related in written.items()
    }


def _forget_supplied(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """A later change of the relation (a host's ``instance.tags.add(...)`` after ``save``)
    makes the supplied ids stale: the response reads the relation again."""
    if action.startswith("post_"):
        instance.__dict__.pop(_SUPPLIED, None)


m2m_changed.connect(_forget_supplied, dispatch_uid="drf_apifirst.serializers.supplied_ids")


def _forward_many_to_many(model: Any, name: str) -> bool:
    """A many-to-many field of ``model`` whose links ``add()`` can write (no custom
    through model with required columns)."""
    model_field = _model_field(model, name)
    if not isinstance(model_field, models.ManyToManyField):
        return False
    through: Any = model_field.remote_field.through
    return bool(through._meta.auto_created)


def _unknown_names_message(unknown: list[str], known: Iterable[str]) -> str:
    return "Unknown field(s): {}. Choose from: {}.".format(
        ", ".join(unknown), ", ".join(sorted(known)) or "(none)"
    )


def _names(request: Any, param: str) -> tuple[str, ...] | None:
    values = request.query_params.getlist(param)
    if not values:
        return None
    if len(values) > 1:  # documented style: form, explode false (one comma-separated value)
        raise InvalidParameters(
            {param: [ErrorDetail(str(_("Give this parameter once, comma-separated.")), "repeated")]}
        )
    raw = values[0]
    names = tuple(sorted({name.strip() for name in raw.split(",") if name.strip()}))
    if not names:
        raise InvalidParameters({param: [_("Name at least one field.")]})
    return names


class FieldSelectionMixin:
    """``?fields=id,title`` and ``?expand=assignee`` on safe requests, for an
    ``ApiModelSerializer``, with ``select_related``/``prefetch_related``/``only`` to match.
    """

    def get_field_selection(
        self, serializer_class: type[ApiModelSerializer[Any]]
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

    def get_selecting_serializer_class(self) -> type[ApiModelSerializer[Any]] | None:
        """The serializer class field selection applies to: an ``ApiModelSerializer`` on a
        safe request; None otherwise."""
        request = getattr(self, "request", None)
        if request is None or request.method not in SAFE_METHODS:
            return None
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        return serializer_class if issubclass(serializer_class, ApiModelSerializer) else None

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer[Any]:
        serializer_class = self.get_selecting_serializer_class()
        if serializer_class is not None:
            fields, expand = self.get_field_selection(serializer_class)
            kwargs.setdefault("fields", fields)
            kwargs.setdefault("expand", expand)
        serializer: serializers.BaseSerializer[Any] = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return serializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        serializer_class = self.get_selecting_serializer_class()
        if serializer_class is not None and isinstance(queryset, QuerySet):
            fields, expand = self.get_field_selection(serializer_class)
            queryset = query_plan(serializer_class, fields, expand).apply(queryset)
        return queryset


class HyperlinkedApiModelSerializer(
    ApiModelSerializer[_MT], serializers.HyperlinkedModelSerializer[_MT]
):
    """DRF's ``HyperlinkedModelSerializer`` fields — a ``url`` and relations as links —
    with ``ApiModelSerializer``'s field selection, batch loading and save keywords."""


def _drop_query_plans(**kwargs: Any) -> None:
    """Plans read settings-dependent field classes; a settings change (tests) drops them."""
    query_plan.cache_clear()
    with _shared_plans_lock:
        _shared_plans.clear()


setting_changed.connect(_drop_query_plans, dispatch_uid="drf_apifirst.serializers.query_plan")
