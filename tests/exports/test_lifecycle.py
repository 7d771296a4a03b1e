"""Stuck jobs become failed, expired files are deleted (maintenance pass and manage.py cleanup_exports)."""

import os
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from rq.job import Job, JobStatus

from core import runner
from core.worker import run_maintenance
from exports import status
from exports.models import ExportJob

pytestmark = pytest.mark.django_db
PDF = {"report_type": "seasonal_activity", "start_date": "2024-10-01", "end_date": "2024-10-31"}
WORKER_DIED = (
    "The worker running this export stopped (killed or crashed) before it finished. Please start the export again."
)
LOST = "The export job was lost by the job queue (Redis restarted or dropped it). Please start the export again."
EXPIRED = "The export's status expired before the export finished."


def test_rq_failure_without_callback_is_reconciled(alice_client, post_export, redis_conn):
    """E.g. the work-horse was killed (OOM): rq marks the job failed but runs no callback."""
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    job = Job.fetch(job_id, connection=redis_conn)
    job._handle_failure("Work-horse terminated unexpectedly; waitpid returned 9 (signal 9); ", pipeline=None)
    job.set_status(JobStatus.FAILED)
    assert runner.reconcile(redis_conn) == {"failed": 1}
    doc = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert doc["status"] == "failed" and doc["error"] == WORKER_DIED
    assert ExportJob.objects.get(id=job_id).status == "failed"


def test_job_lost_by_the_queue_is_failed(alice_client, post_export, redis_conn):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    Job.fetch(job_id, connection=redis_conn).delete()  # e.g. evicted by an evicting maxmemory-policy
    runner.reconcile(redis_conn)
    assert alice_client.get(f"/api/exports/pdf/{job_id}").json()["error"] == LOST


def test_running_and_queued_jobs_are_left_alone(alice_client, post_export, redis_conn):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    assert runner.reconcile(redis_conn) == {"running": 1}
    assert alice_client.get(f"/api/exports/pdf/{job_id}").json()["status"] == "processing"


def test_history_row_of_an_expired_key_is_closed(alice_client, post_export, redis_conn):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    status.delete(job_id)
    runner.reconcile(redis_conn)
    row = ExportJob.objects.get(id=job_id)
    assert row.status == "failed" and row.error == EXPIRED


def test_cleanup_deletes_files_of_expired_jobs_only(alice_client, post_export, run_jobs, ranch, redis_conn, settings):
    ids = [
        post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][i].id)]}).json()["job_id"]
        for i in (0, 1)
    ]
    run_jobs()
    names = [alice_client.get(f"/api/exports/zip/{job_id}").json()["filename"] for job_id in ids]
    redis_conn.delete(f"export_job:{ids[0]}")  # expired
    orphan_partial = settings.EXPORT_ROOT / f"report_{uuid.uuid4()}_20240101_000000.pdf.partial"
    orphan_partial.write_bytes(b"x")
    old = time.time() - 3600
    os.utime(orphan_partial, (old, old))
    unrelated = settings.EXPORT_ROOT / "README.txt"
    unrelated.write_text("not an export")
    out = StringIO()
    call_command("cleanup_exports", stdout=out)
    assert not (settings.EXPORT_ROOT / names[0]).exists()
    assert not orphan_partial.exists()
    assert (settings.EXPORT_ROOT / names[1]).is_file() and unrelated.is_file()
    assert f"deleted {names[0]}" in out.getvalue() and "2 expired export file(s) deleted" in out.getvalue()


def test_maintenance_pass_runs_once_per_interval(redis_conn):
    assert run_maintenance(redis_conn, lock_seconds=30) == {"jobs": {}, "deleted": []}
    assert run_maintenance(redis_conn, lock_seconds=30) is None  # another worker holds the lock


def test_worker_class_meets_the_two_minute_rule(settings):
    from core.worker import HerdbookWorker
    from exports.services import queue

    worker = HerdbookWorker([queue()], connection=queue().connection)
    job = Job.create(func=len, args=([],), connection=queue().connection, timeout=900)
    # worst case: heartbeat TTL (job lapses) + a maintenance interval (someone notices)
    assert worker.get_heartbeat_ttl(job) + worker.maintenance_interval < 120
    assert worker.dequeue_timeout <= worker.maintenance_interval
