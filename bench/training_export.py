"""Benchmark: the YOLO training-data export (exports.training_data), peak memory at two sizes.

    .venv/bin/python bench/training_export.py [--detections 60000] [--keep]

Seeds demo.bulk data in its own PostgreSQL database (herdbook_bench_training), marks every
detection reviewed and groups each site's frames of one hour into a burst, then writes the dataset
for two periods, each in a child process whose peak RSS is sampled every 50 ms:
  * two weeks (a few thousand detections): the baseline, the fixed cost of the process;
  * the whole year: streamed, its peak should be the baseline's (ratio ~1), not grow with the year.
Two peaks: the process's RSS, and the Python heap (tracemalloc: what the export holds; RSS adds the
allocator's and libpq's buffers and zipfile's one ZipInfo per member, which do grow with the files).
Both runs split by time (whole bursts on one side of each cut).
"""

import argparse
import json
import os
import sys
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exports_common  # noqa: E402

exports_common.DB_NAME = "herdbook_bench_training"
from exports_common import Environment, run_sampled, seed  # noqa: E402


def child(start, end, output):
    """In the child process: write the dataset and print its counts and the Python heap's peak as JSON."""
    import django

    django.setup()
    from exports.training_data import write_training_data

    tracemalloc.start()
    counts = write_training_data({"start_date": start, "end_date": end, "split_by": "time"}, Path(output))
    print(json.dumps(counts | {"heap_mb": tracemalloc.get_traced_memory()[1] / 2**20}))


def prepare():
    """Every counted detection reviewed; a burst per site and hour (idempotent); the image files."""
    from django.db import connection

    from demo.bulk import seed_bulk

    seed_bulk(0)  # the pool of JPEGs the images point at (this run's IMAGE_ROOT is new)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detections_detection SET is_reviewed = true, "
            "burst = md5(location_id::text || date_trunc('hour', taken_at)::text)::uuid WHERE burst IS NULL"
        )
        cursor.execute("ANALYZE detections_detection")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=60_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (re-runs skip seeding)")
    parser.add_argument("--child", nargs=3, metavar=("START", "END", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    with Environment(keep=args.keep) as env:
        from core.timeutil import as_local_date
        from detections.models import Detection

        total = seed(args.detections)
        prepare()
        last = as_local_date(Detection.objects.order_by("-taken_at").first().taken_at)
        periods = {
            "two weeks (baseline)": (last - timedelta(days=13), last),
            "the year": (last - timedelta(days=364), last),
        }
        print(f"{total:,} detections; load average {os.getloadavg()[0]:.1f}", flush=True)
        peaks, heaps = {}, {}
        for name, (start, end) in periods.items():
            output = env.tmp / "exports" / f"{name.split()[1]}.zip"
            argv = [sys.executable, __file__, "--child", start.isoformat(), end.isoformat(), str(output)]
            seconds, peaks[name], out = run_sampled(argv)
            counts = json.loads(out.strip().splitlines()[-1])
            heaps[name] = counts["heap_mb"]
            print(
                f"{name:22s} {seconds:7.1f} s  peak RSS {peaks[name]:5.0f} MB, Python heap {heaps[name]:6.1f} MB  "
                f"{counts['processed']:,} boxes in "
                f"{counts['train'] + counts['val'] + counts['test']:,} images "
                f"(train {counts['train']:,}, val {counts['val']:,}, test {counts['test']:,}; {counts['missing']} missing)  "
                f"{output.stat().st_size / 2**20:,.0f} MB zip",
                flush=True,
            )
            output.unlink()
        base = "two weeks (baseline)"
        print(
            f"peak, year / two weeks: RSS {peaks['the year'] / peaks[base]:.2f}, Python heap "
            f"{heaps['the year'] / heaps[base]:.2f}; load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
