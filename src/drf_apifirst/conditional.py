"""Conditional requests: ETags, ``If-None-Match`` (304) and ``If-Match`` (412, 428).

    class TaskViewSet(ApiModelViewSet):
        etag_field = "updated_at"     # or a version counter; None: hash the representation
        require_if_match = True       # writes without If-Match are a 428 problem

A detail GET carries an ``ETag``. With ``etag_field`` it is computed from that field (and
the representation's version and field selection), so a matching ``If-None-Match`` is
answered 304 without serializing anything. A ``PUT``/``PATCH``/``DELETE`` whose
``If-Match`` does not match is a 412 problem; the check and the write happen in one
transaction with the row locked (``select_for_update``), so of two concurrent writes
with the same ``If-Match`` exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from drf_apifirst.exceptions import Problem
from drf_apifirst.settings import apifirst_settings

__all__ = [
    "ConditionalRequestMixin",
    "PreconditionFailed",
    "PreconditionRequired",
    "etag_matches",
    "representation_etag",
]

_UNSAFE_WITH_OBJECT = {"PUT", "PATCH", "DELETE"}


class PreconditionFailed(Problem):
    status_code = 412  # type: ignore[assignment]
    default_code = "precondition_failed"
    default_detail = _("The resource changed since you read it: fetch it again, then retry.")
    title = _("Precondition failed.")


class PreconditionRequired(Problem):
    status_code = 428  # type: ignore[assignment]
    default_code = "precondition_required"
    default_detail = _("Send If-Match with the ETag you read, so no update is lost.")
    title = _("Precondition required.")


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
    """ETags on detail GETs, 304s, 412s and 428s; see the module docstring."""

    # The model field that changes on every write (updated_at, a version); None hashes
    # the serialized representation instead.
    etag_field: str | None = None
    # None: DRF_APIFIRST["REQUIRE_IF_MATCH"].
    require_if_match: bool | None = None

    def get_etag(self, instance: Any) -> str | None:
        """The object's ETag without serializing it, or None without ``etag_field``."""
        if self.etag_field is None:
            return None
        request = self.request  # type: ignore[attr-defined]
        selection = sorted(
            (key, value)
            for key, value in request.query_params.items()
            if key in ("fields", "expand")
        )
        return _digest(
            type(instance)._meta.label_lower,
            instance.pk,
            getattr(instance, self.etag_field),
            getattr(request, "version", None),
            selection,
        )

    def _if_match_required(self) -> bool:
        required = self.require_if_match
        return bool(apifirst_settings.REQUIRE_IF_MATCH if required is None else required)

    def get_object(self) -> Any:
        request = self.request  # type: ignore[attr-defined]
        if request.method not in _UNSAFE_WITH_OBJECT:
            return super().get_object()  # type: ignore[misc]
        header = request.headers.get("If-Match")
        if header is None:
            if self._if_match_required():
                raise PreconditionRequired()
            return super().get_object()  # type: ignore[misc]
        # Lock the row until the write commits: the check and the write are one step.
        self.__dict__["_apifirst_lock"] = True
        instance = super().get_object()  # type: ignore[misc]
        etag = self.get_etag(instance) or representation_etag(self.get_serializer(instance).data)  # type: ignore[attr-defined]
        if not etag_matches(header, etag, weak=False):
            raise PreconditionFailed(current_etag=etag)
        return instance

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()  # type: ignore[misc]
        if self.__dict__.get("_apifirst_lock"):
            queryset = queryset.select_for_update()
        return queryset

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method in _UNSAFE_WITH_OBJECT and request.headers.get("If-Match") is not None:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        etag = self.get_etag(instance)
        if etag is not None and etag_matches(request.headers.get("If-None-Match"), etag, weak=True):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        data = self.get_serializer(instance).data  # type: ignore[attr-defined]
        if etag is None:
            etag = representation_etag(data)
            if etag_matches(request.headers.get("If-None-Match"), etag, weak=True):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            request.method in ("PUT", "PATCH")
            and 200 <= response.status_code < 300
            and not response.has_header("ETag")
            and isinstance(getattr(response, "data", None), dict)
        ):
            instance = getattr(self, "_apifirst_written", None)
            etag = self.get_etag(instance) if instance is not None else None
            response["ETag"] = etag or representation_etag(response.data)
        return response

    def perform_update(self, serializer: Any) -> None:
        super().perform_update(serializer)  # type: ignore[misc]
        self._apifirst_written = serializer.instance
