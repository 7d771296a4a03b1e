"""Benchmark: export status GET and validation rejection under gunicorn, 16 concurrent connections.

    .venv/bin/python bench/exports_api.py [--detections 20000] [--seconds 8] [--keep]

Same run, same gunicorn (gthread, keep-alive), same load generator (asyncio, 16 keep-alive
connections on 127.0.0.1):
  * baseline: a bare Django JSON view (no DRF, no auth, no Redis);
  * GET /api/exports/pdf/{job_id} (token auth, owner check, Redis GET+TTL);
  * POST /api/exports/pdf rejected by VR-003 (token auth, DRF serializer, 400 body).
Targets: each at least 50% of the bare view's throughput, p99 under 25 ms.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exports_common import ROOT, Environment, bench_user, free_port, seed  # noqa: E402

CONNECTIONS = 16
TARGET_RATIO, TARGET_P99_MS = 0.5, 25.0


async def connection_loop(port, request_bytes, stop_at, latencies, statuses):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request_bytes)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status_line.split()[1].decode()] = statuses.get(status_line.split()[1].decode(), 0) + 1
    finally:
        writer.close()


async def load(port, request_bytes, seconds):
    latencies, statuses = [], {}
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(connection_loop(port, request_bytes, stop_at, latencies, statuses) for _ in range(CONNECTIONS))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "statuses": statuses,
    }


def http_request(method, path, token=None, body=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    if token:
        lines.append(f"Authorization: Token {token}")
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with Environment(keep=args.keep, settings_module="exports_bench_settings") as env:
        total = seed(args.detections)
        from rest_framework.authtoken.models import Token

        from exports import status
        from exports.models import ExportJob

        user = bench_user()
        token = Token.objects.get_or_create(user=user)[0].key
        job = ExportJob.objects.create(kind="pdf", requested_by=user, params={})
        status.publish(job, create=True)
        job.mark_running()
        job.mark_completed(filename=f"report_{job.id}_20240101_000000.pdf", file_size_bytes=123456)

        port = free_port()
        log = open(env.tmp / "gunicorn.log", "w")  # Django logs each 400 as a warning, as in production
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-k",
                "gthread",
                "-w",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            import urllib.request

            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            scenarios = [
                ("bare Django JSON view (baseline)", http_request("GET", "/bench/bare"), "200"),
                ("GET /api/exports/pdf/{job_id}", http_request("GET", f"/api/exports/pdf/{job.id}", token), "200"),
                (
                    "POST /api/exports/pdf rejected (VR-003)",
                    http_request(
                        "POST",
                        "/api/exports/pdf",
                        token,
                        {
                            "report_type": "seasonal_activity",
                            "start_date": "2024-01-01",
                            "end_date": "2024-06-30",
                            "group_by": "year",
                        },
                    ),
                    "400",
                ),
            ]
            results = []
            for name, request_bytes, expected in scenarios:
                asyncio.run(load(port, request_bytes, 1.0))  # warm-up
                result = asyncio.run(load(port, request_bytes, args.seconds))
                assert set(result["statuses"]) == {expected}, (name, result["statuses"])
                results.append((name, result))
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
            log.close()

    base = results[0][1]["rps"]
    print(
        f"\nExport API under gunicorn ({args.workers} gthread workers x {args.threads} threads), "
        f"{CONNECTIONS} keep-alive connections, {args.seconds:.0f} s each, {total:,} demo detections, "
        f"{os.cpu_count()} CPUs shared with the load generator"
    )
    print(f"{'scenario':<42} {'req/s':>8} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8}   target")
    failures = 0
    for index, (name, result) in enumerate(results):
        ratio = result["rps"] / base
        if index == 0:
            verdict = "(baseline)"
        else:
            ok = ratio >= TARGET_RATIO and result["p99"] < TARGET_P99_MS
            failures += 0 if ok else 1
            verdict = f">= {TARGET_RATIO:.0%} of bare, p99 < {TARGET_P99_MS:.0f} ms: {'ok' if ok else 'MISSED'}"
        print(f"{name:<42} {result['rps']:>8.0f} {ratio:>8.0%} {result['p50']:>8.1f} {result['p99']:>8.1f}   {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
