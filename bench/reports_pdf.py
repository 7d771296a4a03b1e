"""Benchmark: a one-year activity report grouped by week over 1,000,000 detections on PostgreSQL.

    .venv/bin/python bench/reports_pdf.py [--detections 1000000] [--keep]

Uses its own database (herdbook_bench_reports, or the name in BENCH_DB; dropped and re-created
unless --keep finds it already seeded with that many detections) and its own temporary file roots, so it never touches the dev database.
Measures, in the same run:
  * the per-week aggregation through the ORM selector vs the same GROUP BY as raw SQL
    (target: ORM within 1.5x of raw SQL);
  * the independent-events query (window function) and the whole report document;
  * the activity figures of the PDF in one statement (event_selectors.activity_one_pass, run in two
    halves of the locations at once by activity_aggregates) against the three queries before it
    (activity_aggregates_separately), interleaved;
  * the finished PDF with every chapter, cold (report cache emptied before each run; target: under
    5 s and under 2 MB), best and median of 3, interleaved with the same PDF made the way before
    (three queries for the activity figures, the data-status query after the report's; baseline);
    then warm (report data from the cache).
The report cache lives in a private redis-server on a free port (stopped at the end).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DB_NAME = os.environ.get("BENCH_DB", "herdbook_bench_reports")
SERVER = os.environ.get("BENCH_PG", "postgres://herdbook:herdbook@127.0.0.1:5432")
TARGET_RATIO, TARGET_PDF_SECONDS, TARGET_PDF_BYTES = 1.5, 5.0, 2 * 1024 * 1024
BUDGET_SECONDS = 900  # the whole run, seeding included, stops early past this


def prepare_environment(tmp):
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["MEDIA_ROOT"] = str(tmp)
    os.environ["IMAGE_ROOT"] = str(tmp / "images")
    os.environ["EXPORT_ROOT"] = str(tmp / "exports")
    os.environ["LOG_LEVEL"] = "WARNING"


def seeded_count():
    """Detections in an existing benchmark database, or None."""
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/{DB_NAME}") as conn:
            return conn.execute("SELECT COUNT(*) FROM detections_detection").fetchone()[0]
    except psycopg.Error:
        return None


def ensure_database(keep, detections):
    """True when a fresh, empty database was created; False when --keep reuses a seeded one."""
    import psycopg

    if keep and seeded_count() == detections:
        return False
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return True


def drop_database():
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


def timed(fn, repeat):
    """Median wall time of `repeat` runs (after one warm-up) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


# The same GROUP BY as selectors.detection_counts(qs, "week"), written by hand.
RAW_WEEKLY = """
SELECT date_trunc('week', taken_at AT TIME ZONE %s) AS period, effective_classification, location_id, COUNT(id)
FROM detections_detection
WHERE is_valid AND NOT is_duplicate AND taken_at >= %s AND taken_at < %s
GROUP BY 1, 2, 3
"""


def main(tmp):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database for the next run")
    args = parser.parse_args()
    started = time.perf_counter()

    prepare_environment(tmp)
    fresh = ensure_database(args.keep, args.detections)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from core.timeutil import day_bounds
    from demo.bulk import seed_bulk
    from detections.models import Detection
    from reports import activity as activity_module
    from reports import documents, event_selectors, selectors
    from reports.activity import build_activity_report
    from reports.pdf import render_report_pdf

    call_command("migrate", verbosity=0)
    end = timezone.localdate() - timedelta(days=1)
    start = end - timedelta(days=364)
    if fresh:
        print(f"seeding {args.detections:,} detections over {start} .. {end} (PostgreSQL {DB_NAME}) ...", flush=True)
        began = time.perf_counter()
        seed_bulk(args.detections, seed=1, end=end, days=365)
        print(f"  seeded in {time.perf_counter() - began:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE detections_detection")
        cursor.execute("VACUUM ANALYZE detections_image")
    if time.perf_counter() - started > BUDGET_SECONDS:
        print("time budget spent while seeding; stopping")
        return 2

    qs = selectors.counted_detections(start, end)
    low, high = day_bounds(start, end)

    def orm_weekly():
        return selectors.detection_counts(qs, "week")

    def raw_weekly():
        with connection.cursor() as cursor:
            cursor.execute(RAW_WEEKLY, [settings.TIME_ZONE, low, high])
            return cursor.fetchall()

    # Interleave the two so that cache state and machine load affect both alike.
    orm_times, raw_times = [], []
    orm_result = raw_result = None
    orm_weekly(), raw_weekly()
    for _ in range(args.repeat):
        began = time.perf_counter()
        orm_result = orm_weekly()
        orm_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        raw_result = raw_weekly()
        raw_times.append(time.perf_counter() - began)
    orm_s, raw_s = statistics.median(orm_times), statistics.median(raw_times)
    assert sum(orm_result.values()) == sum(row[3] for row in raw_result), "ORM and raw SQL disagree"
    events_s, events = timed(lambda: selectors.event_counts(qs, "week"), max(1, args.repeat // 2))
    report_s, report = timed(lambda: build_activity_report(start, end, "week"), 1)
    figure_times = {
        "counts": timed(lambda: selectors.detection_counts(qs, "week"), 1)[0],
        "events": events_s,
        "hours": timed(lambda: selectors.detections_by_hour(qs), 1)[0],
        "camera-days": timed(lambda: selectors.camera_days_by_location(start, end), 1)[0],
        "individuals": timed(lambda: selectors.individuals_seen(qs), 1)[0],
        "previous": timed(
            lambda: selectors.totals_by_class(
                selectors.counted_detections(start - timedelta(days=365), start - timedelta(days=1))
            ),
            1,
        )[0],
    }

    # The activity figures of the PDF (with the overlap's buck and doe minutes): the one statement (run in two
    # halves of the locations at once, as in the PDF) vs three queries.
    one_times, three_times = [], []
    for _ in range(args.repeat):
        began = time.perf_counter()
        one = event_selectors.activity_aggregates(qs, "week", ["buck", "doe"])  # as the PDF: two halves at once
        one_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        three = event_selectors.activity_aggregates_separately(qs, "week", ["buck", "doe"])
        three_times.append(time.perf_counter() - began)
    assert (one.detections, one.events, one.hours) == (three.detections, three.events, three.hours)
    assert sorted(one.minute_rows) == sorted(three.minute_rows), "one pass and three queries disagree"
    one_s, three_s = statistics.median(one_times), statistics.median(three_times)

    pdf_path = tmp / "exports" / "bench-report.pdf"
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    params = {
        "report_type": "seasonal_activity",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "group_by": "week",
        "location_ids": [],
        "classifications": [],
        "title": "Benchmark: one year by week",
        "comparison_periods": [],
        "include_charts": True,
        "include_tables": True,
        "include_insights": True,
    }
    from core import data_version

    cache = data_version.connection()
    assert data_version.current() is not None, "the report cache needs the bench's redis-server"

    def before(qs, group_by, minute_classes=(), minutes=None):
        return event_selectors.activity_aggregates_separately(qs, group_by, minute_classes, minutes)

    def made_before(fn):
        """fn() as before (the baseline): the activity figures from three queries, the data-status
        chapter's query after the report's instead of alongside it."""
        patched = (documents, activity_module)
        saved = [module.activity_aggregates for module in patched], documents._status_alongside
        for module in patched:
            module.activity_aggregates = before
        documents._status_alongside = lambda params: None
        try:
            return fn()
        finally:
            for module, original in zip(patched, saved[0], strict=True):
                module.activity_aggregates = original
            documents._status_alongside = saved[1]

    def pdf_run(cold=True):
        if cold:
            cache.flushdb()  # the report cache empty: every figure from the database
        marks = []
        began = time.perf_counter()
        render_report_pdf(params, pdf_path, progress=lambda stage, pct, marks=marks: marks.append(time.perf_counter()))
        # collecting -> rendering: database; rendering -> writing: charts + layout; then PDF writing.
        return time.perf_counter() - began, (marks[1] - marks[0], marks[2] - marks[1], marks[3] - marks[2])

    pdf_run()  # warm-up: fonts, matplotlib, templates
    cold_runs, before_runs = [], []
    for _ in range(3):  # interleaved, so that the machine's load falls on both alike
        cold_runs.append(pdf_run())
        before_runs.append(made_before(pdf_run))
    pdf_run(cold=True)  # fills the cache
    warm_runs = [pdf_run(cold=False) for _ in range(3)]
    pdf_times = [seconds for seconds, _ in cold_runs]
    pdf_s, pdf_best, pdf_bytes = statistics.median(pdf_times), min(pdf_times), pdf_path.stat().st_size
    before_s = statistics.median(seconds for seconds, _ in before_runs)
    warm_s = statistics.median(seconds for seconds, _ in warm_runs)
    data_s, layout_s, write_s = (statistics.median(run[1][i] for run in cold_runs) for i in range(3))
    before_data_s = statistics.median(run[1][0] for run in before_runs)
    warm_data_s = statistics.median(run[1][0] for run in warm_runs)

    from pypdf import PdfReader

    pages = len(PdfReader(pdf_path).pages)
    ratio = orm_s / raw_s
    counted = report["summary"]["total_detections"]
    print()
    print(
        f"reports_pdf benchmark  PostgreSQL, {Detection.objects.count():,} detections "
        f"({counted:,} valid, non-duplicate in {start}..{end}), group_by=week, {len(report['periods'])} weeks"
    )
    print(
        f"  weekly aggregation  ORM selector {orm_s * 1000:8.1f} ms   raw SQL {raw_s * 1000:8.1f} ms   "
        f"ratio {ratio:.2f}x  (target <= {TARGET_RATIO}x)  {'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    print(f"  independent events  {events_s * 1000:8.1f} ms ({sum(events.values()):,} events)")
    print(
        f"  whole report data   {report_s * 1000:8.1f} ms (all figure families: "
        + ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in figure_times.items())
        + " ms)"
    )
    print(
        f"  activity figures    one statement x 2 halves {one_s * 1000:7.1f} ms   three queries (before) {three_s * 1000:7.1f} ms"
        f"   ratio {one_s / three_s:.2f}x"
    )
    load = os.getloadavg()
    print(f"  machine             {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    print(
        f"  finished PDF, cold  {pdf_s:8.2f} s median, {pdf_best:.2f} s best of 3  (target < {TARGET_PDF_SECONDS} s)  "
        f"{'OK' if pdf_s < TARGET_PDF_SECONDS else 'MISSED'}"
    )
    print(f"    of which          data {data_s:.2f} s, charts + layout {layout_s:.2f} s, writing {write_s:.2f} s")
    print(
        f"    baseline          {before_s:8.2f} s median, the same PDF made as before (three queries, data status "
        f"after the report; data {before_data_s:.2f} s), interleaved; ratio {pdf_s / before_s:.2f}x"
    )
    print(f"  finished PDF, warm  {warm_s:8.2f} s median of 3 (report data from the cache: {warm_data_s:.2f} s)")
    print(
        f"  PDF size            {pdf_bytes / 1024:8.0f} KiB, {pages} pages  (target < 2 MiB)  "
        f"{'OK' if pdf_bytes < TARGET_PDF_BYTES else 'MISSED'}"
    )
    ok = ratio <= TARGET_RATIO and pdf_s < TARGET_PDF_SECONDS and pdf_bytes < TARGET_PDF_BYTES
    if not args.keep:
        drop_database()
    return 0 if ok else 1


def run():
    from exports_common import start_redis

    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    redis_server, os.environ["REDIS_URL"] = start_redis(tmp)
    try:
        return main(tmp)
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
