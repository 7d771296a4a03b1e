"""Shared fixtures.

* Unit tests get a fresh fakeredis behind every django-rq connection (autouse).
* Tests marked ``integration`` get a real redis-server instead, started once per session on a
  free port, flushed before each test; ``worker_env`` gives the environment a real worker process
  needs to share the test database, Redis and file roots.
* Small named actors: alice (viewer), bob (reviewer), charlie (manager), root (superuser).
"""

import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import fakeredis
import pytest
import redis
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from tests.processes import kill_tree

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def reid_score_thresholds(settings):
    """Tests pin the re-ID score thresholds (an explicit override, as an operator may set), so scenarios
    built on cosine scores decide the same way everywhere; tests/reid/test_calibration.py unsets them to
    test the calibrated default. worker_env hands them to worker processes."""
    settings.REID_THRESHOLD = 0.70
    settings.REID_REVIEW_THRESHOLD = 0.55


@pytest.fixture(autouse=True)
def _roles_present(request):
    """A transactional test ends with a flush that drops the role groups the migrations made; a test that
    uses the database finds them again, whatever order pytest-xdist ran the files in."""
    marker = request.node.get_closest_marker("django_db")
    if marker or {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("_django_db_helper")
        if not Group.objects.filter(name="manager").exists():
            restore_roles()
    yield


def restore_roles():
    from django.contrib.auth.models import Permission

    roles = importlib.import_module("detections.migrations.0003_roles").ROLE_PERMISSIONS
    for role, app_perms in roles.items():
        group = Group.objects.get_or_create(name=role)[0]
        for app_label, models in app_perms.items():
            codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server for the whole session; yields its URL."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is not installed (apt-get install redis-server); integration tests need it.")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--maxmemory-policy",
            "noeviction",
        ],
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
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _use_redis(monkeypatch, factory):
    import django_rq.connection_utils
    import django_rq.queues

    monkeypatch.setattr(django_rq.connection_utils, "get_redis_connection", factory)
    monkeypatch.setattr(django_rq.queues, "get_redis_connection", factory)


@pytest.fixture(autouse=True)
def redis_conn(request, monkeypatch):
    """The Redis connection every django-rq queue and our status module use in this test."""
    if request.node.get_closest_marker("integration"):
        url = request.getfixturevalue("redis_server")
        conn = redis.Redis.from_url(url)
        conn.flushdb()
    else:
        conn = fakeredis.FakeRedis()
    _use_redis(monkeypatch, lambda *args, **kwargs: conn)
    from core import data_version

    monkeypatch.setattr(data_version, "_down_until", 0.0)  # no outage remembered from before this test
    monkeypatch.setattr(data_version, "_pending", False)
    return conn


@pytest.fixture
def redis_down(monkeypatch):
    """Every django-rq connection points at a port nobody listens on (Redis is down).

    The client is built from a URL, as django-rq builds production's (RQ_QUEUES "URL"): it makes
    one attempt and raises ConnectionError at once. (``redis.Redis(host=..., port=...)`` would get
    redis-py's default Retry instead: 10 attempts with backoff, about 4 s per command.)
    """
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0")
    _use_redis(monkeypatch, lambda *args, **kwargs: dead)
    return dead


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing with the production hasher costs over a second per user on this machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path):
    settings.IMAGE_ROOT = tmp_path / "images"
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.GROUND_TRUTH_PATH = tmp_path / "ground_truth.csv"
    settings.IMAGE_ROOT.mkdir()
    settings.EXPORT_ROOT.mkdir()
    return settings


@pytest.fixture
def worker_env(settings, redis_server):
    """Environment for a worker subprocess: same database, Redis and file roots as the test.

    Use with ``@pytest.mark.django_db(transaction=True)`` so the worker sees committed rows.
    """
    from django.db import connection

    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REDIS_URL": redis_server,
            "IMAGE_ROOT": str(settings.IMAGE_ROOT),
            "EXPORT_ROOT": str(settings.EXPORT_ROOT),
            "GROUND_TRUTH_PATH": str(settings.GROUND_TRUTH_PATH),
            "TIME_ZONE": settings.TIME_ZONE,
            "EXPORT_JOB_TTL": str(settings.EXPORT_JOB_TTL),
        }
    )
    for name in ("REID_THRESHOLD", "REID_REVIEW_THRESHOLD"):
        if getattr(settings, name) is not None:
            env[name] = str(getattr(settings, name))
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path):
    """Start real `manage.py rqworker` processes; they are killed after the test. Their output
    goes to worker-N.log in the test's tmp_path."""
    processes = []

    def start(*queues, extra_args=()):
        log = open(tmp_path / f"worker-{len(processes) + 1}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "rqworker", *(queues or ("default", "exports")), *extra_args],
            env=worker_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        processes.append(process)
        return process

    yield start
    for process in processes:
        kill_tree(process)


def make_user(username, role=None, **fields):
    user = User.objects.create_user(username=username, password="pw-" + username, **fields)
    if role:
        # get_or_create: a transaction=True test elsewhere may have flushed the migration's groups
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def alice(db):
    return make_user("alice", "viewer")


@pytest.fixture
def bob(db):
    return make_user("bob", "reviewer")


@pytest.fixture
def charlie(db):
    return make_user("charlie", "manager")


@pytest.fixture
def root(db):
    return make_user("root", is_superuser=True, is_staff=True)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alice_client(alice):
    return client_for(alice)


@pytest.fixture
def bob_client(bob):
    return client_for(bob)


@pytest.fixture
def charlie_client(charlie):
    return client_for(charlie)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """browser_page(user) -> a headless Chromium page logged in as `user` (password "pw-<username>").
    Use with ``@pytest.mark.django_db(transaction=True)`` so the live server sees the test's rows."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the test makes
    # around it are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        def login(user):
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", f"pw-{user.username}")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            return page

        yield login
        browser.close()


@pytest.fixture
def page_as_bob(browser_page, bob):
    """A headless Chromium page logged in as bob (reviewer)."""
    return browser_page(bob)


@pytest.fixture(autouse=True)
def fresh_token_cache():
    """The export endpoints remember verified tokens per process (exports.api.auth); a test's users are
    rolled back afterwards, so no test may see another's cached user (on PostgreSQL ids are not reused)."""
    from exports.api.auth import CachedTokenAuthentication

    CachedTokenAuthentication._cache.clear()
    yield
    CachedTokenAuthentication._cache.clear()
