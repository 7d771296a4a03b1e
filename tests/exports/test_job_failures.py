"""Every failure becomes status 'failed' with a readable message (no traceback), in Redis and history."""

import time

import pytest

from core import runner
from exports import jobs, zip_archive
from exports.models import ExportJob

pytestmark = pytest.mark.django_db


def start_zip(client, post_export, ranch):
    return post_export(client, "zip", {"detection_ids": [str(d.id) for d in ranch["detections"]]}).json()["job_id"]


def test_a_job_that_raises_reads_failed_with_a_readable_message(
    alice_client, post_export, run_jobs, ranch, monkeypatch, settings
):
    def explode(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(zip_archive, "crop_jpeg", lambda *a, **k: explode())
    job_id = start_zip(alice_client, post_export, ranch)
    run_jobs()
    doc = alice_client.get(f"/api/exports/zip/{job_id}").json()
    # crop errors are per-row problems (listed in missing.csv); the job still completes
    assert doc["status"] == "completed"

    monkeypatch.setattr(zip_archive, "write_zip", explode)
    monkeypatch.setattr(jobs, "write_zip", explode)
    job_id = start_zip(alice_client, post_export, ranch)
    run_jobs()
    doc = alice_client.get(f"/api/exports/zip/{job_id}").json()
    assert doc["status"] == "failed"
    assert doc["error"] == doc["error_message"] == "The ZIP archive could not be created: No space left on device"
    assert "Traceback" not in doc["error"] and doc["completed_at"]
    row = ExportJob.objects.get(id=job_id)
    assert row.status == "failed" and row.error == doc["error"]
    assert not list(settings.EXPORT_ROOT.glob(f"*{job_id}*"))  # no partial file left


def test_a_pdf_job_that_raises(alice_client, post_export, run_jobs, monkeypatch):
    import reports.pdf

    def broken(params, path, progress=None):
        progress("collecting", 5)
        raise ValueError("report template missing")

    monkeypatch.setattr(reports.pdf, "render_report_pdf", broken)
    job_id = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
        },
    ).json()["job_id"]
    run_jobs()
    doc = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert doc["status"] == "failed" and doc["error"] == "The PDF report could not be created: report template missing"


def test_a_job_that_times_out_reads_failed_saying_so(alice_client, post_export, run_jobs, ranch, monkeypatch, settings):
    monkeypatch.setattr(jobs, "ZIP_TIMEOUT", 1)

    def slow(*args, **kwargs):
        time.sleep(5)

    monkeypatch.setattr(zip_archive, "crop_jpeg", slow)
    job_id = start_zip(alice_client, post_export, ranch)
    run_jobs()
    doc = alice_client.get(f"/api/exports/zip/{job_id}").json()
    assert doc["status"] == "failed"
    assert "time limit of 1 s" in doc["error"]
    assert ExportJob.objects.get(id=job_id).status == "failed"
    assert not list(settings.EXPORT_ROOT.glob(f"*{job_id}*"))


def test_failure_callback_for_an_abandoned_job(alice_client, post_export, ranch, redis_conn):
    """What rq calls when a killed worker's job is found abandoned by registry cleanup."""
    from rq.exceptions import AbandonedJobError
    from rq.job import Job

    job_id = start_zip(alice_client, post_export, ranch)
    runner.on_failure(
        Job.fetch(job_id, connection=redis_conn), redis_conn, AbandonedJobError, AbandonedJobError(), None
    )
    doc = alice_client.get(f"/api/exports/zip/{job_id}").json()
    assert doc["status"] == "failed" and "killed or crashed" in doc["error"]
    assert ExportJob.objects.get(id=job_id).status == "failed"
