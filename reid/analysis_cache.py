"""The threshold analysis, stored: reid.analysis.analyse() takes 13-29 s on the demo, so its result
is kept per parameter set (AnalysisSnapshot) with the data version it was computed at.

The data version is a hash of cheap aggregates (row counts and latest timestamps) over everything
the analysis reads: runs, profiles, review items and decisions, rejections, detections and their
corrections, calibrations (any other re-ID model with timestamps is included automatically), the
ground-truth file and the re-ID settings. A re-ID run, a reviewer decision, a merge or a new upload
changes it. A snapshot of the current version is served as is; an older one is never shown as
current: the API recomputes, the page shows it marked out of date while a background job
(``refresh``, queued at most once at a time) recomputes it, and after every re-ID run that job
keeps the default analysis warm.
"""

import hashlib
import logging
import time

import django_rq
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from redis.exceptions import RedisError

from reid.analysis import AnalysisError, analyse
from reid.models import AnalysisSnapshot

logger = logging.getLogger(__name__)
REFRESH_LOCK = "reid:analysis-refresh"
LOCK_SECONDS = 900
SKIPPED = {"SimilarityScore", "ReidAttempt", "MatchLock", "AnalysisSnapshot"}  # follow their runs


def _tracked_models():
    yield apps.get_model("detections", "Detection")
    yield apps.get_model("detections", "DetectionCorrection")
    for model in apps.get_app_config("reid").get_models():
        if model.__name__ not in SKIPPED:
            yield model


def data_version():
    """A short hash that changes whenever something the analysis reads changes."""
    parts = []
    for model in _tracked_models():
        stamps = [f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField) and f.concrete]
        if model.__name__ == "Detection":
            stamps = ["created_at", "reviewed_at"]  # taken_at changes only with new rows
        aggregates = {"n": models.Count("pk"), **{name: models.Max(name) for name in stamps}}
        values = model.objects.aggregate(**aggregates)
        parts.append(f"{model.__name__}:" + ",".join(str(values[k]) for k in sorted(values)))
    path = settings.GROUND_TRUTH_PATH
    try:
        stat = path.stat() if path else None
        parts.append(f"truth:{stat.st_size}:{stat.st_mtime_ns}" if stat else "truth:none")
    except OSError:
        parts.append("truth:none")
    parts.append(
        ",".join(f"{name}={getattr(settings, name)}" for name in sorted(dir(settings)) if name.startswith("REID_"))
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def key_for(run=None, step=0.05, ground_truth="auto"):
    return f"run={run.pk if run else 'default'};step={float(step):.4f};truth={ground_truth}"


def compute(run=None, step=0.05, ground_truth="auto", version=None):
    """Run the analysis now and store it; returns the snapshot."""
    version = version or data_version()
    started = time.perf_counter()
    try:
        result, error = analyse(run=run, step=step, ground_truth=ground_truth), ""
    except AnalysisError as exc:
        result, error = None, str(exc)
    snapshot, _ = AnalysisSnapshot.objects.update_or_create(
        key=key_for(run, step, ground_truth),
        defaults={
            "data_version": version,
            "result": result,
            "error": error,
            "computed_at": timezone.now(),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    snapshot.refresh_from_db()  # the result as stored (JSON), the same for every reader
    return snapshot


def current(run=None, step=0.05, ground_truth="auto"):
    """The snapshot for the current data: the stored one if still valid, else computed now."""
    version = data_version()
    snapshot = AnalysisSnapshot.objects.filter(key=key_for(run, step, ground_truth), data_version=version).first()
    return snapshot or compute(run, step, ground_truth, version)


def for_page(run=None, step=0.05, ground_truth="auto"):
    """(snapshot, fresh): a valid snapshot; or an out-of-date one while a background job
    recomputes it (fresh False: the page says so); or, with none stored or no job queue, computed now."""
    version = data_version()
    snapshot = AnalysisSnapshot.objects.filter(key=key_for(run, step, ground_truth)).first()
    if snapshot is not None and snapshot.data_version == version:
        return snapshot, True
    if snapshot is not None and run is None and queue_refresh():
        return snapshot, False
    return compute(run, step, ground_truth, version), True


def invalidate(run=None, step=0.05, ground_truth="auto"):
    """Mark the stored snapshot out of date (a reviewer asked for a recompute)."""
    AnalysisSnapshot.objects.filter(key=key_for(run, step, ground_truth)).update(data_version="")


def queue_refresh():
    """Queue ``refresh`` unless one is queued or running; False when the job queue is unavailable."""
    try:
        connection = django_rq.get_connection("default")
        if connection.set(REFRESH_LOCK, "1", nx=True, ex=LOCK_SECONDS):
            django_rq.get_queue("default").enqueue("reid.analysis_cache.refresh", job_timeout=LOCK_SECONDS)
        return True
    except RedisError as exc:
        logger.warning("Could not queue the re-ID analysis refresh (%s).", exc)
        return False


def refresh():
    """Background job: recompute the default analysis if the data changed since it was stored."""
    try:
        version = data_version()
        if not AnalysisSnapshot.objects.filter(key=key_for(), data_version=version).exists():
            compute(version=version)
    finally:
        try:
            django_rq.get_connection("default").delete(REFRESH_LOCK)
        except RedisError:
            pass
