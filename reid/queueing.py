"""Putting re-ID work on the "default" queue, after the surrounding transaction commits."""
import django_rq
from django.db import transaction

from reid.models import ReidRun

JOB_TIMEOUT = 3600


def enqueue_matching(detection_ids):
    ids = [str(pk) for pk in detection_ids]
    if not ids:
        return
    transaction.on_commit(
        lambda: django_rq.get_queue("default").enqueue("reid.jobs.match_new_detections", ids, job_timeout=JOB_TIMEOUT)
    )


def enqueue_run(run):
    """Queue a ReidRun (already saved with status queued); the RQ job id is the run id."""
    transaction.on_commit(
        lambda: django_rq.get_queue("default").enqueue(
            "reid.jobs.execute_run", str(run.id), job_id=f"reid-run-{run.id}", job_timeout=JOB_TIMEOUT,
        )
    )
    return run


def create_queued_run(kind, threshold, requested_by=None, review_threshold=None, dry_run=False, params=None):
    return ReidRun.objects.create(
        kind=kind, threshold=threshold, review_threshold=review_threshold, requested_by=requested_by,
        dry_run=dry_run, params=params or {},
    )
