"""Helpers for export tests: run queued jobs in-process, build a small dataset, post exports."""

from datetime import UTC, date, datetime, timedelta

import pytest
from rq import SimpleWorker

from exports.services import queue
from tests import factories


@pytest.fixture
def run_jobs(redis_conn):
    """Run every queued export job now, in this process (fakeredis + SimpleWorker burst)."""

    def run():
        worker = SimpleWorker([queue()], connection=redis_conn)
        worker.work(burst=True)
        return worker

    return run


@pytest.fixture
def post_export(django_capture_on_commit_callbacks):
    """POST to an export endpoint with on_commit callbacks executed (the job gets enqueued)."""

    def post(client, kind, body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/exports/{kind}", body, format="json")

    return post


@pytest.fixture
def ranch(db):
    """Two locations, five detections on 2024-10-15/16 (4 valid + 1 invalid), one deer."""
    north = factories.location("North Field")
    south = factories.location("=SUM(A1)")  # a name that would be a spreadsheet formula
    doe_deer = factories.deer("doe", name="@Daisy")
    day = datetime(2024, 10, 15, 17, 0, tzinfo=UTC)
    img1 = factories.image(north, taken_at=day)
    img2 = factories.image(south, taken_at=day + timedelta(days=1), width=800, height=600)
    detections = [
        factories.detection(img1, "doe", 0.91, bbox=(10, 20, 200, 100), deer=doe_deer),
        factories.detection(img1, "buck", 0.82, bbox=(300, 200, 120, 240)),
        factories.detection(img2, "fawn", 0.77, bbox=(0, 0, 800, 600)),
        factories.detection(img2, "doe", 0.65, bbox=(50, 50, 60, 40), corrected_classification="buck"),
    ]
    invalid = factories.detection(img2, "doe", 0.5, is_valid=False)
    return {
        "north": north,
        "south": south,
        "deer": doe_deer,
        "detections": detections,
        "invalid": invalid,
        "start": date(2024, 10, 1),
        "end": date(2024, 10, 31),
    }
