"""Writes for exports: create (row + status key + RQ job), cancel, look up for a user.

Order on create: Redis is checked first (503 before anything is written), the history row is
written in a transaction, and after commit the status key is written and the job enqueued with
the job id as RQ job id. If Redis fails at that point the row and key are removed again, so a
503 leaves nothing half-created.
"""

import logging
import uuid
from pathlib import Path

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rq.callbacks import Callback
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus

from exports import jobs, status
from exports.lifecycle import EXPORT_FILENAME
from exports.models import ExportJob

logger = logging.getLogger(__name__)
QUEUE = "exports"


def queue():
    return django_rq.get_queue(QUEUE)


def _enqueue(export, total_count):
    conn = status.connection()
    status.create(export.id, export.kind, export.requested_by_id, total_count=total_count, conn=conn)
    try:
        queue().enqueue(
            jobs.run_export,
            str(export.id),
            job_id=str(export.id),
            job_timeout=jobs.PDF_TIMEOUT if export.kind == ExportJob.Kind.PDF else jobs.ZIP_TIMEOUT,
            result_ttl=settings.EXPORT_JOB_TTL,
            failure_ttl=settings.EXPORT_JOB_TTL,
            description=f"{export.kind} export {export.id}",
            on_failure=Callback(jobs.on_failure),
            on_stopped=Callback(jobs.on_stopped),
        )
    except Exception:
        try:
            status.delete(export.id, conn=conn)
        except Exception:
            logger.warning("could not remove the status key of export %s", export.id)
        ExportJob.objects.filter(id=export.id).delete()
        raise


def create_export(user, kind, params, total_count=0):
    """Create and enqueue an export; returns the ExportJob. Redis errors propagate (-> 503)."""
    status.connection().ping()
    with transaction.atomic():
        export = ExportJob.objects.create(kind=kind, requested_by=user, params=params)
        transaction.on_commit(lambda: _enqueue(export, total_count))
    return export


def visible_status(user, job_id):
    """(document, ttl) of a job the user may see, else (None, None): others get 404, never 403."""
    doc, ttl = status.read(job_id)
    if doc is None or not _may_see(user, doc.get("owner_id")):
        return None, None
    return doc, ttl


def _may_see(user, owner_id):
    return bool(user and user.is_authenticated and (user.is_superuser or owner_id == user.pk))


def cancel_export(user, job_id):
    """Cancel a queued job or stop a running one, delete its key and file.

    False (-> 404) when the key is missing or expired, or the job belongs to someone else.
    """
    doc, _ = status.read(job_id)
    if doc is None or not _may_see(user, doc.get("owner_id")):
        return False
    status.delete(job_id)  # from here on the worker can write nothing more
    _stop_rq_job(job_id)
    root = Path(settings.EXPORT_ROOT)
    filename = doc.get("filename") or ""
    if EXPORT_FILENAME.match(filename):
        (root / filename).unlink(missing_ok=True)
    for leftover in root.glob(f"*_{job_id}_*"):
        leftover.unlink(missing_ok=True)
    ExportJob.objects.filter(id=job_id, status=ExportJob.Status.PROCESSING).update(
        status=ExportJob.Status.CANCELLED, error="Cancelled by the user.", completed_at=timezone.now()
    )
    return True


def _stop_rq_job(job_id):
    conn = status.connection()
    try:
        job = Job.fetch(str(job_id), connection=conn)
    except NoSuchJobError:
        return
    job_status = job.get_status(refresh=False)
    try:
        if job_status == JobStatus.STARTED:
            send_stop_job_command(conn, str(job_id))
        elif job_status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
            job.cancel()
    except InvalidJobOperation:
        pass  # it ended meanwhile; the worker finds the key gone and removes its file


def parse_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def download_path(user, filename):
    """Path of an export file the user may download, or None (-> 404)."""
    match = EXPORT_FILENAME.match(filename or "")
    if not match or match["partial"]:
        return None
    doc, _ = status.read(match["job_id"])
    if doc is None or doc.get("status") != status.COMPLETED or doc.get("filename") != filename:
        return None
    if not _may_see(user, doc.get("owner_id")):
        return None
    path = Path(settings.EXPORT_ROOT) / filename
    return path if path.is_file() else None


def user_exports(user, limit=50):
    """The user's recent history rows with the live document where the key still exists."""
    rows = list(ExportJob.objects.filter(requested_by=user)[:limit])
    if not rows:
        return []
    docs = status.read_many([row.id for row in rows])
    return list(zip(rows, docs, strict=False))
