"""The app's URLs plus /bench/bare: a bare Django JSON view (no DRF, no auth, no Redis)."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def bare(request):
    return JsonResponse({"status": "ok"})


# Last, so that resolving its URL costs what resolving an app URL costs.
urlpatterns = app_urlpatterns + [path("bench/bare", bare)]
