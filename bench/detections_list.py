"""Benchmark: GET /api/detections on 1,000,000 detections — first page and a deep page.

Server time is measured in-process (Django test client: URL routing, auth, filters, cursor
pagination, queries and JSON rendering; no network). Each scenario is repeated and its p50/p99
printed next to the baseline measured in the same run: the same page fetched with page-number
pagination (COUNT(*) + OFFSET), the usual default. Target: p99 under 100 ms for the first and a
deep page.

Uses its own PostgreSQL database (created and dropped here) and a temporary image root, never
the dev database:

    .venv/bin/python bench/detections_list.py                    # 1,000,000 detections
    .venv/bin/python bench/detections_list.py --detections 50000 --repeats 10   # quick check
    .venv/bin/python bench/detections_list.py --keep             # keep the database for a re-run
    .venv/bin/python bench/detections_list.py --no-gc-freeze     # without the start-up gc.freeze() of config/wsgi.py

"cpu" columns are this process's CPU time per request: unlike wall time they do not grow when
other programs share the CPU, and their p99 shows the garbage collector's pauses (--no-gc-freeze).

BENCH_PG (default postgres://herdbook:herdbook@127.0.0.1:5432) names the server.
"""

import argparse
import base64
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "herdbook_bench_detections"
TARGET_MS = 100.0


def prepare_environment():
    server = os.environ.get("BENCH_PG", "postgres://herdbook:herdbook@127.0.0.1:5432")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ["IMAGE_ROOT"] = tempfile.mkdtemp(prefix="bench-detections-images-")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return server


def ensure_database(server, drop_first):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and drop_first:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database(server):
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def cursor_at(position):
    """A DRF cursor token that starts the page just after `position` (first ordering field)."""
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


def timed(function, repeats):
    """(p50, p99, CPU p50, CPU p99) in ms of `repeats` calls after one warm-up call.

    p99 is the worst call when there are fewer than 100. CPU time is this process's (the Django
    side; the database works in its own process) and does not grow when other jobs share the CPU.
    """
    function()  # warm-up (plans, caches)
    samples, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    cpu.sort()
    at99 = int(0.99 * len(samples)) if len(samples) >= 100 else -1
    return statistics.median(samples), samples[at99], statistics.median(cpu), cpu[at99]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--baseline-repeats", type=int, default=3, help="OFFSET pages are slow: few repeats")
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip gc.freeze() after start-up (config/wsgi.py freezes it under gunicorn)",
    )
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the benchmark database")
    args = parser.parse_args()

    server = prepare_environment()
    ensure_database(server, drop_first=not args.keep)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from demo.bulk import seed_bulk
    from detections import selectors
    from detections.api.serializers import DetectionSerializer
    from detections.models import Detection, Location

    call_command("migrate", verbosity=0)
    have = Detection.objects.count()
    if have < args.detections:
        print(f"seeding {args.detections - have:,} detections (seed_bulk) ...", flush=True)
        started = time.perf_counter()
        seed_bulk(args.detections - have, seed=1 + have)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    total = Detection.objects.count()

    user, _ = User.objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    location = Location.objects.order_by("name").first()

    def deep_position(queryset, ordering, fraction=0.9):
        count = queryset.count()
        row = queryset.order_by(*ordering).values_list(ordering[0].lstrip("-"), flat=True)[int(count * fraction)]
        return str(row), count

    def get(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            assert len(response.json()["results"]) > 0

        return call

    def offset_page(queryset, offset):
        def call():
            page_count = queryset.count()
            rows = list(queryset.order_by("-taken_at", "-id")[offset : offset + 50])
            _ = DetectionSerializer(rows, many=True).data
            assert page_count and rows

        return call

    everything = selectors.detection_list()
    filtered_qs = everything.filter(
        location=location, effective_classification__in=["buck", "doe"], confidence__gte=0.7
    )
    filter_query = f"location={location.id}&classification=buck,doe&min_confidence=0.7"
    deep_all, n_all = deep_position(Detection.objects.all(), ["-taken_at", "-id"])
    deep_filtered, n_filtered = deep_position(
        Detection.objects.filter(location=location, effective_classification__in=["buck", "doe"], confidence__gte=0.7),
        ["-taken_at", "-id"],
    )
    deep_conf, _ = deep_position(Detection.objects.all(), ["-confidence", "-id"])

    scenarios = [
        ("all, first page", get("/api/detections"), offset_page(everything, 0)),
        (
            "all, deep page (90%)",
            get(f"/api/detections?cursor={cursor_at(deep_all)}"),
            offset_page(everything, int(n_all * 0.9)),
        ),
        (
            f"filtered ({n_filtered:,} rows), first page",
            get(f"/api/detections?{filter_query}"),
            offset_page(filtered_qs, 0),
        ),
        (
            "filtered, deep page (90%)",
            get(f"/api/detections?{filter_query}&cursor={cursor_at(deep_filtered)}"),
            offset_page(filtered_qs, int(n_filtered * 0.9)),
        ),
        (
            "ordering=-confidence, deep page",
            get(f"/api/detections?ordering=-confidence&cursor={cursor_at(deep_conf)}"),
            None,
        ),
        ("review-stats (all rows)", get_stats(client), None),
    ]

    for _name, call, _baseline in scenarios:
        call()  # warm up every path before freezing the start-up objects
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    print(
        f"\nGET /api/detections on {total:,} detections ({connection.vendor}), page size 50, "
        f"{args.repeats} repeats, server time in ms, gc.freeze() {'on' if args.gc_freeze else 'off'}"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'scenario':<40} {'p50':>7} {'p99':>7} {'cpu p50':>8} {'cpu p99':>8}   {'baseline p50':>12} {'baseline p99':>12}   target p99"
    )
    failures = 0
    for name, call, baseline in scenarios:
        p50, p99, cpu50, cpu99 = timed(call, args.repeats)
        if baseline is not None:
            b50, b99, _, _ = timed(baseline, args.baseline_repeats)
            base = f"{b50:>12.1f} {b99:>12.1f}"
        else:
            base = f"{'-':>12} {'-':>12}"
        target = f"< {TARGET_MS:.0f}" if "review-stats" not in name else "(none)"
        ok = "review-stats" in name or p99 < TARGET_MS
        failures += 0 if ok else 1
        print(
            f"{name:<40} {p50:>7.1f} {p99:>7.1f} {cpu50:>8.1f} {cpu99:>8.1f}   {base}   {target} {'ok' if ok else 'MISSED'}"
        )
    print("\nbaseline = the same page with page-number pagination (COUNT(*) + OFFSET + the same serializer)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")

    if not args.keep:
        drop_database(server)
    shutil.rmtree(os.environ["IMAGE_ROOT"], ignore_errors=True)
    return 1 if failures else 0


def get_stats(client):
    def call():
        response = client.get("/api/detections/review-stats")
        assert response.status_code == 200

    return call


if __name__ == "__main__":
    sys.exit(main())
