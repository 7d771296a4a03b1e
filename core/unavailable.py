"""A backing service down is a 503 with a clear message, never a 500, on every page and endpoint.

The one guard for what the views do not handle themselves (the django-rq dashboard, a page reading
the database while it is unreachable, ...): Redis unreachable answers the job-queue message (SPEC §4's
"Job queue unavailable, try again later"), the database unreachable its own; API paths get the JSON
error shape, pages a small self-contained page (it reads neither the session nor the database).
"""

import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.api_errors import QUEUE_UNAVAILABLE

logger = logging.getLogger(__name__)
DATABASE_UNAVAILABLE = "Database unavailable, try again later"
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)


def unavailable_message(exc):
    """The message for an error that means a backing service is down, else None."""
    if isinstance(exc, REDIS_ERRORS):
        return QUEUE_UNAVAILABLE
    if isinstance(exc, OperationalError):
        return DATABASE_UNAVAILABLE
    return None


def service_unavailable(request, message):
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = "30"
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = unavailable_message(exception)
        if message is None:
            return None
        logger.warning("%s %s: 503 (%s: %s)", request.method, request.path, type(exception).__name__, exception)
        return service_unavailable(request, message)
