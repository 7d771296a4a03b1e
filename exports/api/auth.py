"""Token authentication for the export endpoints with a short per-process cache.

Status polling is the hot path of the export API (clients poll every 2-3 s). DRF's
TokenAuthentication reads the token and its user from the database on every request; this
subclass remembers a verified (token -> user) pair for EXPORT_AUTH_CACHE_SECONDS (default 10 s)
in the process, so a poll costs one Redis round trip and no database query. A deleted token or a
deactivated user is therefore refused by these endpoints at most that many seconds later.
"""

import time

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import TokenAuthentication

_MAX_ENTRIES = 2048


class CachedTokenAuthentication(TokenAuthentication):
    _cache = {}

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


class CachedTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the same `Authorization: Token <key>` header as tokenAuth."""

    target_class = CachedTokenAuthentication
    name = "exportsTokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)
