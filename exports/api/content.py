"""JSON in and out of the export endpoints, without DRF's per-request media type parsing.

DRF parses the Accept header of every request into media types and ranks them, and matches the
Content-Type of a body against each parser the same way, even when the view has one renderer and
one parser. Status polling does that every second per client, so the common cases are answered
straight away: no Accept header, ``*/*`` or ``application/json`` get the one renderer, a body sent
as exactly ``application/json`` the JSON parser. Anything else (another Accept header, ``?format=``,
a format suffix, a Content-Type with parameters) goes through DRF's own negotiation, with the same
outcome as before (406, 415).
"""

from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

PLAIN_ACCEPTS = frozenset({None, "*/*", "application/json"})


class JSONOnlyNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        plain = request.META.get("HTTP_ACCEPT") in PLAIN_ACCEPTS and not request.META.get("QUERY_STRING")
        if plain and len(renderers) == 1 and not format_suffix:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)

    def select_parser(self, request, parsers):
        if parsers and parsers[0].media_type == request.content_type:
            return parsers[0]
        return super().select_parser(request, parsers)


class JSONBodyParser(JSONParser):
    """DRF's JSONParser decoding the (already read) body at once instead of through a codecs reader."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
