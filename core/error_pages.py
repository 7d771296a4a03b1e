"""Django's error views, with the API's JSON error shape for URLs under /api/.

A path under /api/ that names no endpoint (``/api/deer/a.b/``: the router's id allows no dot) is
answered by Django, not DRF; without this it would be an HTML page to a JSON client.
"""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(exception) or "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
