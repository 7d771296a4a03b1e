"""exports.status: the Redis copy of an export's row (SPEC §4: SETEX, TTL, fields, conditional writes),
written only through the job's transitions."""

import json
import re

import pytest

from core import runner
from exports import status
from exports.models import ExportJob

pytestmark = pytest.mark.django_db
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def job(alice):
    return ExportJob.objects.create(kind="pdf", requested_by=alice, params={})


def key(job):
    return f"export_job:{job.id}"


def test_create_writes_all_fields_with_the_ttl(redis_conn, settings, alice):
    settings.EXPORT_JOB_TTL = 120
    job = ExportJob.objects.create(kind="zip", requested_by=alice, total_count=12)
    status.publish(job, create=True)
    doc = json.loads(redis_conn.get(key(job)))
    assert set(doc) >= {
        "job_id",
        "kind",
        "status",
        "stage",
        "progress_percent",
        "processed_count",
        "total_count",
        "filename",
        "download_url",
        "file_size_bytes",
        "error",
        "created_at",
        "started_at",
        "completed_at",
    }
    assert doc["status"] == "processing" and doc["stage"] == "queued" and doc["total_count"] == 12
    assert doc["owner_id"] == alice.pk and ISO_Z.match(doc["created_at"])
    assert 110 <= redis_conn.ttl(key(job)) <= 120


def test_every_write_restarts_the_ttl(redis_conn, settings, job):
    settings.EXPORT_JOB_TTL = 100
    status.publish(job, create=True)
    redis_conn.expire(key(job), 5)
    job.mark_running()
    job.report_progress("rendering", 40)
    assert redis_conn.ttl(key(job)) > 90
    assert json.loads(redis_conn.get(key(job)))["progress_percent"] == 40


def test_transitions_never_recreate_a_deleted_key(redis_conn, job):
    status.publish(job, create=True)
    status.delete(job.id)
    assert job.mark_running()  # the row moves ...
    assert job.report_progress("writing", 50)
    assert job.mark_completed(filename="report_x.pdf", file_size_bytes=10)
    assert redis_conn.exists(key(job)) == 0  # ... the copy of a deleted job never comes back


def test_complete_sets_url_size_and_timestamps(job):
    status.publish(job, create=True)
    job.mark_running()
    job.mark_completed(filename=f"report_{job.id}_20240101_000000.pdf", file_size_bytes=1234)
    doc, _ = status.read(job.id)
    assert doc["status"] == "completed" and doc["stage"] == "done" and doc["progress_percent"] == 100
    assert doc["download_url"] == f"/api/static/exports/report_{job.id}_20240101_000000.pdf"
    assert doc["file_size_bytes"] == 1234
    assert ISO_Z.match(doc["started_at"]) and ISO_Z.match(doc["completed_at"])


def test_fail_never_overwrites_an_outcome(job):
    status.publish(job, create=True)
    job.mark_running()
    job.mark_completed(filename="report.pdf", file_size_bytes=5)
    assert not job.mark_failed("late failure report")
    doc, _ = status.read(job.id)
    assert doc["status"] == "completed" and doc["error"] is None
    assert ExportJob.objects.get(id=job.id).status == "completed"


def test_a_failed_job_can_never_read_completed(job):
    """The bug of the old status module: complete() was not guarded while fail() was."""
    status.publish(job, create=True)
    job.mark_running()
    worker_copy = ExportJob.objects.get(id=job.id)  # the worker's instance, loaded while running
    assert job.mark_failed("The worker running this export stopped")
    assert not worker_copy.mark_completed(filename="report.pdf", file_size_bytes=5)
    assert not worker_copy.report_progress("writing", 90)
    doc, _ = status.read(job.id)
    assert doc["status"] == "failed" and doc["filename"] is None
    assert ExportJob.objects.get(id=job.id).status == "failed" and worker_copy.status == "failed"


def test_a_late_progress_copy_never_hides_an_outcome(job):
    """A copy written after an outcome (an earlier transition's publish arriving late) is refused."""
    status.publish(job, create=True)
    job.mark_running()
    stale = ExportJob.objects.get(id=job.id)
    job.mark_failed("boom")
    assert status.publish(stale) is False
    assert status.read(job.id)[0]["status"] == "failed"


def test_public_view_adds_expires_at_and_error_message_and_hides_owner(settings, job):
    settings.EXPORT_JOB_TTL = 3600
    status.publish(job, create=True)
    job.mark_failed("No detections found")
    doc, ttl = status.read(job.id)
    answer = status.public(doc, ttl)
    assert "owner_id" not in answer
    assert answer["error"] == answer["error_message"] == "No detections found"
    assert ISO_Z.match(answer["expires_at"]) and answer["expires_at"] > answer["created_at"]


def test_progress_is_throttled_and_clamped(alice):
    job = ExportJob.objects.create(kind="zip", requested_by=alice, total_count=10)
    status.publish(job, create=True)
    job.mark_running()
    progress = runner.Progress(job, min_interval=60)
    assert progress.report("writing", 10, 1)
    assert progress.report("writing", 20, 2)  # throttled: not written
    assert status.read(job.id)[0]["processed_count"] == 1
    assert progress.report("writing", 250, 10, force=True)
    assert status.read(job.id)[0]["progress_percent"] == 100
    ExportJob.objects.get(id=job.id).mark_cancelled()
    assert progress.report("done", 100, 10, force=True) is False
