"""Keeping export jobs honest: stuck jobs become failed, expired files are deleted.

Run by every worker's maintenance pass (exports.worker.HerdbookWorker, every
EXPORT_MAINTENANCE_INTERVAL seconds, one worker at a time) and by ``manage.py cleanup_exports``.
"""

import logging
import re
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from exports import status
from exports.models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_FILENAME = re.compile(
    r"^(?:report|detections|camtrap_dp)_(?P<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"_\d{8}_\d{6}\.(?:pdf|zip)(?P<partial>\.partial.*)?$"
)
MAINTENANCE_LOCK = "exports:maintenance-lock"
WORKER_DIED = (
    "The worker running this export stopped (killed or crashed) before it finished. Please start the export again."
)
TIMED_OUT = "The export took longer than its time limit of {seconds} s and was stopped. Try a smaller date range or fewer detections."
LOST = "The export job was lost by the job queue (Redis restarted or dropped it). Please start the export again."
STOPPED = "The export was stopped before it finished."
EXPIRED = "The export's status expired before the export finished."


def failure_message(exc_string, timeout=None):
    """A readable reason from an RQ failure description (never a traceback)."""
    text = exc_string or ""
    if "JobTimeoutException" in text:
        return TIMED_OUT.format(seconds=timeout or "?")
    if "Work-horse terminated" in text or "AbandonedJobError" in text or "abandoned" in text.lower():
        return WORKER_DIED
    if "stopped by user" in text:
        return STOPPED
    last = [line for line in text.strip().splitlines() if line.strip()]
    return f"The export failed: {last[-1][:300]}" if last else "The export failed for an unknown reason."


def record_failure(job_id, message, conn=None):
    """Delete the job's partial file, then mark it failed in Redis (if it is still processing) and
    in its history row: a job that reads failed has no file left behind."""
    for partial in Path(settings.EXPORT_ROOT).glob(f"*_{job_id}_*.partial*"):
        partial.unlink(missing_ok=True)
    status.fail(job_id, message, conn=conn)
    ExportJob.objects.filter(id=job_id, status=ExportJob.Status.PROCESSING).update(
        status=ExportJob.Status.FAILED, error=message, completed_at=timezone.now()
    )


def reconcile_job(row, conn):
    """Bring one 'processing' history row and its Redis status in line with what RQ knows."""
    doc, _ = status.read(row.id, conn=conn)
    if doc is None:
        ExportJob.objects.filter(id=row.id, status=ExportJob.Status.PROCESSING).update(
            status=ExportJob.Status.FAILED, error=EXPIRED, completed_at=timezone.now()
        )
        return "expired"
    if doc["status"] == status.COMPLETED:
        ExportJob.objects.filter(id=row.id, status=ExportJob.Status.PROCESSING).update(
            status=ExportJob.Status.COMPLETED,
            filename=doc["filename"] or "",
            file_size_bytes=doc["file_size_bytes"],
            completed_at=timezone.now(),
        )
        return "completed"
    if doc["status"] == status.FAILED:
        record_failure(row.id, doc.get("error") or "The export failed.", conn=conn)
        return "failed"
    try:
        job = Job.fetch(str(row.id), connection=conn)
    except NoSuchJobError:
        record_failure(row.id, LOST, conn=conn)
        return "lost"
    job_status = job.get_status(refresh=False)
    if job_status == JobStatus.FAILED:
        result = job.latest_result()
        record_failure(row.id, failure_message(getattr(result, "exc_string", ""), job.timeout), conn=conn)
        return "failed"
    if job_status in (JobStatus.STOPPED, JobStatus.CANCELED):
        record_failure(row.id, STOPPED, conn=conn)
        return "stopped"
    if job_status == JobStatus.FINISHED:
        # The function returned without writing an outcome (it cannot, but never leave it hanging).
        record_failure(row.id, "The export ended without producing a file.", conn=conn)
        return "failed"
    return "running"


def reconcile_stuck_jobs(conn=None):
    conn = conn or status.connection()
    outcomes = {}
    for row in ExportJob.objects.filter(status=ExportJob.Status.PROCESSING).only("id"):
        outcome = reconcile_job(row, conn)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def cleanup_expired_files(conn=None, partial_grace_seconds=None):
    """Delete export files whose status key is gone; returns the deleted file names."""
    conn = conn or status.connection()
    root = Path(settings.EXPORT_ROOT)
    if not root.is_dir():
        return []
    grace = partial_grace_seconds if partial_grace_seconds is not None else 60
    deleted = []
    for path in root.iterdir():
        match = EXPORT_FILENAME.match(path.name)
        if not match or not path.is_file():
            continue
        if status.exists(match["job_id"], conn=conn):
            continue
        if match["partial"] and time.time() - path.stat().st_mtime < grace:
            continue  # a job being written right now whose key was just deleted: its worker removes it
        path.unlink(missing_ok=True)
        deleted.append(path.name)
    return deleted


def run_maintenance(connection=None, lock_seconds=25):
    """One pass (skipped when another worker holds the lock): reconcile, then clean up files."""
    conn = connection or status.connection()
    if not conn.set(MAINTENANCE_LOCK, "1", nx=True, ex=lock_seconds):
        return None
    outcomes = reconcile_stuck_jobs(conn)
    deleted = cleanup_expired_files(conn)
    if deleted or any(k != "running" for k in outcomes):
        logger.info("exports maintenance: jobs %s, deleted files %s", outcomes, deleted)
    return {"jobs": outcomes, "deleted": deleted}
