"""GET /healthz: database and Redis health, 200 when both are usable, 503 otherwise."""

import django_rq
from django.db import connection
from django.http import JsonResponse

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


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any driver error means "not usable"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_redis():
    try:
        conn = django_rq.get_connection("default")
        conn.ping()
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if policy in EVICTING_POLICIES:
        return {
            "ok": False,
            "maxmemory_policy": policy,
            "error": f"maxmemory-policy is '{policy}': Redis may evict queued jobs and job status keys; use 'noeviction'.",
        }
    return {"ok": True, "maxmemory_policy": policy}


def healthz(request):
    checks = {"database": check_database(), "redis": check_redis()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)
