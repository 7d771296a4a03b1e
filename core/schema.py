"""The OpenAPI schema's error answers: one error body, documented wherever an error can occur.

Every 4xx of the API has the shape core.api_errors makes (``ErrorResponse``). Rather than each view
listing them, ``AutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to every operation the
error codes its view can actually answer:

* 400 when the operation reads a body or query parameters (validation),
* 401 when the view's first authentication class names a scheme (DRF then answers 401, not 403,
  to a missing or bad credential), 403 for a missing sign-in or role,
* 404 when the path names an object, or the list is paginated (an unknown page or cursor),
* 415 when the operation reads a body (a Content-Type none of its parsers reads, a broken multipart),
* 429 when the view is throttled.

A view states any other code itself (``extend_schema(responses={409: ERROR_RESPONSE})``); codes a
view documents are kept as it wrote them.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorResponseSerializer(serializers.Serializer):
    """The API's error body (core.api_errors): ``errors`` only on validation errors."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


ERROR_RESPONSE = ErrorResponseSerializer
DESCRIPTIONS = {
    400: "Invalid input: detail is the first message, errors maps each field to its messages.",
    401: "Missing or invalid credentials.",
    403: "Not signed in, or the role this action needs is missing.",
    404: "Not found.",
    409: "Conflicts with the object's current state.",
    415: "The body's Content-Type is not one this operation reads (see its request body).",
    429: "Too many requests; try again later.",
    503: 'Redis unreachable: {"detail": "Job queue unavailable, try again later"}',
}


def error(code, description=None):
    """The documented error answer for `code` (description: the generic one)."""
    return OpenApiResponse(ERROR_RESPONSE, description=description or DESCRIPTIONS[code])


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            responses.setdefault(str(code), self._get_response_for_code(error(code), str(code), direction=direction))
        return responses

    def error_codes(self):
        codes = []
        if self._reads_input():
            codes.append(400)
        if self._reads_body():
            codes.append(415)
        permissions = self.view.get_permissions()
        if permissions and not all(isinstance(permission, AllowAny) for permission in permissions):
            authenticators = self.view.get_authenticators()
            if authenticators and authenticators[0].authenticate_header(None):
                codes.append(401)
            codes.append(403)
        if self._names_an_object() or self._is_paginated_list():
            codes.append(404)
        if self.view.get_throttles():
            codes.append(429)
        return codes

    def _reads_body(self):
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _reads_input(self):
        return self._reads_body() or any(parameter["in"] == "query" for parameter in self._get_parameters())

    def _names_an_object(self):
        return "{" in self.path

    def _is_paginated_list(self):
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
