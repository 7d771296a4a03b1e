"""Authentication of the export endpoints: a briefly cached token lookup, sessions only with a cookie.

Status polling is the hot path of the export API (clients poll every 2-3 s). DRF's
TokenAuthentication reads the token and its user from the database on every request; this
subclass remembers a verified (token -> user) pair for EXPORT_AUTH_CACHE_SECONDS (default 10 s)
in the process, so a poll costs one Redis round trip and no database query. A deleted token or a
deactivated user is therefore refused by these endpoints at most that many seconds later.

SessionCookieAuthentication is DRF's session authentication, answering "not me" at once when the
request carries no session cookie (then there is no session and the user is anonymous anyway): a
token client's poll never loads an empty session and an anonymous user.
"""

import time

from django.conf import settings
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

_MAX_ENTRIES = 2048


class CachedTokenAuthentication(TokenAuthentication):
    _cache = {}

    def authenticate(self, request):
        """DRF's checks, reading the one Authorization header (DRF builds request.headers, every header)."""
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
    """OpenAPI: the same session cookie as cookieAuth."""

    target_class = SessionCookieAuthentication
