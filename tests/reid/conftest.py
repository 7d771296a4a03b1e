import django_rq
import pytest
from rq import SimpleWorker


@pytest.fixture(autouse=True)
def reid_settings(settings):
    settings.REID_THRESHOLD = 0.70
    settings.REID_REVIEW_THRESHOLD = 0.55
    settings.REID_BURST_SECONDS = 5
    settings.REID_LOG_TOP_K = 10
    settings.REID_AUTO_CREATE = True
    # the named test users get a password: hash it cheaply
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def run_jobs(redis_conn):
    """Run every job queued on "default" now, in this process (fakeredis + SimpleWorker burst)."""

    def run():
        queue = django_rq.get_queue("default")
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
        return queue

    return run
