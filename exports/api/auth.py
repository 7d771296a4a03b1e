"""Authentication of the export endpoints: a briefly cached token lookup, sessions only with a cookie.

Status polling is the hot path of the export API (clients poll every 2-3 s). DRF's
TokenAuthentication reads the token and its user from the database on every request; this
subclass remembers a verified (token -> user) pair for EXPORT_AUTH_CACHE_SECONDS (default 10 s)
in the process, so a poll costs one Redis round trip and no database query. Deactivating a user or
deleting a token clears its entries at once in the process that did it (signals below); other
processes refuse it at most that many seconds later. Failed lookups are counted and locked out by
core.auth (django-axes); a cached, verified token is not a guess and is not checked against the lockout.

SessionCookieAuthentication is DRF's session authentication, answering "not me" at once when the
request carries no session cookie (then there is no session and the user is anonymous anyway): a
token client's poll never loads an empty session and an anonymous user.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token

from core.auth import LockoutTokenAuthentication

_MAX_ENTRIES = 2048


class CachedTokenAuthentication(LockoutTokenAuthentication):
    _cache = {}

    def authenticate(self, request):
        """DRF's checks, reading the one Authorization header (DRF builds request.headers, every header)."""
        self.http_request = request._request
        header = request._request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.encode(HTTP_HEADER_ENCODING).split() if header.isascii() else ()
        if len(parts) == 2 and parts[0].lower() == self.keyword.lower().encode():
            return self.authenticate_credentials(parts[1].decode())
        return super().authenticate(request)  # anything else: DRF's answer and messages

    def authenticate_credentials(self, key):
        ttl = getattr(settings, "EXPORT_AUTH_CACHE_SECONDS", 10)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        result = super().authenticate_credentials(key)  # raises AuthenticationFailed when invalid
        if ttl > 0:
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = (now + ttl, result)
        return result


@receiver(post_save, sender=get_user_model())
def forget_inactive_user(sender, instance, **kwargs):
    if not instance.is_active:
        forget(lambda user, token: user.pk == instance.pk)


@receiver(post_delete, sender=get_user_model())
def forget_deleted_user(sender, instance, **kwargs):
    forget(lambda user, token: user.pk == instance.pk)


@receiver(post_delete, sender=Token)
def forget_deleted_token(sender, instance, **kwargs):
    forget(lambda user, token: token.key == instance.key)


def forget(matches):
    """Drop this process's cached (user, token) pairs that match."""
    cache = CachedTokenAuthentication._cache
    for key, (_, (user, token)) in list(cache.items()):
        if matches(user, token):
            cache.pop(key, None)


class SessionCookieAuthentication(SessionAuthentication):
    def authenticate(self, request):
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None
        return super().authenticate(request)


class CachedTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the same `Authorization: Token <key>` header as tokenAuth."""

    target_class = CachedTokenAuthentication
    name = "exportsTokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)


class SessionCookieScheme(SessionScheme):
    """OpenAPI: the same session cookie as cookieAuth, under its own name (one name, one class)."""

    target_class = SessionCookieAuthentication
    name = "exportsCookieAuth"
