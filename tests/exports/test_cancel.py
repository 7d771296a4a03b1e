"""DELETE cancels a queued job and stops a running one; a cancelled job never re-creates key or file."""

import functools

import pytest

from core import runner
from exports import status, zip_archive
from exports.models import ExportJob
from exports.services import queue

pytestmark = pytest.mark.django_db


def test_cancel_a_queued_job(alice_client, post_export, run_jobs, ranch, redis_conn, settings):
    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    assert queue().job_ids == [job_id]
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    assert queue().job_ids == []
    run_jobs()  # nothing left to run
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert not list(settings.EXPORT_ROOT.iterdir())
    row = ExportJob.objects.get(id=job_id)
    assert row.status == "cancelled" and row.completed_at is not None


def test_a_job_dequeued_after_cancel_does_nothing(alice_client, post_export, ranch, redis_conn, settings):
    """The race where a worker picks the job up just as it is deleted: the job finds no key and stops."""
    from exports.jobs import run_export

    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    status.delete(job_id)
    assert run_export(job_id) is None
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert not list(settings.EXPORT_ROOT.iterdir())


def test_a_job_cancelled_before_a_worker_took_it_never_starts(alice_client, post_export, ranch, redis_conn, settings):
    from exports.jobs import run_export

    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    assert run_export(job_id) is None
    row = ExportJob.objects.get(id=job_id)
    assert row.status == "cancelled" and row.started_at is None
    assert not redis_conn.exists(f"export_job:{job_id}") and not list(settings.EXPORT_ROOT.iterdir())


def test_cancel_while_running_stops_and_leaves_nothing(
    alice_client, post_export, run_jobs, ranch, redis_conn, settings, monkeypatch
):
    """DELETE arrives while crops are being written (simulated from inside the job)."""
    job_id = post_export(alice_client, "zip", {"detection_ids": [str(d.id) for d in ranch["detections"]]}).json()[
        "job_id"
    ]
    original = zip_archive.crop_jpeg
    calls = []

    def crop_then_user_deletes(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            from django.contrib.auth.models import User

            from exports.services import cancel_export

            assert cancel_export(User.objects.get(username="alice"), job_id)
        return original(*args, **kwargs)

    monkeypatch.setattr(zip_archive, "crop_jpeg", crop_then_user_deletes)
    monkeypatch.setattr(runner, "Progress", functools.partial(runner.Progress, min_interval=0))  # no throttling
    run_jobs()
    assert len(calls) < 4  # the job stopped early
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert not list(settings.EXPORT_ROOT.iterdir())
    assert ExportJob.objects.get(id=job_id).status == "cancelled"


def test_cancel_of_a_started_job_sends_the_stop_command(alice_client, post_export, ranch, redis_conn, monkeypatch):
    from rq.job import Job, JobStatus

    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    job = Job.fetch(job_id, connection=redis_conn)
    job.set_status(JobStatus.STARTED)
    sent = []
    monkeypatch.setattr(runner, "send_stop_job_command", lambda conn, jid: sent.append(jid))
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    assert sent == [job_id]
