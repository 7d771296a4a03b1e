"""Benchmark: export status GET and validation rejection under gunicorn, 16 concurrent connections.

    .venv/bin/python bench/exports_api.py [--detections 20000] [--seconds 4] [--rounds 3] [--keep]

Same run, same gunicorn (gthread, keep-alive), same load generator (wrk, 16 keep-alive connections
on 127.0.0.1; `scripts/system-packages.sh test` installs it):
  * baseline: a bare Django JSON view (no DRF, no auth, no Redis);
  * GET /api/exports/pdf/{job_id} (token auth, owner check, Redis GET+TTL);
  * POST /api/exports/pdf rejected by VR-003 (token auth, DRF serializer, 400 body).
Targets: each at least 50% of the bare view's throughput, p99 under 25 ms. The scenarios run in
turn for several rounds; each prints its mean req/s, median p50 and worst p99 over the rounds.

The load generator shares the 2 cores with gunicorn and Redis: wrk (C, a few µs per request) is
used instead of a Python client so that it takes as little of them as it can.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exports_common import Environment, bench_user, seed, start_gunicorn  # noqa: E402

CONNECTIONS = 16
TARGET_RATIO, TARGET_P99_MS = 0.5, 25.0
# wrk's done() hook prints the figures as one JSON line (latencies in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"non_2xx_3xx": %d, "socket_errors": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, errors))
end
"""


def lua_string(text):
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def wrk_script(method, headers, body):
    lines = [f"wrk.method = {lua_string(method)}"]
    lines += [f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    return "\n".join(lines) + WRK_REPORT


def load(port, scenario, seconds, script_path):
    """Run wrk against one scenario; {rps, p50, p99, errors}."""
    script_path.write_text(wrk_script(scenario["method"], scenario["headers"], scenario["body"]))
    threads = min(2, os.cpu_count() or 1)
    output = subprocess.run(
        [shutil.which("wrk"), f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script_path)]
        + [f"http://127.0.0.1:{port}{scenario['path']}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    requests = figures["requests"]
    wrong = figures["non_2xx_3xx"] if scenario["status"] < 300 else requests - figures["non_2xx_3xx"]
    return {
        "requests": requests,
        "rps": requests / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "wrong_status": wrong,
        "socket_errors": figures["socket_errors"],
    }


def server_pids(gunicorn, redis):
    """gunicorn's master and workers, and the redis-server: the processes that serve a request."""
    pids = [gunicorn.pid, redis.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == gunicorn.pid:
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids):
    """User + system CPU time used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def combine(results):
    """One figure per scenario over its rounds: mean req/s, median p50, worst p99."""
    return {
        "rps": statistics.mean(result["rps"] for result in results),
        "cpu_ms": 1000 * sum(r["cpu"] for r in results) / sum(r["requests"] for r in results),
        "p50": statistics.median(result["p50"] for result in results),
        "p99": max(result["p99"] for result in results),
    }


def one_request(port, scenario):
    """The status code of one request (checked before the scenario is loaded)."""
    data = scenario["body"].encode() if scenario["body"] is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{scenario['path']}", data=data, headers=scenario["headers"], method=scenario["method"]
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def scenario(method, path, status, token=None, body=None):
    headers = {"Authorization": f"Token {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    return {"method": method, "path": path, "status": status, "headers": headers, "body": body}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=4, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/system-packages.sh test (or apt-get install wrk)")

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

        gunicorn, port, log = start_gunicorn(env, args.workers, args.threads)
        try:
            body = {
                "report_type": "seasonal_activity",
                "start_date": "2024-01-01",
                "end_date": "2024-06-30",
                "group_by": "year",
            }
            scenarios = [
                ("bare Django JSON view (baseline)", scenario("GET", "/bench/bare", 200)),
                ("GET /api/exports/pdf/{job_id}", scenario("GET", f"/api/exports/pdf/{job.id}", 200, token)),
                ("POST /api/exports/pdf rejected (VR-003)", scenario("POST", "/api/exports/pdf", 400, token, body)),
            ]
            for name, case in scenarios:
                got = one_request(port, case)
                assert got == case["status"], (name, got)
                load(port, case, 1, env.tmp / "wrk.lua")  # warm-up
            # Rounds of all scenarios in turn, so that a change in the machine's load hits them alike.
            rounds = {name: [] for name, _ in scenarios}
            pids = server_pids(gunicorn, env.redis)
            for _ in range(args.rounds):
                for name, case in scenarios:
                    used = cpu_seconds(pids)
                    result = load(port, case, args.seconds, env.tmp / "wrk.lua")
                    result["cpu"] = cpu_seconds(pids) - used
                    assert not result["wrong_status"] and not result["socket_errors"], (name, result)
                    rounds[name].append(result)
            results = [(name, combine(rounds[name])) for name, _ in scenarios]
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
            log.close()

    base = results[0][1]["rps"]
    print(
        f"\nExport API under gunicorn ({args.workers} gthread workers x {args.threads} threads), "
        f"{CONNECTIONS} keep-alive connections (wrk), {args.rounds} rounds of {args.seconds} s each, {total:,} demo detections, "
        f"{os.cpu_count()} CPUs shared with the load generator"
    )
    print(
        f"{'scenario':<42} {'req/s':>8} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'vs bare':>8}   target"
    )
    failures = 0
    for index, (name, result) in enumerate(results):
        ratio = result["rps"] / base
        if index == 0:
            verdict = "(baseline)"
        else:
            ok = ratio >= TARGET_RATIO and result["p99"] < TARGET_P99_MS
            failures += 0 if ok else 1
            verdict = f">= {TARGET_RATIO:.0%} of bare, p99 < {TARGET_P99_MS:.0f} ms: {'ok' if ok else 'MISSED'}"
        cpu_ratio = results[0][1]["cpu_ms"] / result["cpu_ms"]
        print(
            f"{name:<42} {result['rps']:>8.0f} {ratio:>8.0%} {result['p50']:>8.1f} {result['p99']:>8.1f} "
            f"{result['cpu_ms']:>7.2f} {cpu_ratio:>8.0%}   {verdict}"
        )
    print(
        "CPU ms: server CPU time (gunicorn and redis-server) per request; 'vs bare' is the bare view's divided by\n"
        "the scenario's, the throughput ratio a machine running nothing else would show. Load average now: "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg())
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
