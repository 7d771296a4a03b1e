"""Putting re-ID work on the "default" queue, after the surrounding transaction commits."""

import django_rq
from django.db import transaction
from redis.exceptions import RedisError

from core import runner
from reid.models import ReidRun

JOB_TIMEOUT = 3600


def enqueue_run(run):
    """Queue a ReidRun (already saved with status queued); the RQ job id is derived from the run id.
    With Redis down the run is marked failed and the error re-raised (the API answers 503)."""

    def send():
        try:
            runner.enqueue(
                run,
                "reid.jobs.execute_run",
                str(run.id),
                queue=django_rq.get_queue("default"),
                timeout=JOB_TIMEOUT,
                rq_job_id=f"reid-run-{run.id}",
            )
        except RedisError:
            run.mark_failed("Job queue unavailable")
            raise

    transaction.on_commit(send)
    return run


def create_queued_run(kind, threshold, requested_by=None, review_threshold=None, dry_run=False, params=None):
    return ReidRun.objects.create(
        kind=kind,
        threshold=threshold,
        review_threshold=review_threshold,
        requested_by=requested_by,
        dry_run=dry_run,
        params=params or {},
    )
