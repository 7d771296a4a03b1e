"""RQ job functions of the ``exports`` queue: thin wrappers that load the export by id and build it.

One wrapper (run_export) owns the state machine: start -> build into ``<name>.partial`` ->
rename -> completed; the user deleted the job -> stop and remove the partial file; any exception
-> failed with a readable message (no traceback) in Redis and in the history row, then re-raised
so the django-rq dashboard shows it too. A dead worker or a hard timeout is caught by the failure
callback and by exports.lifecycle.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

from exports import lifecycle, status
from exports.camtrap_dp import write_camtrap_dp
from exports.models import ExportJob
from exports.zip_archive import Cancelled, write_zip

logger = logging.getLogger(__name__)

PDF_TIMEOUT = 300
ZIP_TIMEOUT = 900


FILE_PREFIXES = {
    ExportJob.Kind.PDF: ("report", "pdf"),
    ExportJob.Kind.ZIP: ("detections", "zip"),
    ExportJob.Kind.CAMTRAP_DP: ("camtrap_dp", "zip"),
}
WHAT = {
    ExportJob.Kind.PDF: "PDF report",
    ExportJob.Kind.ZIP: "ZIP archive",
    ExportJob.Kind.CAMTRAP_DP: "Camtrap DP package",
}


def export_filename(kind, job_id, moment=None):
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d_%H%M%S")
    prefix, extension = FILE_PREFIXES[kind]
    return f"{prefix}_{job_id}_{stamp}.{extension}"


def readable_error(kind, exc):
    what = WHAT[kind]
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return f"The {what} could not be created: {detail}"


def build_pdf(export, path, progress):
    from reports.pdf import render_report_pdf

    def on_progress(stage, percent):
        if not progress.report(stage, percent):
            raise Cancelled()

    render_report_pdf(export.params, path, progress=on_progress)


def build_zip(export, path, progress):
    doc, _ = status.read(export.id)
    total = (doc or {}).get("total_count") or 0

    def on_progress(stage, percent, processed, force=False):
        return progress.report(stage, percent, processed, force=force)

    counts = write_zip(export.params, path, progress=on_progress, total=total)
    return {"processed_count": counts["processed"]}


def build_camtrap_dp(export, path, progress):
    doc, _ = status.read(export.id)
    total = (doc or {}).get("total_count") or 0

    def on_progress(stage, percent, processed, force=False):
        return progress.report(stage, percent, processed, force=force)

    counts = write_camtrap_dp(
        export.params, path, progress=on_progress, total=total, package_id=export.id, requested_by=export.requested_by
    )
    return {"processed_count": counts["processed"]}


BUILDERS = {ExportJob.Kind.PDF: build_pdf, ExportJob.Kind.ZIP: build_zip, ExportJob.Kind.CAMTRAP_DP: build_camtrap_dp}


def run_export(job_id):
    """Build one export (any kind) by its id; see the module docstring."""
    export = ExportJob.objects.filter(id=job_id).first()
    if export is None:
        status.fail(job_id, "The export's history row no longer exists.")
        return None
    if export.status != ExportJob.Status.PROCESSING or status.start(job_id) is None:
        return None  # deleted (cancelled) or expired before a worker got to it
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    filename = export_filename(export.kind, job_id)
    final, partial = root / filename, root / (filename + ".partial")
    progress = status.Progress(job_id)
    try:
        extra = BUILDERS[export.kind](export, partial, progress) or {}
        if not progress.alive:
            raise Cancelled()
        partial.replace(final)
        size = final.stat().st_size
        if status.complete(job_id, filename, size, **extra) is None:
            final.unlink(missing_ok=True)  # deleted by the user at the very last moment
            return None
        ExportJob.objects.filter(id=job_id, status=ExportJob.Status.PROCESSING).update(
            status=ExportJob.Status.COMPLETED, filename=filename, file_size_bytes=size, completed_at=timezone.now()
        )
        return filename
    except Cancelled:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        return None
    except JobTimeoutException:
        partial.unlink(missing_ok=True)
        lifecycle.record_failure(job_id, lifecycle.TIMED_OUT.format(seconds=_timeout(export.kind)))
        raise
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", job_id)
        lifecycle.record_failure(job_id, readable_error(export.kind, exc))
        raise


def _timeout(kind):
    return PDF_TIMEOUT if kind == ExportJob.Kind.PDF else ZIP_TIMEOUT


def on_failure(job, connection, exc_type, exc_value, traceback):
    """RQ failure callback: also called for abandoned jobs (worker killed) by registry cleanup."""
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        message = lifecycle.WORKER_DIED
    elif exc_type is not None and issubclass(exc_type, JobTimeoutException):
        message = lifecycle.TIMED_OUT.format(seconds=job.timeout)
    else:
        message = f"The export failed: {exc_value or getattr(exc_type, '__name__', 'unknown error')}"
    try:
        lifecycle.record_failure(job.id, message, conn=connection)
    except Exception:
        logger.exception("could not record the failure of export %s", job.id)


def on_stopped(job, connection):
    """RQ stopped callback (DELETE of a running job): the key is already gone; drop partial files."""
    for partial in Path(settings.EXPORT_ROOT).glob(f"*_{job.id}_*.partial*"):
        partial.unlink(missing_ok=True)
