"""Report results cached in Redis under their kind, parameters and the data version
(core.data_version), so a repeated report is read back in milliseconds and never stale: every
committed write to the data bumps the version, and entries of older versions are never read again
(they expire after settings.REPORT_CACHE_SECONDS; 0 turns the cache off).

Without Redis every report is computed afresh.
"""

import hashlib
import json
import logging

from django.conf import settings

from core import data_version

logger = logging.getLogger(__name__)

PREFIX = "herdbook:report"


def cache_key(kind, params, version):
    text = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(f"{kind}\n{text}\n{settings.TIME_ZONE}\n{settings.INDEPENDENCE_MINUTES}".encode())
    return f"{PREFIX}:{version}:{kind}:{digest.hexdigest()}"


def cached_report(kind, params, build):
    """build() once per (kind, params, data version); the JSON-ready result, from Redis when there.

    The version is read before the report is built, so a result built while a write commits is
    stored under the version that the write has already left behind.
    """
    if settings.REPORT_CACHE_SECONDS <= 0:
        return build()
    version = data_version.current()
    if version is None:
        return build()
    key = cache_key(kind, params, version)
    redis = data_version.connection()
    try:
        hit = redis.get(key)
    except Exception:  # noqa: BLE001 - Redis went away: compute
        return build()
    if hit is not None:
        return json.loads(hit)
    payload = json.dumps(build(), default=str)
    try:
        redis.set(key, payload, ex=settings.REPORT_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("could not store a report in the cache", exc_info=True)
    return json.loads(payload)  # the same form as a hit
