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
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from exports_common import bench_user, get_ok, seed, signed_in_client, time_requests  # noqa: E402

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
    from django.core.management import call_command
    from django.db import connection

    from detections import selectors
    from detections.api.serializers import DetectionSerializer
    from detections.models import Detection, Location

    call_command("migrate", verbosity=0)
    total = seed(args.detections)
    client = signed_in_client(bench_user("bench-viewer"))
    location = Location.objects.order_by("name").first()

    def deep_position(queryset, ordering, fraction=0.9):
        count = queryset.count()
        row = queryset.order_by(*ordering).values_list(ordering[0].lstrip("-"), flat=True)[int(count * fraction)]
        return str(row), count

    def some_results(response):
        assert len(response.json()["results"]) > 0

    def get(url):
        return get_ok(client, url, check=some_results)

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
        ("review-stats (all rows)", get_ok(client, "/api/detections/review-stats"), None, None),
    ]

    for _name, call, *_ in scenarios:
        call()  # warm up every path before freezing the start-up objects
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    print(
        f"\nGET /api/detections on {total:,} detections ({connection.vendor}), page size 50, "
        f"{args.repeats} repeats, server time in ms, gc.freeze() {'on' if args.gc_freeze else 'off'}"
    )
    failures = time_requests(scenarios, args.repeats, args.baseline_repeats, TARGET_MS)
    print("\nbaseline = the same page with page-number pagination (COUNT(*) + OFFSET + the same serializer)")

    if not args.keep:
        drop_database(server)
    shutil.rmtree(os.environ["IMAGE_ROOT"], ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
