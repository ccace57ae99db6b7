"""A strict JSON parser: any body it cannot turn into data is a 400 ``parse_error`` problem.

    REST_FRAMEWORK = {"DEFAULT_PARSER_CLASSES": ["drf_apifirst.parsers.JSONParser"], ...}

(``drf_apifirst.rest_framework_settings()`` wires it.) DRF's parser catches only
``ValueError``: a body of a few thousand ``[`` raises ``RecursionError`` inside ``json``
and every endpoint that takes a body answers 500 with a logged traceback. This parser

- refuses a body nested deeper than ``DRF_APIFIRST["MAX_JSON_DEPTH"]`` before decoding it,
  counting brackets outside strings without recursion;
- decodes the body as UTF-8 (RFC 8259 section 8.1: JSON exchanged between systems is UTF-8;
  a ``charset`` parameter is ignored, a leading byte order mark is skipped);
- refuses ``NaN``, ``Infinity``, numbers out of a float's range (``1e400``), an object with
  the same key twice, and escaped lone surrogates (``"\\ud800"``): none has one meaning
  every client and every store agree on, and some would fail later, as a 500.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from drf_apifirst.settings import apifirst_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["UPLOAD_PARSER_CLASSES", "JSONParser", "json_depth"]

_UTF8_BOM = b"\xef\xbb\xbf"
# Escape pairs (a backslash and the byte after it); dropped first, so no quote is escaped.
_ESCAPE = re.compile(rb"\\.", re.S)
# Every byte but brackets and quotes. UTF-8 never uses ASCII bytes inside a multi-byte
# character, so what is left is exactly the brackets and quotes of the text.
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'[]{}"')))
# Depth counts both kinds alike: arrays and objects become "(" and ")".
_TO_PARENS = bytes.maketrans(b"[{]}", b"(())")
_PAREN_STEP = {ord("("): 1, ord(")"): -1}
# Passes that strip the innermost "()" pairs (one level each) before the count that runs
# a Python-level step per bracket; a typical body is a few levels deep.
_LEAF_PASSES = 8
# \uD800-\uDFFF escapes: only these can put a lone surrogate into a decoded string.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_depth(text: bytes | str) -> int:
    """How deeply arrays and objects nest in ``text`` (``0`` for a scalar), without recursion.

    Brackets inside strings do not count. For text that is not valid JSON the answer is
    the depth of its valid prefix or more, so a deep malformed body is refused too. Each
    pass runs in C (a 1 MB body costs a few milliseconds).
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)
    # Between quotes is inside a string: keep the even pieces (and an unterminated
    # string's tail, whose brackets then count: more, never less).
    pieces = raw.translate(None, _NOT_STRUCTURE).split(b'"')
    outside = pieces[::2] + (pieces[-1:] if len(pieces) % 2 == 0 else [])
    brackets = b"".join(outside).translate(_TO_PARENS)
    levels = 0
    for _pass in range(_LEAF_PASSES):
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            break
        brackets, levels = shorter, levels + 1
    steps = accumulate(map(_PAREN_STEP.__getitem__, brackets))
    return levels + max(0, max(steps, default=0))


class _Refused(ValueError):
    """Raised from the decoder's hooks; its message is the problem's detail."""


def _refuse_constant(name: str) -> Any:
    raise _Refused(str(_("%s is not a JSON number; send a number or null.") % name))


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(str(_("The number %s is too large.") % text[:40]))
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Refused(str(_("The key %s appears twice in one object.") % json.dumps(key)))
            seen.add(key)
    return result


def _has_lone_surrogate(data: Any) -> bool:
    """Whether any string (key or value) holds a surrogate that UTF-8 cannot encode."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, Mapping):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's ``JSONParser``, strict: see the module docstring for what it refuses and why."""

    # Messages of the 400 problems (their code is DRF's ``parse_error``).
    not_utf8_message: StrOrPromise = _("The JSON body is not valid UTF-8.")
    too_deep_message: StrOrPromise = _(
        "The JSON body nests arrays and objects deeper than %(limit)d levels."
    )
    lone_surrogate_message: StrOrPromise = _(
        "The JSON body has an escaped lone surrogate (\\ud800-\\udfff)."
    )
    invalid_message: StrOrPromise = _("JSON parse error - %(error)s")  # DRF's wording

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        if raw.startswith(_UTF8_BOM):
            raw = raw[len(_UTF8_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(self.not_utf8_message) from None
        limit = self.get_max_depth()
        # Cheap first: a body with no more opening brackets than the limit cannot exceed it.
        if raw.count(b"[") + raw.count(b"{") > limit and json_depth(raw) > limit:
            raise ParseError(self.too_deep_message % {"limit": limit})
        try:
            data = json.loads(
                text,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
                object_pairs_hook=_unique_keys,
            )
        except _Refused as error:
            raise ParseError(str(error)) from None
        except (ValueError, RecursionError) as error:
            # RecursionError only if the stack was already deep when parsing began.
            raise ParseError(self.invalid_message % {"error": error}) from None
        if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
            raise ParseError(self.lone_surrogate_message)
        return data

    def get_max_depth(self) -> int:
        """The deepest nesting accepted; override for one view's parser."""
        depth: int = apifirst_settings.MAX_JSON_DEPTH
        return depth


# For a view that takes files (a FileField or ImageField on its serializer): JSON stays
# first, so the OpenAPI document and clients keep JSON as the default; multipart/form-data
# is accepted too. ``parser_classes = UPLOAD_PARSER_CLASSES`` (a tuple: shared, not to be
# appended to; write ``[*UPLOAD_PARSER_CLASSES, MyParser]`` for more).
UPLOAD_PARSER_CLASSES: tuple[type[parsers.BaseParser], ...] = (
    JSONParser,
    parsers.MultiPartParser,
)
