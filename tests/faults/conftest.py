"""Fixtures of the fault suite: a redis-server of the test's own, which the test may stop and start
again (the session's redis-server serves the other tests undisturbed)."""

import shutil
import subprocess
import time

import pytest
import redis

from tests.conftest import _use_redis, free_port


class RedisProcess:
    """A redis-server on a free port with an append-only file: stopped (SIGTERM: it saves) and
    started again on the same port and directory, it comes back with its data, as in production."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir), "--save", ""]
        args += ["--appendonly", "yes", "--maxmemory-policy", "noeviction"]
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def own_redis(tmp_path, monkeypatch, worker_env):
    """Start a private redis-server; this test's django-rq connections and its workers use it."""
    server = RedisProcess(tmp_path / "redis")
    server.workdir.mkdir()
    server.start()
    conn = redis.Redis.from_url(server.url)
    _use_redis(monkeypatch, lambda *args, **kwargs: conn)
    worker_env["REDIS_URL"] = server.url
    server.conn = conn
    yield server
    server.stop()
