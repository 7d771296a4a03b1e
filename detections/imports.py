"""Pipeline imports as background jobs: the API and the staff page upload a results file for
images already on the volume; an RQ worker reads and stores it (detections.pipeline) and reports
its progress on the PipelineImport row (core.jobs / core.runner).
"""

import logging
import uuid
from pathlib import Path

import django_rq
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

from core import runner
from detections import megadetector, pipeline, results_file, speciesnet
from detections.labels import LabelMap
from detections.models import PipelineImport

logger = logging.getLogger(__name__)
JOB_TIMEOUT = 3 * 3600
REPORT_LINES = 500
OPTION_NAMES = (
    "location",
    "create_locations",
    "image_root",
    "prefix",
    "min_confidence",
    "min_classifier_score",
    "animal_class",
)


def upload_folder():
    return Path(settings.MEDIA_ROOT) / "imports"


def start_import(file_format, upload, options, user=None):
    """Save the uploaded results file, create the queued job and send it to the queue after the commit.

    With Redis down the job is marked failed and the error re-raised (the API answers 503)."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}.json"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = PipelineImport.objects.create(
        format=file_format,
        results_file=str(path.relative_to(settings.MEDIA_ROOT)),
        options={name: options.get(name) for name in OPTION_NAMES if options.get(name) not in (None, "")},
        requested_by=user if user and user.is_authenticated else None,
    )

    def send():
        try:
            runner.enqueue(
                job,
                "detections.imports.run_import",
                str(job.pk),
                queue=django_rq.get_queue("default"),
                timeout=JOB_TIMEOUT,
                rq_job_id=f"pipeline-import-{job.pk}",
            )
        except RedisError:
            job.mark_failed("Job queue unavailable")
            path.unlink(missing_ok=True)
            raise

    transaction.on_commit(send)
    return job


def run_import(job_id):
    """The RQ job: carry out one queued PipelineImport."""
    job = PipelineImport.objects.get(pk=job_id)
    runner.execute(job, work)
    return str(job.pk)


def reader(file_format, path, options, label_map):
    """read(conversion) -> the results file's ingest items, streamed from the file."""
    settings_ = {
        "label_map": label_map,
        "min_confidence": options.get("min_confidence"),
        "min_classifier_score": options.get("min_classifier_score", 0.5),
        "animal_class": options.get("animal_class", "animal"),
        "image_root": options.get("image_root", ""),
        "prefix": options.get("prefix", ""),
    }
    module, key = (
        (speciesnet, "predictions") if file_format == PipelineImport.Format.SPECIESNET else (megadetector, "images")
    )
    document = results_file.open_results(path, key, PipelineImport.Format(file_format).label)
    return lambda conversion: module.items(document(), conversion, **settings_)


def work(job):
    path = Path(settings.MEDIA_ROOT) / job.results_file
    progress = runner.Progress(job)
    try:
        read = reader(job.format, path, job.options, LabelMap())
        locations = pipeline.location_resolver(job.options.get("location"), job.options.get("create_locations"))
        started = []

        def step(done, total):
            if not started:  # the file is read and checked: its size is known
                started.append(True)
                job.total_count = total
                if not job.report_progress("storing", 0, total_count=total, processed_count=0):
                    raise runner.Cancelled
            elif not progress.report("storing", 100 * done / max(total, 1), processed=done):
                raise runner.Cancelled

        conversion, totals = pipeline.import_stream(read, locations, progress=step)
    finally:
        path.unlink(missing_ok=True)
    lines = totals.pop("rejections") + conversion.report()
    job.summary = {**conversion.counts(), **totals}
    job.report = "\n".join(lines[:REPORT_LINES]) + (
        f"\n… {len(lines) - REPORT_LINES} more" if len(lines) > REPORT_LINES else ""
    )
    return {}
