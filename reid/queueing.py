"""Putting re-ID work on the "default" queue, after the surrounding transaction commits."""

import logging

import django_rq
from django.db import transaction
from redis.exceptions import RedisError
from rq.callbacks import Callback

from core import runner
from reid.models import ReidRun

JOB_TIMEOUT = 3600
logger = logging.getLogger(__name__)


def enqueue_matching(detection_ids):
    """Queue live matching of new detections. They are already stored: if Redis is down the
    ingest must not fail, and `manage.py reid_match` matches them later."""
    ids = [str(pk) for pk in detection_ids]
    if not ids:
        return

    def send():
        try:
            django_rq.get_queue("default").enqueue(
                "reid.jobs.match_new_detections",
                ids,
                job_timeout=JOB_TIMEOUT,
                on_failure=Callback(runner.on_failure),  # the run it creates records this job's id
            )
        except RedisError as exc:
            logger.warning("Could not queue re-ID of %d new detections (%s); run manage.py reid_match.", len(ids), exc)

    transaction.on_commit(send)


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
