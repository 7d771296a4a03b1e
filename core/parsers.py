"""The JSON every request body and JSON text field is read with: strict and depth-limited.

A document nested deeper than MAX_DEPTH (``[[[[...]]]]``) is refused as a parse error (400) instead
of exhausting the interpreter's recursion limit (a RecursionError, 500) in the decoder or in code that
walks the document later. NaN and Infinity are refused as in DRF's strict JSON.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

MAX_DEPTH = 64
TOO_DEEP = f"JSON parse error - the document is nested more than {MAX_DEPTH} levels deep."


class JSONTooDeep(ValueError):
    def __init__(self):
        super().__init__(TOO_DEEP)


def _depth_exceeds(document, limit):
    """True when lists/objects in `document` nest more than `limit` levels (iterative: no recursion)."""
    level = [document]
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, (list, dict))
        ]
        if not level:
            return False
    return True


def loads(text, max_depth=MAX_DEPTH, strict=True):
    """json.loads; raises ValueError (JSONTooDeep when nested too deep). strict: NaN, Infinity and
    -Infinity are refused; strict=False reads them as floats, for fields that check finiteness themselves."""
    try:
        document = json.loads(text, parse_constant=json.strict_constant if strict else None)
    except RecursionError:
        raise JSONTooDeep() from None
    # Only a text with more opening brackets than the limit can nest that deep.
    if isinstance(document, (list, dict)) and text.count("[") + text.count("{") > max_depth:
        if _depth_exceeds(document, max_depth):
            raise JSONTooDeep()
    return document


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSONParser through `loads`: the whole body decoded at once, strict, depth-limited."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return loads(stream.read().decode(encoding))
        except JSONTooDeep as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
