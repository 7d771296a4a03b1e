"""Benchmark: export jobs run by a real `manage.py rqworker exports` on the demo data.

    .venv/bin/python bench/exports_jobs.py [--small 1000] [--large 10000] [--keep]

Measures, in the same run, with the worker processes' peak RSS sampled every 50 ms:
  * ZIP of 1,000 crops end to end (target: under 10 s), next to the same archive written inline
    with the crops deflated (the origin's ZIP_DEFLATED) as baseline;
  * ZIP of 10,000 crops (target: peak worker memory under 300 MB), next to the peak of a worker
    running a 1-detection ZIP (the fixed cost of a worker) as baseline;
  * a one-page PDF job end to end, next to render_report_pdf called inline (no queue) as baseline.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exports_common import ROOT, Environment, bench_user, seed  # noqa: E402

TARGET_ZIP_SECONDS, TARGET_PEAK_MB = 10.0, 300.0


class Worker:
    """One long-running `manage.py rqworker exports` process, started before the jobs (warm),
    with its processes' peak RSS sampled every 50 ms (the largest process: the work-horse)."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "rqworker", "exports", "-v", "0"],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        time.sleep(8)  # let it import Django and register before the clock starts

    def _sample(self):
        parent = psutil.Process(self.process.pid)
        while self.running and self.process.poll() is None:
            for proc in [parent] + parent.children(recursive=True):
                try:
                    self.peak = max(self.peak, proc.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.05)

    def run(self, enqueue):
        """Enqueue (a callable returning the job id), wait for the outcome: (seconds, peak MB, doc)."""
        from django.db import connections

        from exports import status

        self.peak = 0
        started = time.perf_counter()
        job_id = enqueue()
        connections.close_all()
        while True:
            doc, _ = status.read(job_id)
            if doc["status"] != "processing":
                return time.perf_counter() - started, self.peak / 1024 / 1024, doc
            if time.perf_counter() - started > 900:
                raise RuntimeError("job did not finish in 900 s")
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.process.terminate()
        self.process.wait(timeout=30)


def zip_job(user, ids, crop_size=300):
    from exports import services
    from exports.api.serializers import ZipExportRequestSerializer
    from exports.models import ExportJob

    serializer = ZipExportRequestSerializer(data={"detection_ids": ids, "crop_size": crop_size})
    serializer.is_valid(raise_exception=True)
    return services.create_export(user, ExportJob.Kind.ZIP, serializer.to_params(), total_count=len(ids)).id


def inline_deflated(ids, path):
    """Baseline: the same archive written in this process with the crops deflated."""
    from exports import zip_archive

    original = zip_archive._stored

    def deflated(name):
        info = original(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    zip_archive._stored = deflated
    try:
        started = time.perf_counter()
        zip_archive.write_zip(
            {"detection_ids": ids, "crop_size": 300, "include_crops": True, "include_metadata_csv": True},
            path,
            total=len(ids),
        )
        return time.perf_counter() - started
    finally:
        zip_archive._stored = original


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with Environment(keep=args.keep) as env:
        total = seed(int(args.large * 1.2))
        from detections.models import Detection
        from reports.pdf import render_report_pdf

        user = bench_user()
        ids = [str(value) for value in Detection.objects.order_by("id").values_list("id", flat=True)[: args.large]]
        rows = []

        worker = Worker()
        _, base_peak, _ = worker.run(lambda: zip_job(user, ids[:1]))

        wall, peak, doc = worker.run(lambda: zip_job(user, ids[: args.small]))
        assert doc["status"] == "completed", doc
        baseline = inline_deflated(ids[: args.small], env.tmp / "baseline.zip")
        rows.append(
            (
                f"ZIP {args.small:,} crops, end to end",
                f"{wall:.1f} s",
                f"{baseline:.1f} s inline, crops deflated",
                f"< {TARGET_ZIP_SECONDS:.0f} s",
                wall < TARGET_ZIP_SECONDS,
            )
        )
        size_small = doc["file_size_bytes"]

        wall, peak, doc = worker.run(lambda: zip_job(user, ids[: args.large]))
        assert doc["status"] == "completed", doc
        rows.append(
            (
                f"ZIP {args.large:,} crops, peak worker memory",
                f"{peak:.0f} MB ({wall:.1f} s, {doc['file_size_bytes'] / 1e6:.0f} MB file)",
                f"{base_peak:.0f} MB for 1 crop",
                f"< {TARGET_PEAK_MB:.0f} MB",
                peak < TARGET_PEAK_MB,
            )
        )

        from exports import services
        from exports.api.serializers import PdfExportRequestSerializer
        from exports.models import ExportJob

        end = date.today() - timedelta(days=2)
        request = {
            "report_type": "seasonal_activity",
            "start_date": str(end - timedelta(days=30)),
            "end_date": str(end),
            "group_by": "week",
            "include_charts": True,
        }
        serializer = PdfExportRequestSerializer(data=request)
        serializer.is_valid(raise_exception=True)
        params = serializer.to_params()
        started = time.perf_counter()
        render_report_pdf(params, env.tmp / "baseline.pdf")
        baseline = time.perf_counter() - started
        wall, peak, doc = worker.run(lambda: services.create_export(user, ExportJob.Kind.PDF, params).id)
        worker.stop()
        assert doc["status"] == "completed", doc
        rows.append(
            (
                "PDF one month, end to end",
                f"{wall:.1f} s ({doc['file_size_bytes'] / 1e3:.0f} kB)",
                f"{baseline:.1f} s inline render",
                "(none)",
                True,
            )
        )

    print(
        f"\nExport jobs on {total:,} demo detections (PostgreSQL, real redis-server, warm rqworker; "
        f"end to end = enqueue to completed status), {os.cpu_count()} CPUs"
    )
    print(f"{'scenario':<36} {'measured':<34} {'baseline (same run)':<32} target")
    failures = 0
    for name, measured, baseline, target, ok in rows:
        failures += 0 if ok else 1
        print(f"{name:<36} {measured:<34} {baseline:<32} {target} {'ok' if ok else 'MISSED'}")
    print(f"(ZIP of {args.small:,} crops: {size_small / 1e6:.1f} MB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
