"""Writes for exports: create (row + status copy + RQ job), cancel, look up for a user.

Order on create: Redis is checked first (503 before anything is written), the row is written in a
transaction, and after commit its status copy is published and the job enqueued with the job id as
RQ job id. If Redis fails at that point the row and key are removed again, so a 503 leaves nothing
half-created.
"""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from core import runner
from core.files import contained_file
from exports import files, jobs, status
from exports.models import ExportJob

logger = logging.getLogger(__name__)
QUEUE = "exports"


def queue():
    import django_rq

    return django_rq.get_queue(QUEUE)


def _enqueue(export):
    conn = status.connection()
    status.publish(export, create=True, conn=conn)
    try:
        runner.enqueue(export, jobs.run_export, str(export.id), queue=queue(), timeout=jobs.timeout(export.kind))
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
        export = ExportJob.objects.create(kind=kind, requested_by=user, params=params, total_count=total_count)
        transaction.on_commit(lambda: _enqueue(export))
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
    """Cancel a queued or running job, or delete a finished one: its key and file go.

    False (-> 404) when the key is missing or expired, or the job belongs to someone else.
    """
    doc, _ = status.read(job_id)
    if doc is None or not _may_see(user, doc.get("owner_id")):
        return False
    export = ExportJob.objects.filter(id=job_id).first()
    if export is not None:
        runner.cancel(export, status.connection())
    status.delete(job_id)  # a finished job's copy goes too: from here on nothing can be downloaded
    files.remove_all(job_id)
    return True


def parse_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def download_path(user, filename):
    """Path of an export file the user may download, or None (-> 404)."""
    match = files.EXPORT_FILENAME.match(filename or "")
    if not match or match["partial"]:
        return None
    doc, _ = status.read(match["job_id"])
    if doc is None or doc.get("status") != status.COMPLETED or doc.get("filename") != filename:
        return None
    if not _may_see(user, doc.get("owner_id")):
        return None
    return contained_file(settings.EXPORT_ROOT, Path(settings.EXPORT_ROOT) / filename)


def user_exports(user, limit=50):
    """The user's recent exports (their rows are their state)."""
    return list(ExportJob.objects.filter(requested_by=user)[:limit])
