"""RQ job function of the ``exports`` queue: load the export by id and build its file.

core.runner.execute owns the state machine; this module only builds: into ``<name>.partial``, renamed
when complete. Progress goes through the runner (row, then its Redis copy); when it says the job is
no longer running (the user deleted it), the build stops and the runner discards the partial file.
"""

from pathlib import Path

from django.conf import settings

from core import runner
from core.runner import Cancelled
from exports.camtrap_dp import write_camtrap_dp
from exports.files import export_filename
from exports.megadetector_export import write_megadetector
from exports.models import ExportJob
from exports.training_data import write_training_data
from exports.zip_archive import write_zip

PDF_TIMEOUT = 300
ZIP_TIMEOUT = 900


def timeout(kind):
    return PDF_TIMEOUT if kind == ExportJob.Kind.PDF else ZIP_TIMEOUT


def build_pdf(export, path, progress):
    from reports.pdf import render_report_pdf  # WeasyPrint loads only in the job that renders a PDF

    def on_progress(stage, percent):
        if not progress.report(stage, percent):
            raise Cancelled()

    render_report_pdf(export.params, path, progress=on_progress)
    return {}


def build_zip(export, path, progress):
    counts = write_zip(export.params, path, progress=progress.report, total=export.total_count)
    return {"processed_count": counts["processed"]}


def build_camtrap_dp(export, path, progress):
    counts = write_camtrap_dp(
        export.params,
        path,
        progress=progress.report,
        total=export.total_count,
        package_id=export.id,
        requested_by=export.requested_by,
    )
    return {"processed_count": counts["processed"]}


def build_megadetector(export, path, progress):
    total = export.total_count or 0

    def on_progress(counts):
        if not progress.report(
            "writing", min(99, counts["processed"] * 100 // total) if total else 0, counts["processed"]
        ):
            raise Cancelled()

    counts = write_megadetector(export.params, path, progress=on_progress)
    return {"processed_count": counts["processed"]}


def build_training(export, path, progress):
    counts = write_training_data(export.params, path, progress=progress.report)
    return {"processed_count": counts["processed"]}


BUILDERS = {
    ExportJob.Kind.PDF: build_pdf,
    ExportJob.Kind.ZIP: build_zip,
    ExportJob.Kind.CAMTRAP_DP: build_camtrap_dp,
    ExportJob.Kind.MEGADETECTOR: build_megadetector,
    ExportJob.Kind.TRAINING: build_training,
}


def build(export):
    """Write the export's file; returns the fields recorded with its completion."""
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    filename = export_filename(export.kind, export.id)
    final, partial = root / filename, root / (filename + ".partial")
    progress = runner.Progress(export)
    extra = BUILDERS[export.kind](export, partial, progress)
    if not progress.alive:
        raise Cancelled()
    partial.replace(final)
    return {"filename": filename, "file_size_bytes": final.stat().st_size, **extra}


def run_export(job_id):
    """Build one export (any kind) by its id."""
    export = ExportJob.objects.filter(id=job_id).first()
    if export is None:
        return None
    runner.execute(export, build)
    return export.filename if export.status == ExportJob.Status.COMPLETED else None
