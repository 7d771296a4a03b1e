"""The job runner with a real redis-server and real worker processes: a re-ID run whose worker is
killed reads failed with a readable error within 2 minutes, like an export (SPEC §4)."""

import time

import django_rq
import pytest

from core import runner
from reid.models import ReidRun
from tests.processes import kill_tree, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_killed_worker_reid_run_reads_failed_within_two_minutes(start_worker):
    run = ReidRun.objects.create(kind=ReidRun.Kind.REPROCESS, threshold=0.7)
    worker = start_worker("default")
    runner.enqueue(
        run,
        "tests.core.slow_jobs.slow_reid_run",
        str(run.id),
        queue=django_rq.get_queue("default"),
        timeout=900,
        rq_job_id=f"reid-run-{run.id}",
    )
    started = wait_for(lambda: ReidRun.objects.filter(pk=run.pk, processed_count__gt=0).exists(), 60)
    assert started, "the run never started"
    kill_tree(worker)  # worker and work-horse die mid-run
    killed_at = time.monotonic()
    start_worker("default")  # the remaining (or restarted) worker notices
    failed = wait_for(lambda: ReidRun.objects.get(pk=run.pk).status != ReidRun.Status.RUNNING, 120, step=1)
    assert failed, "the re-ID run still reads running 2 minutes after its worker was killed"
    assert time.monotonic() - killed_at <= 125
    run.refresh_from_db()
    assert run.status == "failed" and run.completed_at is not None
    assert run.error == (
        "The worker running this re-ID run stopped (killed or crashed) before it finished. "
        "Please start the re-ID run again."
    )
