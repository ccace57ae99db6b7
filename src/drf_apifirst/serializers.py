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

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from drf_apifirst.exceptions import InvalidParameters

__all__ = ["ApiModelSerializer", "QueryPlan", "query_plan"]

Reader = Callable[[Any], Any]

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
        return lambda instance: [obj.pk for obj in manager_getter(instance).all()]

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
            prefetch.append(name)
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


class ApiModelSerializer(serializers.ModelSerializer):
    """ModelSerializer with ``fields``/``expand`` selection and a fast read path.

    ``Meta`` options beyond DRF's:

    - ``expandable_fields``: ``{"name": SerializerClass}`` or
      ``{"name": (SerializerClass, {"source": ..., "many": ...})}``;
    - ``select_related`` / ``prefetch_related``: extra lookups for what the fields cannot
      tell (a ``SerializerMethodField`` reading a relation);
    - ``sparse_fieldsets = False`` to refuse ``?fields=``.
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
            raise InvalidParameters({"expand": [_unknown_names_message(unknown, expandable)]})
        for name in self._expanded_fields:
            spec = expandable[name]
            serializer_class, options = spec if isinstance(spec, tuple) else (spec, {})
            options = {"read_only": True, **options}
            if options.get("source") == name:
                del options["source"]
            fields[name] = serializer_class(**options)
        if self._selected_fields is not None:
            unknown = [name for name in self._selected_fields if name not in fields]
            if unknown:
                raise InvalidParameters({"fields": [_unknown_names_message(unknown, fields)]})
            fields = {name: fields[name] for name in fields if name in self._selected_fields}
        return fields

    def _build_readers(self) -> list[tuple[str, Reader]]:
        model = getattr(getattr(self, "Meta", None), "model", None)
        return [
            (str(field.field_name), _fast_reader(field, model))
            for field in self.fields.values()
            if not field.write_only
        ]

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
