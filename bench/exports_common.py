"""Shared set-up of the benchmarks: own PostgreSQL database, own redis-server, own files (the exports
benchmarks); demo seeding, a signed-in client and the request-timing loop (time_requests) of the
page and API benchmarks.

Never touches the dev database: the database is herdbook_bench_exports (dropped at the end unless
--keep), Redis is a private redis-server on a free port, files live in a temporary directory.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

DB_NAME = "herdbook_bench_exports"
SERVER = os.environ.get("BENCH_PG", "postgres://herdbook:herdbook@127.0.0.1:5432")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(directory):
    """A private redis-server on a free port, answering; (process, url). Stop it with terminate()."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(directory), "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return process, url


class Environment:
    """Context manager: temp dirs, redis-server, database; sets the env vars Django reads."""

    def __init__(self, keep=False, settings_module="config.settings"):
        self.keep = keep
        self.settings_module = settings_module
        self.redis = None

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="herdbook-bench-exports-"))
        self.redis, self.redis_url = start_redis(self.tmp)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": self.settings_module,
                "DATABASE_URL": f"{SERVER}/{DB_NAME}",
                "REDIS_URL": self.redis_url,
                "DEBUG": "false",
                "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback (production sits behind TLS)
                "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
                "MEDIA_ROOT": str(self.tmp),
                "IMAGE_ROOT": str(self.tmp / "images"),
                "EXPORT_ROOT": str(self.tmp / "exports"),
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
            }
        )
        (self.tmp / "exports").mkdir()
        self._create_database()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return self

    def _create_database(self):
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
            if exists and self.keep:
                return
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def __exit__(self, *exc):
        from django.db import connections

        connections.close_all()
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
        if not self.keep:
            import psycopg

            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def seed(n_detections):
    """Demo data (demo.bulk.seed_bulk) unless the database already holds enough; fresh statistics."""
    from django.db import connection

    from demo.bulk import seed_bulk
    from detections.models import Detection

    have = Detection.objects.count()
    if have < n_detections:
        print(f"seeding {n_detections - have:,} demo detections (seed_bulk) ...", flush=True)
        started = time.perf_counter()
        seed_bulk(n_detections - have, seed=1 + have)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
    return Detection.objects.count()


def bench_user(username="bench-alice", group="viewer"):
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def signed_in_client(user):
    """Django's test client signed in as user: requests timed in-process (no network)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def get_ok(client, url, check=None):
    """A call that GETs url and asserts a 200 (and check(response), if given)."""

    def call():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if check is not None:
            check(response)

    return call


def timed(function, repeats):
    """(p50, p99, CPU p50, CPU p99) in ms of `repeats` calls after one warm-up call.

    p99 is the worst call when there are fewer than 100. CPU time is this process's (the Django
    side; the database works in its own process) and does not grow when other jobs share the CPU.
    """
    function()  # warm-up (plans, caches)
    samples, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    cpu.sort()
    at99 = int(0.99 * len(samples)) if len(samples) >= 100 else -1
    return statistics.median(samples), samples[at99], statistics.median(cpu), cpu[at99]


def time_requests(scenarios, repeats, baseline_repeats, target_ms):
    """Time each scenario (name, call, baseline[, target ms]) and print a row: p50/p99 and CPU of
    `repeats` calls, the baseline's (None: no baseline) of `baseline_repeats` calls and the ratio
    p50 / baseline p50, and whether p99 is within the target (target_ms unless the scenario names
    its own; None: no target). Prints the load average before and after; returns the number missed."""
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'scenario':<40} {'p50':>7} {'p99':>7} {'cpu p50':>8} {'cpu p99':>8}   "
        f"{'base p50':>8} {'base p99':>8} {'ratio':>6}   target p99"
    )
    missed = 0
    for name, call, baseline, *own in scenarios:
        target = own[0] if own else target_ms
        p50, p99, cpu50, cpu99 = timed(call, repeats)
        if baseline is not None:
            b50, b99, _, _ = timed(baseline, baseline_repeats)
            base = f"{b50:>8.1f} {b99:>8.1f} {p50 / max(b50, 0.01):>5.1f}x"
        else:
            base = f"{'-':>8} {'-':>8} {'-':>6}"
        ok = target is None or p99 <= target
        missed += 0 if ok else 1
        verdict = "(none)" if target is None else f"<= {target:.0f} {'ok' if ok else 'MISSED'}"
        print(f"{name:<40} {p50:>7.1f} {p99:>7.1f} {cpu50:>8.1f} {cpu99:>8.1f}   {base}   {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return missed


def run_sampled(argv):
    """(seconds, peak RSS in MB, stdout) of a child process, its RSS sampled every 50 ms."""
    import threading

    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample():
        nonlocal peak
        proc = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = process.communicate()
    thread.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(map(str, argv[1:3]))} failed: {err.strip().splitlines()[-1:]}")
    return time.perf_counter() - started, peak / 2**20, out


def start_gunicorn(env, workers, threads):
    """gunicorn (gthread, keep-alive) on a free port, serving once /bench/bare answers; (process, port, log)."""
    import urllib.request

    port = free_port()
    log = open(env.tmp / "gunicorn.log", "w")  # Django logs each 400 as a warning, as in production
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread"]
        + ["-w", str(workers), "--threads", str(threads), "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return process, port, log
