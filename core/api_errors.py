"""One error shape for the whole API.

Validation errors answer 400 ``{"detail": "<first message>", "errors": {field: [messages]}}``, DRF's
and Django's alike (a model's clean() or a service raising django.core.exceptions.ValidationError is a
400, not a 500); other API errors keep DRF's ``{"detail": ...}``; Redis being unreachable is a 503;
a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 and too many form fields or files a 400, in the same
shape (Django would answer them with its HTML error page).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

QUEUE_UNAVAILABLE = "Job queue unavailable, try again later"


def first_message(errors):
    """The first message found in a DRF error structure (dict / list / str), depth first."""
    if isinstance(errors, dict):
        for value in errors.values():
            message = first_message(value)
            if message:
                return message
        return None
    if isinstance(errors, (list, tuple)):
        for value in errors:
            message = first_message(value)
            if message:
                return message
        return None
    return str(errors) if errors is not None else None


def flatten_errors(errors, prefix=""):
    """{"a": {"b": ["x"]}, "c": ["y"]} -> {"a.b": ["x"], "c": ["y"]}; list positions become indexes."""
    flat = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(errors, (list, tuple)) and any(isinstance(v, (dict, list)) for v in errors):
        for index, value in enumerate(errors):
            if value:
                flat.update(flatten_errors(value, f"{prefix}[{index}]" if prefix else str(index)))
    else:
        messages = [str(v) for v in errors] if isinstance(errors, (list, tuple)) else [str(errors)]
        flat.setdefault(prefix or "non_field_errors", []).extend(messages)
    return flat


def body_too_large():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return f"The request body is larger than the limit of {size}."


def exception_handler(exc, context):
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        return Response({"detail": QUEUE_UNAVAILABLE}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": body_too_large()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {"non_field_errors": detail}
        response.data = {"detail": first_message(detail) or "Invalid request", "errors": flatten_errors(detail)}
    return response
