"""Live matching of new detections: one debounced run for everything pending.

Ingest announces new detections (detections_created, after commit); ``mark_and_queue`` flags the
matchable ones ``reid_pending`` and makes sure one live run is waiting in the queue. At most one
run waits at a time (a unique constraint on runs whose status is queued and stage "waiting"), so a
burst of uploads makes one run, not one job per image. The run reads what is pending when it starts
(after it is marked running, which frees the waiting slot; it first lets REID_LIVE_DEBOUNCE_SECONDS
pass since it was queued, so that a burst of uploads is matched in one go): what arrives while it runs is flagged
and queues exactly one follow-up run. A run that fails leaves its detections pending for the next.
"""

import logging
import time

import django_rq
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from core import runner
from core.jobs import JobStatus
from detections.models import Detection
from reid.models import ReidRun
from reid.queueing import JOB_TIMEOUT
from reid.selectors import matchable_detections, needing_embeddings, nominal_thresholds
from reid.services import run_matching

logger = logging.getLogger(__name__)


def mark_pending(detection_ids):
    """Flag the matchable, unassigned detections among `detection_ids`; returns how many."""
    return matchable_detections().filter(id__in=list(detection_ids)).update(reid_pending=True)


AT_RUN_TIME = "at run time"  # the calibrated rules are read when the run starts, not in the upload's request


def queue_live_run():
    return queue_waiting_run(ReidRun.Kind.LIVE, "reid.jobs.execute_live_run")


def queue_waiting_run(kind, func):
    """Queue one run of `kind` unless one is waiting already; returns the new run or None.
    With Redis down nothing is queued (the detections stay pending for the next upload or
    ``manage.py reid_match``) and the ingest is not disturbed."""
    if ReidRun.objects.filter(kind=kind, status=JobStatus.QUEUED, stage=ReidRun.WAITING).exists():
        return None
    threshold, review = nominal_thresholds()  # shown until the run decides (in probability unless overridden)
    params = {"detection_ids": "pending"}
    if settings.REID_THRESHOLD is None:
        params["calibrated"] = AT_RUN_TIME
    try:
        with transaction.atomic():
            run = ReidRun.objects.create(
                kind=kind, stage=ReidRun.WAITING, threshold=threshold, review_threshold=review, params=params
            )
    except IntegrityError:
        return None  # another process queued it a moment ago
    try:
        runner.enqueue(
            run,
            func,
            str(run.id),
            queue=django_rq.get_queue("default"),
            timeout=JOB_TIMEOUT,
            rq_job_id=f"reid-run-{run.id}",
        )
    except RedisError as exc:
        ReidRun.objects.filter(pk=run.pk, status=JobStatus.QUEUED).delete()  # never sent: nothing to show
        logger.warning("Could not queue live re-ID (%s); the detections stay pending (manage.py reid_match).", exc)
        return None
    return run


def mark_and_queue(detection_ids):
    """Receiver of detections_created (after the ingest's commit). With REID_EMBEDDING_MODEL set,
    deer sightings that came without an embedding queue an embedding run first (reid.embedding),
    which hands what it embedded back here."""
    if settings.REID_EMBEDDING_MODEL and needing_embeddings().filter(id__in=list(detection_ids)).exists():
        queue_waiting_run(ReidRun.Kind.EMBED, "reid.jobs.execute_embed_run")
    if mark_pending(detection_ids):
        queue_live_run()


class PendingIds:
    """The pending detections, read once when the run lists them (after it is marked running)."""

    def __init__(self):
        self.ids = None

    def __iter__(self):
        if self.ids is None:
            self.ids = list(Detection.objects.filter(reid_pending=True).values_list("id", flat=True))
        return iter(self.ids)


def execute_live_run(run_id):
    """Match every detection pending when the run starts, then clear their flag (only on success)."""
    run = ReidRun.objects.get(pk=run_id)
    wait = (run.created_at - timezone.now()).total_seconds() + settings.REID_LIVE_DEBOUNCE_SECONDS
    if wait > 0:
        time.sleep(wait)  # still queued and waiting: the uploads of the next moments join this run
    pending = PendingIds()
    run = run_matching(run=run, detection_ids=pending)
    if run.status == JobStatus.COMPLETED and pending.ids:
        Detection.objects.filter(id__in=pending.ids).update(reid_pending=False)
    return str(run.id)
