"""Login throttling (django-axes) for every way in: the login form, the admin login and API tokens.

The form and the admin log in through ``django.contrib.auth.authenticate``, which axes watches
(``AxesStandaloneBackend`` refuses a locked client, ``AxesMiddleware`` answers for it). DRF's token
lookup does not go through ``authenticate``; ``LockoutTokenAuthentication`` reports each failed lookup
to axes as a failed login of the pseudo user ``TOKEN_USERNAME`` and refuses a locked client before
looking its token up. Either way a locked client gets ``lockout_response``: 429, the lockout message
as ``{"detail": ...}`` under /api/ and as a page in the site layout elsewhere.

An administrator unlocks with ``manage.py axes_reset`` (everyone), ``axes_reset_username NAME`` or
``axes_reset_ip ADDRESS`` (README, "Login throttling").
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_message
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed

# Failed token lookups are counted under this name; Django usernames cannot contain spaces or brackets.
TOKEN_USERNAME = "(api token)"
API_PREFIX = "/api/"
LOCKOUT_TEMPLATE = "registration/locked_out.html"


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(str(get_lockout_message()))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with the lockout message, JSON for the API, a page for people."""
    message = str(get_lockout_message())
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    cool_off = get_cool_off(request)
    context = {
        "message": message,
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, LOCKOUT_TEMPLATE, context, status=status.HTTP_429_TOO_MANY_REQUESTS)


class LockoutTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with failed lookups counted (and locked out) by axes per client address.

    DRF makes one authenticator per request, so the request is kept on the instance.
    """

    credentials = {"username": TOKEN_USERNAME}

    def authenticate(self, request):
        self.http_request = request._request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        request = getattr(self, "http_request", None)
        if request is None:  # called without a request (not by DRF): nothing to count against
            return super().authenticate_credentials(key)
        if not AxesProxyHandler.is_allowed(request, self.credentials):
            raise LockedOut()
        try:
            return super().authenticate_credentials(key)
        except AuthenticationFailed:
            user_login_failed.send(sender=type(self), credentials=self.credentials, request=request)
            raise
