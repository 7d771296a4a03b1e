"""Shared set-up of the exports benchmarks: own PostgreSQL database, own redis-server, own files.

Never touches the dev database: the database is herdbook_bench_exports (dropped at the end unless
--keep), Redis is a private redis-server on a free port, files live in a temporary directory.
"""

import os
import shutil
import socket
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
    """Demo data (demo.bulk.seed_bulk) unless the database already holds enough."""
    from demo.bulk import seed_bulk
    from detections.models import Detection

    have = Detection.objects.count()
    if have < n_detections:
        started = time.perf_counter()
        seed_bulk(n_detections - have, seed=1 + have)
        print(f"seeded {n_detections - have:,} demo detections in {time.perf_counter() - started:.1f} s", flush=True)
    return Detection.objects.count()


def bench_user(username="bench-alice"):
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name="viewer"))
    return user


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
