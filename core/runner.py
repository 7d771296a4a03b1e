"""Carrying out background jobs: enqueue, execute, cancel, and reconcile what died.

Every job model inherits core.jobs.BackgroundJob; every RQ job function and every inline command
goes through ``execute``, which owns the state machine (learnt from NetBox's JobRunner.handle):
running -> work -> completed; the job was cancelled meanwhile -> stop, discard the output; any
exception -> failed with a readable message (no traceback). What cannot run that code (a worker
killed, a horse past its hard timeout, a job lost by Redis) is caught by the RQ failure callback
and by ``reconcile``, which every worker's maintenance pass runs (core.worker).
"""

import logging
import os
import socket
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from rq import get_current_job
from rq.callbacks import Callback
from rq.command import send_stop_job_command
from rq.exceptions import AbandonedJobError, InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.timeouts import JobTimeoutException

from core.jobs import ACTIVE, BackgroundJob, JobStatus

logger = logging.getLogger(__name__)

WORKER_DIED = (
    "The worker running this {noun} stopped (killed or crashed) before it finished. Please start the {noun} again."
)
TIMED_OUT = "The {noun} took longer than its time limit of {seconds} s and was stopped. Try a smaller date range or fewer detections."
LOST = "The {noun} job was lost by the job queue (Redis restarted or dropped it). Please start the {noun} again."
STOPPED = "The {noun} was stopped before it finished."
NO_OUTCOME = "The {noun} ended without recording an outcome."
# A queued row whose enqueue has not happened after this long was never sent to the queue.
ENQUEUE_GRACE = timedelta(minutes=1)


class Cancelled(Exception):
    """Raised by a job's work when report_progress says the job is no longer running."""


def job_models():
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


def message(template, job, **values):
    return template.format(noun=job.noun, **values)


# -- enqueue ------------------------------------------------------------------------------------


def enqueue(job, func, *args, queue, timeout, rq_job_id=None):
    """Send a saved job row to an RQ queue (call it after commit). The RQ job id is chosen first;
    the row records it once the queue has the job, so ``reconcile`` can tell queued from lost."""
    rq_job_id = rq_job_id or str(job.pk)
    queue.enqueue(
        func,
        *args,
        job_id=rq_job_id,
        job_timeout=timeout,
        result_ttl=settings.EXPORT_JOB_TTL,
        failure_ttl=settings.EXPORT_JOB_TTL,
        description=f"{job._meta.verbose_name} {job.pk}",
        on_failure=Callback(on_failure),
        on_stopped=Callback(on_stopped),
    )
    type(job).objects.filter(pk=job.pk, rq_job_id="").update(rq_job_id=rq_job_id)
    job.rq_job_id = rq_job_id


def inline_tag():
    """Who runs a job outside RQ (a manage.py command): the process, so a dead one can be told."""
    return f"pid:{os.getpid()}@{socket.gethostname()}"


# -- execute ------------------------------------------------------------------------------------


def execute(job, work):
    """Carry out ``work(job)`` (which returns the fields to record on completion, or None).

    Returns the job. An unexpected error is re-raised after it is recorded when the model says
    so (``reraise_errors``: RQ then shows it too); a timeout always is, so RQ sees it."""
    current = get_current_job()
    lost = job.lost_reason(None) if job.status == JobStatus.QUEUED else None
    if lost:  # e.g. its status copy expired while it waited: nobody can see its outcome
        fail(job, lost)
        return job
    if not job.mark_running(rq_job_id=current.id if current else inline_tag()):
        return job  # cancelled or failed before it started, or carried out already
    try:
        fields = work(job) or {}
    except Cancelled:
        job.discard_output()
        return job
    except JobTimeoutException:
        fail(job, message(TIMED_OUT, job, seconds=current.timeout if current else "?"))
        raise
    except Exception as exc:
        if not job.is_expected_error(exc):
            logger.exception("%s %s failed", job.noun, job.pk)
        fail(job, job.readable_error(exc))
        if job.reraise_errors:
            raise
        return job
    if not job.mark_completed(**{**job.completion_fields(), **fields}):
        job.discard_output()  # cancelled (or failed by reconcile) at the very last moment
    return job


def fail(job, reason):
    """Discard what the job left behind, then mark it failed: a job that reads failed has no partial file."""
    job.discard_output()
    return job.mark_failed(reason)


class Progress:
    """Throttled progress reports (at most one write per ``min_interval`` s per stage).

    ``report(...)`` returns False once the job is no longer running (cancelled): stop then."""

    def __init__(self, job, min_interval=0.3):
        self.job = job
        self.min_interval = min_interval
        self.last_write = 0.0
        self.last_stage = None
        self.alive = True

    def report(self, stage, percent=None, processed=None, force=False):
        if not self.alive:
            return False
        now = time.monotonic()
        if not force and stage == self.last_stage and now - self.last_write < self.min_interval:
            return True
        counts = {} if processed is None else {"processed_count": int(processed)}
        self.alive = self.job.report_progress(stage, percent, **counts)
        self.last_write, self.last_stage = now, stage
        return self.alive


# -- cancel -------------------------------------------------------------------------------------


def cancel(job, connection):
    """Cancel a queued or running job: the row first (so its worker can write nothing more), then
    the RQ job is cancelled or its horse stopped, then its output discarded. False if it had ended."""
    cancelled = job.mark_cancelled()
    if cancelled and job.rq_job_id and not job.rq_job_id.startswith("pid:"):
        try:
            rq_job = Job.fetch(job.rq_job_id, connection=connection)
            if rq_job.get_status(refresh=False) == RQStatus.STARTED:
                send_stop_job_command(connection, rq_job.id)
            elif rq_job.get_status(refresh=False) in (RQStatus.QUEUED, RQStatus.DEFERRED, RQStatus.SCHEDULED):
                rq_job.cancel()
        except (NoSuchJobError, InvalidJobOperation):
            pass  # it ended meanwhile; its worker finds the row cancelled and discards its output
    job.discard_output()
    return cancelled


# -- RQ callbacks -------------------------------------------------------------------------------


def _rows_of(rq_job_id):
    for model in job_models():
        yield from model.objects.filter(rq_job_id=rq_job_id, status__in=ACTIVE)


def on_failure(rq_job, connection, exc_type, exc_value, traceback):
    """RQ failure callback; registry cleanup also calls it for abandoned jobs (worker killed)."""
    for job in _rows_of(rq_job.id):
        if exc_type is not None and issubclass(exc_type, AbandonedJobError):
            reason = message(WORKER_DIED, job)
        elif exc_type is not None and issubclass(exc_type, JobTimeoutException):
            reason = message(TIMED_OUT, job, seconds=rq_job.timeout)
        else:
            reason = job.readable_error(exc_value or exc_type)
        try:
            fail(job, reason)
        except Exception:
            logger.exception("could not record the failure of %s %s", job.noun, job.pk)


def on_stopped(rq_job, connection):
    """RQ stopped callback (a running job cancelled): the row is cancelled already; drop its output."""
    for model in job_models():
        for job in model.objects.filter(rq_job_id=rq_job.id):
            job.discard_output()


# -- reconcile ----------------------------------------------------------------------------------


def failure_message(job, exc_string, timeout=None):
    """A readable reason from an RQ failure description (never a traceback)."""
    text = exc_string or ""
    if "JobTimeoutException" in text:
        return message(TIMED_OUT, job, seconds=timeout or "?")
    if "Work-horse terminated" in text or "AbandonedJobError" in text or "abandoned" in text.lower():
        return message(WORKER_DIED, job)
    if "stopped by user" in text:
        return message(STOPPED, job)
    last = [line for line in text.strip().splitlines() if line.strip()]
    return f"The {job.noun} failed: {last[-1][:300]}" if last else f"The {job.noun} failed for an unknown reason."


def _inline_process_is_gone(tag):
    """True when an inline run's process (pid:N@host) is on this host and no longer exists."""
    pid, _, host = tag[len("pid:") :].partition("@")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reconcile_job(job, connection):
    """Bring one active job in line with what the queue knows; returns the outcome's name."""
    reason = job.lost_reason(connection)
    if reason:
        fail(job, reason)
        return "expired"
    if not job.rq_job_id:
        if job.status == JobStatus.QUEUED and timezone.now() - job.created_at > ENQUEUE_GRACE:
            fail(job, message(LOST, job))
            return "lost"
        return "running"
    if job.rq_job_id.startswith("pid:"):
        if _inline_process_is_gone(job.rq_job_id):
            fail(job, message(WORKER_DIED, job))
            return "failed"
        return "running"
    try:
        rq_job = Job.fetch(job.rq_job_id, connection=connection)
    except NoSuchJobError:
        fail(job, message(LOST, job))
        return "lost"
    rq_status = rq_job.get_status(refresh=False)
    if rq_status == RQStatus.FAILED:
        result = rq_job.latest_result()
        fail(job, failure_message(job, getattr(result, "exc_string", ""), rq_job.timeout))
        return "failed"
    if rq_status in (RQStatus.STOPPED, RQStatus.CANCELED):
        fail(job, message(STOPPED, job))
        return "stopped"
    if rq_status == RQStatus.FINISHED:
        fail(job, message(NO_OUTCOME, job))
        return "failed"
    return "running"


def reconcile(connection):
    """Every active job of every job model checked once: dead, timed-out and lost ones read failed."""
    outcomes = {}
    for model in job_models():
        for job in model.objects.filter(status__in=ACTIVE):
            outcome = reconcile_job(job, connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
