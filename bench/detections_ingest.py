"""Benchmark: ingest throughput of POST /api/images through gunicorn on 127.0.0.1.

Each image is a distinct 1920x1080 JPEG uploaded with two detections (each with a 512-d
embedding), by several client threads at once, with token authentication, exactly as a detection
pipeline would. Printed next to two baselines measured in the same run against the same server:
GET /healthz (the HTTP + Django floor) and re-uploading images already stored (the idempotent
path: multipart parsing, hashing and image checks, no writes).

Then the same number of new images again with an RQ worker running (`manage.py rqworker default`,
which carries out the debounced live re-ID runs, reid.live), in the same run: live matching must
not slow ingest down much (issue 11: with the worker running >= 80 % of the images/s without it).
At the end it waits for the worker to match everything and prints the runs it took.

Target: at least 20 images/s (40 detections/s) on a 2-core machine with 2 gunicorn workers, and
>= 80 % of that with the worker running.

Everything is temporary: its own SQLite database (or --database-url), image root, a private
redis-server on a free port (the re-ID signal queues its jobs there), and gunicorn. With
--postgres it creates and drops its own PostgreSQL database instead of SQLite.

    .venv/bin/python bench/detections_ingest.py                      # 200 images, 4 client threads
    .venv/bin/python bench/detections_ingest.py --images 50          # quick check
    .venv/bin/python bench/detections_ingest.py --postgres           # production database
"""

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_IMAGES_PER_SECOND = 20.0
TARGET_WORKER_RATIO = 0.80
PG_DB = "herdbook_bench_ingest"


def pg_database(create):
    """Create (fresh) or drop the benchmark's own PostgreSQL database; returns its URL."""
    import psycopg

    server = os.environ.get("BENCH_PG", "postgres://herdbook:herdbook@127.0.0.1:5432")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"{server}/{PG_DB}"


SETUP = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from detections.models import Location
user = User.objects.create_user("pipeline", password="x")
user.groups.add(Group.objects.get(name="reviewer"))
Location.objects.create(name="Bench Site", timezone="America/Chicago")
print(Token.objects.create(user=user).key)
"""

STATE = """
from core.jobs import ACTIVE
from detections.models import Detection
from reid.models import ReidRun
runs = ReidRun.objects.filter(kind="live")
print(runs.filter(status__in=ACTIVE).count(), Detection.objects.filter(reid_pending=True).count(),
      runs.count(), runs.filter(status="completed").count(), Detection.objects.exclude(deer=None).count())
"""


DURATIONS = """
from reid.models import ReidRun
spans = sorted((r.completed_at - r.started_at).total_seconds() for r in ReidRun.objects.filter(kind="live", status="completed"))
print(f"{spans[len(spans) // 2]:.2f} s (median), {spans[-1]:.2f} s (longest)")
"""


def state_durations(env):
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", DURATIONS], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("service did not come up")


def make_jpegs(count, seed=3):
    """Distinct 1920x1080 JPEGs with some texture (about the size of a trail-camera frame)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 140, size=(270, 480, 3), dtype=np.uint8)
    texture = PILImage.fromarray(base).resize((1920, 1080), PILImage.Resampling.BILINEAR)
    images = []
    for index in range(count):
        picture = texture.copy()
        picture.paste(tuple(int(v) for v in rng.integers(0, 255, 3)), (index % 1800, 100, index % 1800 + 120, 220))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=85)
        images.append(buffer.getvalue())
    return images


def metadata(rng):
    detections = []
    for x, label in ((200, "doe"), (1100, "buck")):
        vector = rng.normal(size=512)
        detections.append(
            {
                "bbox": [x, 400, 360, 300],
                "confidence": round(float(rng.uniform(0.5, 0.99)), 3),
                "classification": label,
                "embedding": [round(float(v), 6) for v in vector],
                "embedding_model": "bench-512",
            }
        )
    return {"location": "Bench Site", "taken_at": "2024-10-15T06:30:00", "detections": detections}


def multipart(data, meta, name):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'.encode()
        + json.dumps(meta).encode()
        + b"\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def run_clients(port, jobs, concurrency):
    """Send the (method, path, body, headers) jobs with `concurrency` threads; returns (seconds, latencies, statuses)."""
    lock, latencies, statuses = threading.Lock(), [], []
    queue = list(enumerate(jobs))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                _, (method, path, body, headers) = queue.pop(0)
            started = time.perf_counter()
            conn = HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sorted(latencies), statuses


def report(name, seconds, latencies, count, unit):
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    rate = count / seconds
    print(f"{name:<44} {rate:>9.1f} {unit:<12} p50 {statistics.median(latencies):>7.1f} ms   p95 {p95:>7.1f} ms")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"use a temporary PostgreSQL database {PG_DB} on BENCH_PG (default: temporary SQLite)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    redis_port, web_port = free_port(), free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret",
        ALLOWED_HOSTS="127.0.0.1",
        IMAGE_ROOT=str(workdir / "images"),
        MEDIA_ROOT=str(workdir / "media"),
        EXPORT_ROOT=str(workdir / "exports"),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        LOG_LEVEL="WARNING",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback (production sits behind TLS)
    )
    if args.postgres:
        env["DATABASE_URL"] = pg_database(create=True)
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(workdir),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        token = (
            subprocess.run(
                [PYTHON, "manage.py", "shell", "-c", SETUP],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(f"generating {args.images} JPEGs (1920x1080) ...", flush=True)
        jpegs = make_jpegs(2 * args.images)
        print(f"  mean size {sum(map(len, jpegs)) / len(jpegs) / 1024:.0f} KiB", flush=True)
        processes.append(
            subprocess.Popen(
                [
                    str(Path(PYTHON).parent / "gunicorn"),
                    "config.wsgi:application",
                    "-b",
                    f"127.0.0.1:{web_port}",
                    "-w",
                    str(args.workers),
                    "--timeout",
                    "120",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )

        def healthy():
            conn = HTTPConnection("127.0.0.1", web_port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        wait_for(healthy, seconds=120)

        auth = {"Authorization": f"Token {token}"}
        rng = np.random.default_rng(5)
        uploads = []
        for index, data in enumerate(jpegs):
            body, content_type = multipart(data, metadata(rng), f"BENCH_{index:05d}.JPG")
            uploads.append(("POST", "/api/images", body, {**auth, "Content-Type": content_type}))
        uploads, uploads_with_worker = uploads[: args.images], uploads[args.images :]

        print(
            f"\nPOST /api/images under gunicorn ({args.workers} workers), {args.concurrency} client threads, "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        seconds, lat, statuses = run_clients(
            web_port, [("GET", "/healthz", None, {})] * (args.images * 2), args.concurrency
        )
        report("baseline: GET /healthz", seconds, lat, len(lat), "requests/s")
        seconds, lat, statuses = run_clients(web_port, uploads, args.concurrency)
        created = statuses.count(201)
        if created < len(uploads):
            print("statuses:", {code: statuses.count(code) for code in set(statuses)})
        rate = report("ingest: new images, 2 detections each", seconds, lat, created, "images/s")
        print(f"{'':<44} {2 * created / seconds:>9.1f} detections/s   ({created} of {len(uploads)} answered 201)")
        seconds, lat, again = run_clients(web_port, uploads, args.concurrency)
        report("baseline: the same images again (200)", seconds, lat, again.count(200), "images/s")

        def state():
            out = subprocess.run(
                [PYTHON, "manage.py", "shell", "-c", STATE],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            return [int(v) for v in out.stdout.strip().splitlines()[-1].split()]

        processes.append(
            subprocess.Popen(
                [PYTHON, "manage.py", "rqworker", "default"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(lambda: state()[:2] == [0, 0], seconds=600)  # the backlog of the first phase matched
        seconds, lat, statuses = run_clients(web_port, uploads_with_worker, args.concurrency)
        created_with_worker = statuses.count(201)
        rate_with_worker = report("ingest with the re-ID worker running", seconds, lat, created_with_worker, "images/s")
        ratio = rate_with_worker / rate
        print(f"{'':<44} {ratio:>9.0%} of the rate without the worker")

        started = time.perf_counter()
        wait_for(lambda: state()[:2] == [0, 0], seconds=600)
        _, _, runs, completed, linked = state()
        durations = state_durations(env)
        print(
            f"worker done {time.perf_counter() - started:.1f} s after the last upload: {runs} live runs "
            f"({completed} completed) for {len(uploads) + len(uploads_with_worker)} uploads; "
            f"{linked} detections linked, none pending; a run took {durations}"
        )
        ok = (
            created == len(uploads)
            and created_with_worker == len(uploads_with_worker)
            and rate >= TARGET_IMAGES_PER_SECOND
            and ratio >= TARGET_WORKER_RATIO
        )
        print(
            f"\ntarget: >= {TARGET_IMAGES_PER_SECOND:.0f} images/s and >= {TARGET_WORKER_RATIO:.0%} of it with the "
            f"worker running -> {'ok' if ok else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.postgres:
            pg_database(create=False)


if __name__ == "__main__":
    sys.exit(main())
