"""Benchmark: a realistic mix of requests against gunicorn with demo data, bounded in time.

    .venv/bin/python bench/load_mix.py [--detections 20000] [--seconds 10] [--connections 16] [--keep]

Same run, same gunicorn (gthread, keep-alive), same load generator (wrk on 127.0.0.1, a second
process; `scripts/system-packages.sh test` installs it):
  * baseline: a bare Django JSON view (no DRF, no auth, no database, no Redis);
  * the mix, request by request in this proportion: 4 export status polls (token), 2 three-month
    activity reports (API, token), 2 detections pages (staff UI, session cookie), 2 thumbnails of
    different images (token).
Prints throughput, p50 and p99 of each and the number of errors (any status >= 400 or socket
error); the mix must have none. Uses its own PostgreSQL database and redis-server (bench/exports_common.py).
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
from exports_api import WRK_REPORT, cpu_seconds, lua_string, server_pids  # noqa: E402
from exports_common import Environment, bench_user, seed, start_gunicorn  # noqa: E402


def mix_script(requests):
    """A wrk script that sends `requests` (method, path, headers) round-robin on every connection."""
    entries = ",\n".join(
        "{"
        + f"method = {lua_string(method)}, path = {lua_string(path)}, headers = {{"
        + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        + "}}"
        for method, path, headers in requests
    )
    return (
        f"local mix = {{\n{entries}\n}}\n"
        "local index = 0\n"
        "request = function()\n"
        "  index = index % #mix + 1\n"
        "  local r = mix[index]\n"
        "  return wrk.format(r.method, r.path, r.headers)\n"
        "end\n" + WRK_REPORT
    )


def run_wrk(port, requests, seconds, connections, script_path):
    script_path.write_text(mix_script(requests))
    output = subprocess.run(
        [shutil.which("wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script_path)]
        + [f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "errors": figures["non_2xx_3xx"] + figures["socket_errors"],
    }


def the_mix(user, token):
    """The requests of the mix, on real rows of the seeded database."""
    from django.db.models import Max
    from django.test import Client

    from detections.models import Detection, Image
    from exports import status
    from exports.models import ExportJob

    job = ExportJob.objects.create(kind="pdf", requested_by=user, params={})
    status.publish(job, create=True)
    job.mark_running()
    job.mark_completed(filename=f"report_{job.id}_20240101_000000.pdf", file_size_bytes=123456)
    last = Detection.objects.aggregate(last=Max("taken_at"))["last"].date()
    first = last - timedelta(days=91)
    browser = Client()
    browser.force_login(user)
    session = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    api = {"Authorization": f"Token {token}"}
    images = list(Image.objects.order_by("id").values_list("id", flat=True)[:2])
    return [
        ("GET", f"/api/exports/pdf/{job.id}", api),
        ("GET", f"/api/reports/activity?start_date={first}&end_date={last}&group_by=week", api),
        ("GET", f"/api/exports/pdf/{job.id}", api),
        ("GET", "/detections/", session),
        ("GET", f"/api/images/{images[0]}/thumbnail?size=256", api),
        ("GET", f"/api/exports/pdf/{job.id}", api),
        ("GET", f"/api/reports/activity?start_date={first - timedelta(days=91)}&end_date={first}", api),
        ("GET", f"/api/exports/pdf/{job.id}", api),
        ("GET", "/detections/?classification=doe", session),
        ("GET", f"/api/images/{images[1]}/thumbnail?size=256", api),
    ]


def check(port, requests):
    for method, path, headers in requests:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, (path, response.status)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/system-packages.sh test (or apt-get install wrk)")

    with Environment(keep=args.keep, settings_module="exports_bench_settings") as env:
        total = seed(args.detections)
        from rest_framework.authtoken.models import Token

        user = bench_user()
        token = Token.objects.get_or_create(user=user)[0].key
        requests = the_mix(user, token)
        bare = [("GET", "/bench/bare", {})]
        gunicorn, port, log = start_gunicorn(env, args.workers, args.threads)
        try:
            check(port, requests)
            run_wrk(port, requests, 2, args.connections, env.tmp / "wrk.lua")  # warm-up
            pids = server_pids(gunicorn, env.redis)
            results = {}
            for name, case in (("bare Django JSON view (baseline)", bare), ("the mix", requests)):
                used = cpu_seconds(pids)
                results[name] = run_wrk(port, case, args.seconds, args.connections, env.tmp / "wrk.lua")
                results[name]["cpu_ms"] = 1000 * (cpu_seconds(pids) - used) / results[name]["requests"]
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
            log.close()

    print(
        f"\nLoad mix under gunicorn ({args.workers} gthread workers x {args.threads} threads), {args.connections} "
        f"keep-alive connections (wrk), {args.seconds} s each, {total:,} demo detections, PostgreSQL"
    )
    print(f"{'scenario':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'errors':>7}")
    for name, result in results.items():
        print(
            f"{name:<36} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p99']:>8.1f} "
            f"{result['cpu_ms']:>7.2f} {result['errors']:>7}"
        )
    print(
        "mix: 4 status polls, 2 activity reports (3 months), 2 detections pages, 2 thumbnails per 10 requests. "
        "Load average now: " + ", ".join(f"{value:.1f}" for value in os.getloadavg())
    )
    return 1 if results["the mix"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
