"""Conditional requests: ETags, ``If-None-Match`` (304) and ``If-Match`` (412, 428).

    class TaskViewSet(ApiModelViewSet):
        etag_field = "updated_at"     # or a version counter; None: hash the representation
        require_if_match = True       # writes without If-Match are a 428 problem

A detail GET carries an ``ETag``. With ``etag_field`` — and a representation the row
alone decides (no many-to-many, nested, expanded or computed field: those change without
the row) — it is computed from that field (and the representation's version and field
selection), so a matching ``If-None-Match`` is answered 304 without serializing anything;
otherwise it is a hash of the representation. A ``PUT``/``PATCH``/``DELETE`` whose
``If-Match`` does not match is a 412 problem; the check and the write happen in one
transaction with the row locked (``select_for_update``), so of two concurrent writes
with the same ``If-Match`` exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.utils.encoders import JSONEncoder

from drf_apifirst.context import request_context
from drf_apifirst.exceptions import Problem, ShortCircuit
from drf_apifirst.faults import refuse_success_rolled_back
from drf_apifirst.serializers import EXPAND_PARAM, FIELDS_PARAM
from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "ConditionalRequestMixin",
    "PreconditionFailed",
    "PreconditionRequired",
    "etag_matches",
    "representation_etag",
]

_UNSAFE_WITH_OBJECT = {"PUT", "PATCH", "DELETE"}


class PreconditionFailed(Problem):
    """412: ``If-Match`` names an ETag the resource no longer has — someone else wrote
    it since the client read it. The body carries the ``current_etag``."""

    status_code = 412
    default_code = "precondition_failed"
    default_detail: StrOrPromise = _(
        "The resource changed since you read it: fetch it again, then retry."
    )
    title: StrOrPromise = _("Precondition failed.")
    extension_members: Mapping[str, Any] = {
        "current_etag": {"type": "string", "description": "The ETag the resource has now."}
    }


class PreconditionRequired(Problem):
    """428: a write to a view that requires ``If-Match`` (``if_match_required``) came
    without one, so a lost update cannot be ruled out."""

    status_code = 428
    default_code = "precondition_required"
    default_detail: StrOrPromise = _("Send If-Match with the ETag you read, so no update is lost.")
    title: StrOrPromise = _("Precondition required.")


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return quote_etag(hashlib.sha256(text.encode()).hexdigest()[:32])


def representation_etag(data: Any) -> str:
    """A strong ETag of serialized data."""
    return _digest(data)


def etag_matches(header: str | None, etag: str, *, weak: bool) -> bool:
    """Whether an If-Match (strong comparison) or If-None-Match (weak) header matches."""
    if not header:
        return False
    candidates = parse_etags(header)
    if "*" in candidates:
        return True
    if weak:
        bare = etag.removeprefix("W/")
        return any(c.removeprefix("W/") == bare for c in candidates)
    return not etag.startswith("W/") and etag in candidates


class ConditionalRequestMixin:
    """ETags on detail GETs, 304s, 412s and 428s; see the module docstring.

    It hooks into ``get_object`` and the response, never into an action, so a viewset
    without ``retrieve`` gets no detail route from it. Hooks: ``get_etag(instance)``,
    ``if_match_required()``.
    """

    # The model field that changes on every write (updated_at, a version); None hashes
    # the serialized representation instead.
    etag_field: str | None = None
    # None: DRF_APIFIRST["REQUIRE_IF_MATCH"].
    require_if_match: bool | None = None

    def get_etag(self, instance: Any) -> str | None:
        """The object's ETag without serializing it, or None (then the ETag is a hash of
        the representation). Uses ``etag_field`` only when the row alone decides the
        representation: no many-to-many, nested, expanded or computed field."""
        if self.etag_field is None or not self.etag_field_decides_representation():
            return None
        request = self.request  # type: ignore[attr-defined]
        selection = sorted(
            (key, value)
            for key, value in request.query_params.items()
            if key in (FIELDS_PARAM, EXPAND_PARAM)
        )
        return _digest(
            type(instance)._meta.label_lower,
            instance.pk,
            getattr(instance, self.etag_field),
            getattr(request, "version", None),
            selection,
        )

    def etag_field_decides_representation(self) -> bool:
        """Whether every field the response shows is a column of the row itself."""
        request = self.request  # type: ignore[attr-defined]
        if request.query_params.get(EXPAND_PARAM):
            return False
        serializer = self.get_serializer()  # type: ignore[attr-defined]
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None:
            return False
        for field in getattr(serializer, "fields", {}).values():
            if field.write_only:
                continue
            attrs = field.source_attrs
            if len(attrs) != 1 or isinstance(field, serializers.BaseSerializer):
                return False
            try:
                model_field = model._meta.get_field(attrs[0])
            except FieldDoesNotExist:
                return False  # a property or method may read anything
            if model_field.many_to_many or model_field.one_to_many:
                return False
            if model_field.is_relation and not isinstance(field, PrimaryKeyRelatedField):
                return False  # a slug or string of the related row
        return True

    def if_match_required(self) -> bool:
        """Whether a write without ``If-Match`` is a 428 problem."""
        required = self.require_if_match
        return bool(apifirst_settings.REQUIRE_IF_MATCH if required is None else required)

    def get_object(self) -> Any:
        request = self.request  # type: ignore[attr-defined]
        context = request_context(request)
        if request.method in _UNSAFE_WITH_OBJECT:
            header = request.headers.get("If-Match")
            if header is None and self.if_match_required():
                raise PreconditionRequired()
            if header is not None:
                # Lock the row until the write commits: the check and the write are one.
                context.lock_for_update = True
        instance = super().get_object()  # type: ignore[misc]
        context.instance = instance
        if request.method in _UNSAFE_WITH_OBJECT and context.lock_for_update:
            etag = self.get_etag(instance) or representation_etag(
                self.get_serializer(instance).data  # type: ignore[attr-defined]
            )
            if not etag_matches(request.headers.get("If-Match"), etag, weak=False):
                raise PreconditionFailed(current_etag=etag)
        elif self._is_detail_read(request):
            cheap = self.get_etag(instance)
            if cheap is not None and etag_matches(
                request.headers.get("If-None-Match"), cheap, weak=True
            ):
                raise ShortCircuit(_not_modified(cheap))  # nothing serialized
        return instance

    def _is_detail_read(self, request: Any) -> bool:
        return request.method in ("GET", "HEAD") and getattr(self, "action", None) == "retrieve"

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()  # type: ignore[misc]
        request = getattr(self, "request", None)
        if request is not None and request_context(request).lock_for_update:
            queryset = queryset.select_for_update()
        return queryset

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method in _UNSAFE_WITH_OBJECT and request.headers.get("If-Match") is not None:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
                # Not a 200 for an update the database rolls back (faults.py).
                refuse_success_rolled_back(response)
                return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_conditional(self, request: Any, response: Any) -> Any:
        """Pipeline step: the ETag of a detail read (304 when ``If-None-Match`` matches)
        and of a successful PUT/PATCH."""
        if not 200 <= response.status_code < 300:
            return response
        if self._is_detail_read(request) and response.status_code == 200:
            etag = response.get("ETag") or self._response_etag(request, response)
            if etag is None:
                return response
            if etag_matches(request.headers.get("If-None-Match"), etag, weak=True):
                return _not_modified(etag, response)
            response["ETag"] = etag
        elif request.method in ("PUT", "PATCH") and not response.has_header("ETag"):
            etag = self._response_etag(request, response)
            if etag is not None:
                response["ETag"] = etag
        return response

    def _response_etag(self, request: Any, response: Any) -> str | None:
        data = getattr(response, "data", None)
        if not isinstance(data, dict):
            return None
        instance = request_context(request).instance
        etag = self.get_etag(instance) if instance is not None else None
        return etag or representation_etag(data)


# Headers a 304 repeats from the 200 it stands for (RFC 9110 15.4.5).
_NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "Expires", "Vary", "X-Cache")


def _not_modified(etag: str, full: Any = None) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    if full is not None:
        for name in _NOT_MODIFIED_HEADERS:
            if full.has_header(name):
                response[name] = full[name]
    return response
