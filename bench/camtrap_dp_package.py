"""Benchmark: a Camtrap DP package of a year of 1,000,000 detections, time and peak memory.

    .venv/bin/python bench/camtrap_dp_package.py [--detections 1000000] [--keep]

Seeds demo.bulk data in its own PostgreSQL database (herdbook_bench_camtrap_dp), then runs
`manage.py export_camtrap_dp` as a child process, its peak RSS sampled every 50 ms:
  * the whole year, unfiltered (target: no cap, memory bounded);
  * the same year filtered to two classes (doe, buck): the time as a ratio to the unfiltered run
    (target: as fast, i.e. ratio <= 1 per exported detection);
  * two days (a few thousand detections) as the baseline of the memory figure (the fixed cost of the
    process), so that "bounded" reads as the year's peak next to a day's.
It also times, in this process, the media selection of the filtered package in the old shape (a
correlated EXISTS per image) against the new one (image id IN the selected detections).
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exports_common  # noqa: E402

exports_common.DB_NAME = "herdbook_bench_camtrap_dp"
from exports_common import ROOT, Environment, run_sampled, seed  # noqa: E402


def run_command(args):
    """(seconds, peak MB, last stdout line) of one `manage.py export_camtrap_dp` run."""
    seconds, peak, out = run_sampled([sys.executable, str(ROOT / "manage.py"), "export_camtrap_dp", *args])
    return seconds, peak, out.strip().splitlines()[-1]


def selection_shapes(start, end):
    """Seconds to count the filtered package's media with the old and the new query shape."""
    from django.db.models import Exists, OuterRef

    from exports.camtrap_dp import _images_in_range, selected_detections, selected_images

    params = {"start_date": start, "end_date": end, "classifications": ["doe", "buck"]}
    timings = {}
    for name, query in (
        (
            "correlated EXISTS (before)",
            lambda: _images_in_range(params).filter(
                Exists(selected_detections(params).filter(image_id=OuterRef("pk")))
            ),
        ),
        ("IN (selected image ids) (now)", lambda: selected_images(params)),
    ):
        started = time.perf_counter()
        count = query().count()
        timings[name] = (time.perf_counter() - started, count)
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (re-runs skip seeding)")
    args = parser.parse_args()
    with Environment(keep=args.keep) as env:
        from core.timeutil import as_local_date
        from detections.models import Detection

        total = seed(args.detections)
        last = as_local_date(Detection.objects.order_by("-taken_at").first().taken_at)
        start, end = (last - timedelta(days=364)).isoformat(), last.isoformat()  # the longest period §5 allows
        middle = Detection.objects.order_by("taken_at")[total // 2].taken_at
        day, next_day = as_local_date(middle).isoformat(), (as_local_date(middle) + timedelta(days=1)).isoformat()
        out = env.tmp / "exports"
        common = ["--base-url", "https://ranch.example.org/", "--output"]
        print(f"{total:,} detections, {start} .. {end}", flush=True)
        runs = {
            "two days (baseline)": ["--start", day, "--end", next_day, *common, str(out / "day.zip")],
            "the year, unfiltered": ["--start", start, "--end", end, *common, str(out / "year.zip")],
            "the year, doe + buck": ["--start", start, "--end", end, "--classification", "doe"]
            + ["--classification", "buck", *common, str(out / "filtered.zip")],
        }
        results = {}
        for name, arguments in runs.items():
            seconds, peak, line = run_command(arguments)
            results[name] = (seconds, peak)
            print(f"{name:24s} {seconds:7.1f} s  peak {peak:6.0f} MB  {line.split('(', 1)[1]}", flush=True)
        year, filtered = results["the year, unfiltered"], results["the year, doe + buck"]
        print(f"filtered / unfiltered time: {filtered[0] / year[0]:.2f}")
        print(f"peak memory, year / day: {year[1] / results['two days (baseline)'][1]:.2f}")
        for name, (seconds, count) in selection_shapes(start, end).items():
            print(f"media of the filtered package, {name}: {seconds:.2f} s ({count:,} images)")


if __name__ == "__main__":
    main()
