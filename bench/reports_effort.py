"""Benchmark: survey effort, occupancy histories and the data-status chapter over 1,000,000 detections
on PostgreSQL, each against a baseline measured in the same run, and the PDF with all chapters.

    .venv/bin/python bench/reports_effort.py [--detections 1000000] [--keep]

Uses its own database (herdbook_bench_effort; see bench/reports_pdf.py for the pattern). The bulk
ranch (demo.bulk) gets the demo deployments (quarterly swaps, a week's outage, one clock fix).
Baselines:
  * effort: the former figure, COUNT(DISTINCT local day) of images per location, one GROUP BY over
    every image of the year; camera_days_by_location now sums deployments and outages instead;
  * occupancy and data status: one COUNT over the year's counted detections (the cheapest query that
    reads every detection the figure depends on).
Prints each as milliseconds and as a ratio to its baseline; the PDF target stays < 5 s.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reports_pdf as base  # noqa: E402  (the database and timing helpers of the reports bench)

base.DB_NAME = os.environ.get("BENCH_DB", "herdbook_bench_effort")
TARGET_PDF_SECONDS = 5.0


def main(tmp):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database for the next run")
    args = parser.parse_args()

    base.prepare_environment(tmp)
    fresh = base.ensure_database(args.keep, args.detections)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from core.timeutil import day_bounds, local_zone
    from demo.bulk import seed_bulk
    from demo.deployments import create_deployments
    from detections.models import Deployment, Detection, Image, Location
    from reports import selectors
    from reports.data_status import data_status
    from reports.occupancy import detection_history
    from reports.pdf import render_report_pdf

    call_command("migrate", verbosity=0)
    end = timezone.localdate() - timedelta(days=1)
    start = end - timedelta(days=364)
    if fresh:
        print(
            f"seeding {args.detections:,} detections over {start} .. {end} (PostgreSQL {base.DB_NAME}) ...", flush=True
        )
        began = time.perf_counter()
        seed_bulk(args.detections, seed=1, end=end, days=365)
        create_deployments({loc.name: loc for loc in Location.objects.all()}, start, end, local_zone())
        print(f"  seeded in {time.perf_counter() - began:.1f} s", flush=True)
    with connection.cursor() as cursor:
        for table in ("detections_detection", "detections_image", "detections_deployment"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    low, high = day_bounds(start, end)

    def days_with_images():  # the former effort figure
        rows = (
            Image.objects.filter(taken_at__gte=low, taken_at__lt=high)
            .annotate(day=TruncDate("taken_at", tzinfo=local_zone()))
            .values("location_id")
            .annotate(days=Count("day", distinct=True))
            .order_by()
        )
        return {row["location_id"]: row["days"] for row in rows}

    def count_counted():
        return selectors.counted_detections(start, end).count()

    repeat = args.repeat
    old_s, old_days = base.timed(days_with_images, repeat)
    effort_s, effort = base.timed(lambda: selectors.camera_days_by_location(start, end), repeat)
    scan_s, counted = base.timed(count_counted, repeat)
    history_s, history = base.timed(lambda: detection_history(start, end, ["buck"], 7), repeat)
    status_s, status = base.timed(lambda: data_status(start, end), max(1, repeat // 2))
    params = {
        "report_type": "seasonal_activity",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "group_by": "week",
        "location_ids": [],
        "classifications": [],
        "title": "Benchmark: one year by week, all chapters",
        "comparison_periods": [],
        "include_charts": True,
        "include_tables": True,
        "include_insights": True,
    }
    pdf_path = tmp / "exports" / "bench-effort.pdf"
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_s, _ = base.timed(lambda: render_report_pdf(params, pdf_path), 3)

    print()
    print(
        f"reports_effort benchmark  PostgreSQL, {Detection.objects.count():,} detections ({counted:,} counted), "
        f"{Image.objects.count():,} images, {Deployment.objects.count()} deployments, {start}..{end}"
    )
    print(
        f"  effort (deployments - outages)  {effort_s * 1000:8.1f} ms   baseline days-with-images "
        f"{old_s * 1000:8.1f} ms   ratio {effort_s / old_s:.3f}x"
    )
    print(
        "  camera-days per site            "
        + ", ".join(f"{v:.1f} (was {old_days.get(k, 0)})" for k, v in sorted(effort.items(), key=str))
    )
    print(
        f"  detection history (buck, 7 d)   {history_s * 1000:8.1f} ms   baseline COUNT of counted "
        f"{scan_s * 1000:8.1f} ms   ratio {history_s / scan_s:.2f}x   naive occupancy {history['naive_occupancy']}"
    )
    print(
        f"  data status ({len(status['deployments'])} deployments)    {status_s * 1000:8.1f} ms   "
        f"ratio to the COUNT {status_s / scan_s:.2f}x"
    )
    load = os.getloadavg()
    print(f"  machine                         {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f}")
    print(
        f"  PDF with all chapters           {pdf_s:8.2f} s  (target < {TARGET_PDF_SECONDS} s)  "
        f"{'OK' if pdf_s < TARGET_PDF_SECONDS else 'MISSED'}"
    )
    if not args.keep:
        base.drop_database()
    return 0 if pdf_s < TARGET_PDF_SECONDS else 1


def run():
    tmp = Path(tempfile.mkdtemp(prefix="bench-effort-"))
    try:
        return main(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
