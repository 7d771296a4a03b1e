"""JSON in and out of the export endpoints, without DRF's per-request media type negotiation.

DRF parses the Accept header of every request into media types and ranks them, and matches the
Content-Type of a body against each parser the same way, even when the view has one renderer and
one parser. Status polling does that every second per client, so the common cases are answered
straight away: no Accept header, ``*/*`` or ``application/json`` get the one renderer, a body sent
as exactly ``application/json`` the view's first parser (core.parsers: strict, depth-limited). Anything else (another Accept header, ``?format=``,
a format suffix, a Content-Type with parameters) goes through DRF's own negotiation, with the same
outcome as before (406, 415).
"""

from rest_framework.negotiation import DefaultContentNegotiation

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
