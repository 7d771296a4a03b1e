"""The threshold analysis, stored: reid.analysis.analyse() takes 13-29 s on the demo, so its result
is kept per parameter set (AnalysisSnapshot) with the data version it was computed at.

The data version is core.data_version's counter (bumped by every committed write to the detection
and re-ID tables: a reviewer decision, a merge, a new upload or correction) plus the completed re-ID
runs (job rows, which do not bump the counter), the ground-truth file and the re-ID settings.
Storing a snapshot, logging scores and attempts do not bump it (core.data_version.Derived), so a
snapshot is not made stale by being stored. Without Redis the version is unknown and nothing stored
is served as current: the analysis is computed afresh, as reports are.

A snapshot of the current version is served as is; an older one is never shown as current: the API
recomputes, the page shows it marked out of date while a background job (``refresh``, queued at
most once at a time) recomputes it, and after every re-ID run that job keeps the default analysis warm.
"""

import hashlib
import logging
import time

import django_rq
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from redis.exceptions import RedisError

from core import data_version as counter
from reid.analysis import AnalysisError, analyse
from reid.models import AnalysisSnapshot, ReidRun

logger = logging.getLogger(__name__)
REFRESH_LOCK = "reid:analysis-refresh"
LOCK_SECONDS = 900
UNKNOWN = ""  # no version: matches no stored snapshot


def data_version():
    """A short string that changes whenever something the analysis reads changes ("" without Redis)."""
    written = counter.current()
    if written is None:
        return UNKNOWN
    runs = ReidRun.objects.filter(status=ReidRun.Status.COMPLETED).aggregate(n=Count("pk"), last=Max("completed_at"))
    parts = [f"runs:{runs['n']}:{runs['last']}"]
    path = settings.GROUND_TRUTH_PATH
    try:
        stat = path.stat() if path else None
        parts.append(f"truth:{stat.st_size}:{stat.st_mtime_ns}" if stat else "truth:none")
    except OSError:
        parts.append("truth:none")
    parts.append(
        ",".join(f"{name}={getattr(settings, name)}" for name in sorted(dir(settings)) if name.startswith("REID_"))
    )
    return f"{written}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def key_for(run=None, step=0.05, ground_truth="auto"):
    return f"run={run.pk if run else 'default'};step={float(step):.4f};truth={ground_truth}"


def compute(run=None, step=0.05, ground_truth="auto", version=None):
    """Run the analysis now and store it; returns the snapshot."""
    version = data_version() if version is None else version
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
    snapshot = _stored(key_for(run, step, ground_truth), version)
    return snapshot or compute(run, step, ground_truth, version)


def _stored(key, version):
    """The snapshot stored under key for this version (none when the version is unknown)."""
    return AnalysisSnapshot.objects.filter(key=key, data_version=version).first() if version else None


def for_page(run=None, step=0.05, ground_truth="auto"):
    """(snapshot, fresh): a valid snapshot; or an out-of-date one while a background job
    recomputes it (fresh False: the page says so); or, with none stored or no job queue, computed now."""
    version = data_version()
    snapshot = AnalysisSnapshot.objects.filter(key=key_for(run, step, ground_truth)).first()
    if snapshot is not None and version and snapshot.data_version == version:
        return snapshot, True
    if snapshot is not None and run is None and queue_refresh():
        return snapshot, False
    return compute(run, step, ground_truth, version), True


def invalidate(run=None, step=0.05, ground_truth="auto"):
    """Mark the stored snapshot out of date (a reviewer asked for a recompute)."""
    AnalysisSnapshot.objects.filter(key=key_for(run, step, ground_truth)).update(data_version=UNKNOWN)


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
        if _stored(key_for(), version) is None:
            compute(version=version)
    finally:
        try:
            django_rq.get_connection("default").delete(REFRESH_LOCK)
        except RedisError:
            pass
