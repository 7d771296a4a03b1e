"""exports.status: the Redis document of SPEC §4 (SETEX, TTL, fields, conditional writes)."""

import json
import re

from exports import status

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
JOB = "8d2f9a4e-3c1b-4f6e-9a7d-2b5c8e1f0a3d"


def test_create_writes_all_fields_with_the_ttl(redis_conn, settings):
    settings.EXPORT_JOB_TTL = 120
    status.create(JOB, "zip", owner_id=7, total_count=12)
    doc = json.loads(redis_conn.get(f"export_job:{JOB}"))
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
    assert ISO_Z.match(doc["created_at"])
    assert 110 <= redis_conn.ttl(f"export_job:{JOB}") <= 120


def test_every_write_restarts_the_ttl(redis_conn, settings):
    settings.EXPORT_JOB_TTL = 100
    status.create(JOB, "pdf", owner_id=1)
    redis_conn.expire(f"export_job:{JOB}", 5)
    status.update(JOB, stage="rendering", progress_percent=40)
    assert redis_conn.ttl(f"export_job:{JOB}") > 90


def test_updates_never_recreate_a_deleted_key(redis_conn):
    status.create(JOB, "pdf", owner_id=1)
    status.delete(JOB)
    assert status.update(JOB, stage="writing") is None
    assert status.complete(JOB, "report_x.pdf", 10) is None
    assert status.fail(JOB, "boom") is None
    assert redis_conn.exists(f"export_job:{JOB}") == 0


def test_complete_sets_url_size_and_timestamps():
    status.create(JOB, "pdf", owner_id=1)
    status.start(JOB)
    doc = status.complete(JOB, f"report_{JOB}_20240101_000000.pdf", 1234)
    assert doc["status"] == "completed" and doc["stage"] == "done" and doc["progress_percent"] == 100
    assert doc["download_url"] == f"/api/static/exports/report_{JOB}_20240101_000000.pdf"
    assert doc["file_size_bytes"] == 1234
    assert ISO_Z.match(doc["started_at"]) and ISO_Z.match(doc["completed_at"])


def test_fail_never_overwrites_an_outcome():
    status.create(JOB, "pdf", owner_id=1)
    status.complete(JOB, "report.pdf", 5)
    status.fail(JOB, "late failure report")
    doc, _ = status.read(JOB)
    assert doc["status"] == "completed" and doc["error"] is None


def test_public_view_adds_expires_at_and_error_message_and_hides_owner(settings):
    settings.EXPORT_JOB_TTL = 3600
    status.create(JOB, "pdf", owner_id=1)
    status.fail(JOB, "No detections found")
    doc, ttl = status.read(JOB)
    answer = status.public(doc, ttl)
    assert "owner_id" not in answer
    assert answer["error"] == answer["error_message"] == "No detections found"
    assert ISO_Z.match(answer["expires_at"]) and answer["expires_at"] > answer["created_at"]


def test_progress_is_throttled_and_clamped(redis_conn):
    status.create(JOB, "zip", owner_id=1, total_count=10)
    progress = status.Progress(JOB, min_interval=60)
    assert progress.report("writing", 10, 1)
    assert progress.report("writing", 20, 2)  # throttled: not written
    assert status.read(JOB)[0]["processed_count"] == 1
    assert progress.report("writing", 250, 10, force=True)
    assert status.read(JOB)[0]["progress_percent"] == 100
    status.delete(JOB)
    assert progress.report("done", 100, 10, force=True) is False
