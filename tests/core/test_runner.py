"""core.jobs and core.runner: guarded transitions, execute, reconcile (fakeredis; real workers in
test_runner_integration.py)."""

import socket
import subprocess
import sys

import pytest

from core import runner
from core.jobs import JobStatus
from reid.models import ReidRun
from reid.runs import ReidError

pytestmark = pytest.mark.django_db


def new_run(**fields):
    return ReidRun.objects.create(kind=ReidRun.Kind.REPROCESS, threshold=0.7, **fields)


@pytest.mark.parametrize("outcome", ["completed", "failed", "cancelled"])
def test_a_finished_job_cannot_be_moved(outcome):
    run = new_run()
    run.mark_running()
    {"completed": run.mark_completed, "failed": lambda: run.mark_failed("x"), "cancelled": run.mark_cancelled}[
        outcome
    ]()
    late = ReidRun.objects.get(pk=run.pk)
    assert not late.mark_running()
    assert not late.report_progress("matching", 50, processed_count=3)
    assert not late.mark_completed()
    assert not late.mark_failed("late")
    assert not late.mark_cancelled()
    row = ReidRun.objects.get(pk=run.pk)
    assert row.status == outcome and row.processed_count == 0 and row.error in ("", "x", "Cancelled by the user.")


def test_a_queued_job_cannot_complete_without_running():
    run = new_run()
    assert not run.mark_completed()
    assert ReidRun.objects.get(pk=run.pk).status == JobStatus.QUEUED


def test_execute_records_start_progress_and_completion():
    run = new_run()

    def work(run):
        run.total_count = 4
        assert run.report_progress("matching", 50, processed_count=2)
        run.linked_count = 3

    runner.execute(run, work)
    row = ReidRun.objects.get(pk=run.pk)
    assert row.status == "completed" and row.progress_percent == 100 and row.stage == "done"
    assert (row.total_count, row.processed_count, row.linked_count) == (4, 2, 3)
    assert row.started_at <= row.completed_at and row.rq_job_id.startswith("pid:")


def test_execute_turns_errors_into_readable_failures():
    def refuse(run):
        raise ReidError("Embeddings of model m have 3 dimensions, not 4.")

    def crash(run):
        raise ZeroDivisionError("division by zero")

    assert runner.execute(new_run(), refuse).error == "Embeddings of model m have 3 dimensions, not 4."
    crashed = runner.execute(new_run(), crash)
    assert crashed.status == "failed" and crashed.error == "Unexpected error: ZeroDivisionError: division by zero"
    assert "Traceback" not in crashed.error


def test_execute_never_starts_a_cancelled_job():
    run = new_run()
    assert run.mark_cancelled()
    ran = []
    runner.execute(ReidRun.objects.get(pk=run.pk), ran.append)
    assert ran == [] and ReidRun.objects.get(pk=run.pk).status == "cancelled"


def test_an_inline_run_whose_process_died_reads_failed(redis_conn):
    """A `manage.py reid_match` killed by its operator: its run names its process, which is gone."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    dead = new_run()
    dead.mark_running(rq_job_id=f"pid:{process.pid}@{socket.gethostname()}")
    alive = new_run()
    alive.mark_running(rq_job_id=runner.inline_tag())  # this very process
    assert runner.reconcile(redis_conn) == {"failed": 1, "running": 1}
    dead.refresh_from_db()
    assert dead.status == "failed" and "re-ID run stopped (killed or crashed)" in dead.error
    assert ReidRun.objects.get(pk=alive.pk).status == "running"


def test_a_queued_run_never_sent_to_the_queue_is_lost_after_a_grace(redis_conn):
    from datetime import timedelta

    from django.utils import timezone

    fresh, stale = new_run(), new_run()
    ReidRun.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert runner.reconcile(redis_conn) == {"running": 1, "lost": 1}
    assert ReidRun.objects.get(pk=fresh.pk).status == "queued"
    assert "lost by the job queue" in ReidRun.objects.get(pk=stale.pk).error


def test_a_run_whose_rq_job_failed_reads_failed(redis_conn):
    from rq.job import Job
    from rq.job import JobStatus as RQStatus

    run = new_run()
    job = Job.create(func=len, args=([],), id=f"reid-run-{run.id}", connection=redis_conn, timeout=60)
    job.save()
    ReidRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)
    job._handle_failure("rq.timeouts.JobTimeoutException: Task exceeded maximum timeout value (60 seconds)", None)
    job.set_status(RQStatus.FAILED)
    assert runner.reconcile(redis_conn) == {"failed": 1}
    run.refresh_from_db()
    assert (
        run.error
        == "The re-ID run took longer than its time limit of 60 s and was stopped. Try a smaller date range or fewer detections."
    )
