"""``ORJSONRenderer``: DRF's JSONRenderer output, rendered by orjson (the ``[fast]`` extra).

``rest_framework_settings()`` uses it when orjson is installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

__all__ = ["ORJSONRenderer"]

_fallback = JSONEncoder().default
# Dates, times and dataclasses go through DRF's encoder ("Z" for UTC, as DRF writes it).
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class ORJSONRenderer(JSONRenderer):
    """Compact UTF-8 JSON; types orjson does not know (Decimal, lazy strings, querysets)
    are converted by DRF's encoder, so the output matches ``JSONRenderer``'s."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent:  # a client asked for pretty output: let DRF do it exactly
            rendered: bytes = super().render(data, accepted_media_type, renderer_context)
            return rendered
        try:
            rendered = orjson.dumps(data, default=_fallback, option=_OPTIONS)
        except orjson.JSONEncodeError:  # e.g. an int over 64 bits: DRF's way
            rendered = super().render(data, accepted_media_type, renderer_context)
            return rendered
        # Like DRF: escape the two characters that end a line in JavaScript.
        if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return rendered
