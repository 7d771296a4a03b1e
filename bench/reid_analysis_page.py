"""Benchmark: the re-ID analysis page and GET /api/reid/analysis on the demo, uncached vs cached.

A temporary SQLite database is seeded with the demo ranch (`seed_demo`, its matching pass) and a
backfill run (what the analysis reads); then, in this process through Django's test client, with
a signed-in user: each URL once with nothing stored (reid.analysis.analyse() runs: the old cost of
every request) and then 5 times with the stored snapshot (reid.analysis_cache), plus the data-version
check alone (the fixed cost every cached request pays: core.data_version's Redis counter and one
query on the runs). A private redis-server holds the counter; no worker runs. The ratio is printed;
target: cached <= 1 s.

    .venv/bin/python bench/reid_analysis_page.py
    .venv/bin/python bench/reid_analysis_page.py --images 1500   # quicker
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from exports_common import start_redis  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="reid-analysis-page-"))
REDIS, REDIS_URL = start_redis(WORK)  # the data version's counter (core.data_version); no worker runs
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SQLITE_PATH": str(WORK / "db.sqlite3"),
        "MEDIA_ROOT": str(WORK / "media"),
        "REDIS_URL": REDIS_URL,
        "IMAGE_ROOT": str(WORK / "images"),
        "LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "testserver",
        "DEBUG": "1",
    }
)
for name in ("DATABASE_URL", "GROUND_TRUTH_PATH", "REID_THRESHOLD", "REID_REVIEW_THRESHOLD"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from detections.models import Detection  # noqa: E402
from reid import analysis_cache  # noqa: E402
from reid.backfill import run_backfill  # noqa: E402
from reid.models import AnalysisSnapshot  # noqa: E402

TARGET_SECONDS = 1.0
URLS = ("/reid/analysis/", "/api/reid/analysis")


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=3000, help="seed_demo --images (default 3000, the demo)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"seeding the demo ranch ({args.images} images) and a backfill run ...", flush=True)
    call_command("seed_demo", images=args.images, verbosity=0)
    run_backfill()
    user = User.objects.create_user("bench-viewer", password="x")
    client = Client()
    client.force_login(user)
    print(f"demo: {Detection.objects.count():,} detections; load average {os.getloadavg()[0]:.1f}\n")

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    worst_cached = 0.0
    for url in URLS:
        AnalysisSnapshot.objects.all().delete()
        uncached = timed(lambda url=url: get(url))
        cached = [timed(lambda url=url: get(url)) for _ in range(5)]
        worst_cached = max(worst_cached, max(cached))
        print(
            f"{url:<22} uncached {uncached:7.2f} s   cached median {statistics.median(cached):6.3f} s "
            f"(max {max(cached):.3f})   {uncached / statistics.median(cached):6.0f}x faster"
        )
    version = [timed(analysis_cache.data_version) for _ in range(5)]
    print(
        f"{'data version check':<22} median {statistics.median(version) * 1000:.1f} ms (every cached request pays it)"
    )
    ok = worst_cached <= TARGET_SECONDS
    print(f"\ntarget: cached page and API <= {TARGET_SECONDS:.0f} s -> {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        REDIS.terminate()
        REDIS.wait(timeout=10)
    sys.exit(code)
