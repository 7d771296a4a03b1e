"""Benchmark: GET /api/reports/activity for three months under gunicorn, without and with the
report cache (reports.cache), 16 keep-alive connections (wrk), in the same run.

    .venv/bin/python bench/reports_cache_api.py [--detections 20000] [--seconds 5] [--keep]

Own redis-server and files (bench/exports_common.Environment), own database
(herdbook_bench_reports_cache: demo.bulk over the last 365 days; dropped at the end unless --keep).
Scenarios, one gunicorn each (2 gthread workers x 8 threads), the uncached one last (a stopped
gunicorn's unfinished report queries go on in PostgreSQL for a while):
  * bare Django JSON view (baseline of the server itself);
  * the activity report with REPORT_CACHE_SECONDS=0 (computed for every request: before the cache);
  * the same request with the cache on (the first request computes it, every later one reads it).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exports_common  # noqa: E402
from exports_api import wrk_script  # noqa: E402

exports_common.DB_NAME = os.environ.get("BENCH_DB", "herdbook_bench_reports_cache")
CONNECTIONS = 16


def load(port, path, token, seconds, script_path):
    script_path.write_text(wrk_script("GET", {"Authorization": f"Token {token}"}, None))
    output = subprocess.run(
        [shutil.which("wrk"), "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "60s", "-s", str(script_path)]
        + [f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "bad": figures["non_2xx_3xx"] + figures["socket_errors"],
        "requests": figures["requests"],
    }


def serve_and_load(env, path, token, seconds, cache_seconds):
    os.environ["REPORT_CACHE_SECONDS"] = str(cache_seconds)
    gunicorn, port, log = exports_common.start_gunicorn(env, 2, 8)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {token}"})
        with urllib.request.urlopen(request, timeout=120) as response:  # warm-up (and the cache's first fill)
            assert response.status == 200
        return load(port, path, token, seconds, env.tmp / "wrk.lua")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/system-packages.sh test (or apt-get install wrk)")
    with exports_common.Environment(keep=True, settings_module="exports_bench_settings") as env:
        env.keep = args.keep
        total = exports_common.seed(args.detections)
        from django.utils import timezone
        from rest_framework.authtoken.models import Token

        token = Token.objects.get_or_create(user=exports_common.bench_user())[0].key
        end = timezone.localdate() - timedelta(days=1)
        start = end - timedelta(days=91)
        path = f"/api/reports/activity?start_date={start}&end_date={end}"
        results = [
            ("bare Django JSON view (baseline)", serve_and_load(env, "/bench/bare", token, args.seconds, 0)),
            ("activity, 3 months, cache on (after)", serve_and_load(env, path, token, args.seconds, 3600)),
            ("activity, 3 months, cache off (before)", serve_and_load(env, path, token, args.seconds, 0)),
        ]
    print(
        f"\nGET /api/reports/activity ({start}..{end}) under gunicorn (2 gthread workers x 8 threads), "
        f"{CONNECTIONS} connections (wrk), {args.seconds} s each, {total:,} detections, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'scenario':<42} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} {'errors':>7}")
    for name, r in results:
        print(f"{name:<42} {r['rps']:>9.1f} {r['p50']:>9.1f} {r['p99']:>9.1f} {r['requests']:>9} {r['bad']:>7}")
    after, before = results[1][1], results[2][1]
    if before["rps"]:
        ratio = after["rps"] / before["rps"]
        print(f"cache on / off: {ratio:.1f}x the throughput, p99 {after['p99']:.1f} vs {before['p99']:.1f} ms")
    return 0 if not any(r["bad"] for _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
