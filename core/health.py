"""GET /healthz: database and Redis health, 200 when both are usable, 503 otherwise.

A check that fails with an exception says so in general words ("error"); the exception's own text
(host names, ports, driver messages) is in "exception", shown to staff users only.
"""

import django_rq
from django.db import connection
from django.http import JsonResponse

from core.redaction import hide_paths

# Policies under which Redis may silently drop job keys and queued jobs when memory runs out.
EVICTING_POLICIES = {
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
}


def failed(error, exc):
    return {"ok": False, "error": error, "exception": hide_paths(f"{type(exc).__name__}: {exc}")}


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any driver error means "not usable"
        return failed("The database is unreachable.", exc)


def check_redis():
    try:
        conn = django_rq.get_connection("default")
        conn.ping()
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
    except Exception as exc:
        return failed("Redis is unreachable.", exc)
    if policy in EVICTING_POLICIES:
        return {
            "ok": False,
            "maxmemory_policy": policy,
            "error": f"maxmemory-policy is '{policy}': Redis may evict queued jobs and job status keys; use 'noeviction'.",
        }
    return {"ok": True, "maxmemory_policy": policy}


def healthz(request):
    checks = {"database": check_database(), "redis": check_redis()}
    if not request.user.is_staff:
        for check in checks.values():
            check.pop("exception", None)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)
