"""Benchmark: activity overlap (1,000 bootstrap resamples) and the Jacobson census on 1,000,000
detections on PostgreSQL, each against a baseline measured in the same run.

    .venv/bin/python bench/reports_analyses.py [--detections 1000000] [--resamples 1000] [--keep]

The database of bench/reports_pdf.py (herdbook_bench_reports: demo.bulk over the last 365 days,
seeded here unless --keep finds it seeded; dropped at the end unless --keep), own temporary files.
When it holds no deer profile yet, a share of the deer detections of the census window is linked
to 40 buck and 60 doe profiles, as re-identification would.

  * overlap, buck vs doe over three months and over the whole year: the full report (the event
    query by minute of day, densities, Dhat, 1,000 smoothed-bootstrap resamples) against the
    baseline of the independent-event query alone (selectors.event_counts on the same detections,
    which every event figure of the activity report already runs);
  * census, a 14-day window: the full report (photo counts, unique deer, events with their deer,
    1,000 bootstrap resamples) against the same baseline for the window's deer detections.
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

import reports_pdf  # noqa: E402


def timed(fn, repeat):
    result, times = None, []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def link_profiles(start, end):
    """40 buck and 60 doe profiles; about 60 % of the window's buck and 30 % of its doe detections linked."""
    from django.db import connection

    from core.timeutil import day_bounds
    from reid.models import Deer

    low, high = day_bounds(start, end)
    for sex, count, share in (("buck", 40, 0.6), ("doe", 60, 0.3)):
        ids = [str(Deer.objects.create(sex=sex, name=f"{sex} {i}").id) for i in range(count)]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE detections_detection SET deer_id = (%s::uuid[])[1 + floor(random() * %s)::int] "
                "WHERE effective_classification = %s AND taken_at >= %s AND taken_at < %s AND random() < %s",
                [ids, count, sex, low, high, share],
            )


def main(tmp):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    reports_pdf.prepare_environment(tmp)
    os.environ["REPORT_CACHE_SECONDS"] = "0"  # measure the computation, not the cache
    fresh = reports_pdf.ensure_database(args.keep, args.detections)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from demo.bulk import seed_bulk
    from detections.models import Detection
    from reports import selectors
    from reports.census import CENSUS_CLASSES, build_census_report
    from reports.overlap_report import build_overlap_report

    call_command("migrate", verbosity=0)
    end = timezone.localdate() - timedelta(days=1)
    year_start = end - timedelta(days=364)
    census_start, census_end = end - timedelta(days=60), end - timedelta(days=47)
    if fresh:
        print(f"seeding {args.detections:,} detections (PostgreSQL {reports_pdf.DB_NAME}) ...", flush=True)
        began = time.perf_counter()
        seed_bulk(args.detections, seed=1, end=end, days=365)
        print(f"  seeded in {time.perf_counter() - began:.1f} s", flush=True)
    from reid.models import Deer

    if not Deer.objects.exists():
        link_profiles(census_start, census_end)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE detections_detection")

    def group(name, start):
        return {"label": name, "classifications": [name], "start_date": start, "end_date": end}

    lines = []
    for label, start in (("3 months", end - timedelta(days=91)), ("1 year", year_start)):
        qs = selectors.counted_detections(start, end, None, ["buck", "doe"])
        base_s, events = timed(lambda qs=qs: selectors.event_counts(qs, "month"), args.repeat)
        full_s, report = timed(
            lambda start=start: build_overlap_report(
                group("buck", start), group("doe", start), "clock", args.resamples
            ),
            args.repeat,
        )
        sun_s, _ = timed(
            lambda start=start: build_overlap_report(group("buck", start), group("doe", start), "sun", args.resamples),
            1,
        )
        o = report["overlap"]
        lines.append(
            f"  overlap {label:<9} full report {full_s * 1000:8.0f} ms (sun time {sun_s * 1000:.0f} ms)  "
            f"baseline event query {base_s * 1000:8.0f} ms  ratio {full_s / base_s:5.2f}x   "
            f"{sum(events.values()):,} events; {o['estimator']} {o['delta']} [{o['ci_low']}, {o['ci_high']}], "
            f"{args.resamples} resamples"
        )
    qs = selectors.counted_detections(census_start, census_end, None, CENSUS_CLASSES)
    base_s, events = timed(lambda: selectors.event_counts(qs, "month"), args.repeat)
    full_s, census = timed(lambda: build_census_report(census_start, census_end, None, args.resamples), args.repeat)
    c = census["census"]
    lines.append(
        f"  census 14 days    full report {full_s * 1000:8.0f} ms  baseline event query {base_s * 1000:8.0f} ms  "
        f"ratio {full_s / base_s:5.2f}x   {qs.count():,} deer detections, {census['independent_events']:,} events; "
        f"B={c['unique_bucks']} b={c['buck_photos']} d={c['doe_photos']} f={c['fawn_photos']} -> "
        f"{c['population']} [{census['interval'] and census['interval']['low']}, "
        f"{census['interval'] and census['interval']['high']}]"
    )
    load = os.getloadavg()
    print(
        f"\nreports_analyses benchmark  PostgreSQL, {Detection.objects.count():,} detections, "
        f"{os.cpu_count()} CPUs, load {load[0]:.1f}"
    )
    print("\n".join(lines))
    if not args.keep:
        reports_pdf.drop_database()
    return 0


def run():
    tmp = Path(tempfile.mkdtemp(prefix="bench-analyses-"))
    try:
        return main(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
