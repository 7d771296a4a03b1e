"""The state machine of a ReidRun: queued -> running -> completed | failed (with a readable error)."""

import logging

from django.utils import timezone

from reid.matching import EmbeddingError
from reid.models import ReidRun

logger = logging.getLogger(__name__)


class ReidError(Exception):
    """A re-identification request that cannot be carried out; the message says why."""


def execute(run, work):
    """Run `work(run)`, recording start, end and outcome on the run. Never raises."""
    run.status = ReidRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        work(run)
    except (ReidError, EmbeddingError) as exc:
        run.status, run.error = ReidRun.Status.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 - every failure must end as a readable status
        logger.exception("re-ID run %s failed", run.id)
        run.status, run.error = ReidRun.Status.FAILED, f"Unexpected error: {exc.__class__.__name__}: {exc}"
    else:
        run.status = ReidRun.Status.COMPLETED
    run.completed_at = timezone.now()
    run.save()
    return run


def save_progress(run, **counts):
    for name, value in counts.items():
        setattr(run, name, value)
    run.save(
        update_fields=["processed_count", "linked_count", "review_count", "created_count", "total_count", "params"]
    )
