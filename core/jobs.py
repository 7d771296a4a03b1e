"""The one state machine of background work: every job model (exports, re-ID runs) inherits it.

    queued ──► running ──► completed
       │          ├──────► failed
       └──────────┴──────► cancelled          (failed also from queued: lost or never started)

Every transition is one conditional UPDATE (``WHERE status IN (<allowed from>)``): a finished job can
never be moved again, whoever tries (a late worker, the failure callback, the maintenance pass, a
cancel). The database row is the only truth; a model that publishes a copy elsewhere (the export's
Redis document) does it in ``state_changed``, after a transition that took effect.
"""

from django.db import models
from django.utils import timezone

from core.redaction import hide_paths


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class BackgroundJob(models.Model):
    """Abstract base: status, stage, progress, error and timestamps, with guarded transitions."""

    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=20, blank=True, default="queued")
    progress_percent = models.PositiveSmallIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    processed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    rq_job_id = models.CharField(max_length=64, blank=True, help_text="The RQ job carrying it out, if any")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    # What the job is called in messages ("The export ...", "The re-ID run ...").
    noun = "job"

    class Meta:
        abstract = True

    # -- reading -------------------------------------------------------------------------------

    @property
    def state(self):
        """What every reader shows: queued, running, completed, failed, cancelled (or expired, see
        subclasses). One property, so the API, pages, dashboard and admin never work it out again."""
        return self.status

    @property
    def is_active(self):
        return self.status in ACTIVE

    # -- transitions (each a conditional update) -----------------------------------------------

    def _transition(self, allowed_from, **fields):
        """UPDATE ... WHERE pk AND status IN allowed_from; True (and self updated) if it took effect."""
        changed = type(self).objects.filter(pk=self.pk, status__in=allowed_from).update(**fields)
        if not changed:
            self.refresh_from_db()
            return False
        for name, value in fields.items():
            setattr(self, name, value)
        self.state_changed()
        return True

    def mark_running(self, rq_job_id=None):
        fields = {"status": JobStatus.RUNNING, "started_at": timezone.now(), "stage": self.first_stage}
        if rq_job_id:
            fields["rq_job_id"] = rq_job_id
        return self._transition([JobStatus.QUEUED], **fields)

    def report_progress(self, stage=None, percent=None, **counts):
        """Progress of a running job; False once it is no longer running (cancelled, failed meanwhile):
        the caller must stop and leave nothing behind."""
        fields = dict(counts)
        if stage is not None:
            fields["stage"] = stage
        if percent is not None:
            fields["progress_percent"] = max(0, min(100, int(percent)))
        return self._transition([JobStatus.RUNNING], **fields)

    def mark_completed(self, **fields):
        fields.setdefault("stage", "done")
        return self._transition(
            [JobStatus.RUNNING],
            status=JobStatus.COMPLETED,
            progress_percent=100,
            error=fields.pop("error", ""),
            completed_at=timezone.now(),
            **fields,
        )

    def mark_failed(self, error):
        """A readable reason (no traceback); only an active job can fail."""
        return self._transition(ACTIVE, status=JobStatus.FAILED, error=str(error)[:2000], completed_at=timezone.now())

    def mark_cancelled(self, reason="Cancelled by the user."):
        return self._transition(ACTIVE, status=JobStatus.CANCELLED, error=reason, completed_at=timezone.now())

    # -- hooks for subclasses ------------------------------------------------------------------

    first_stage = "running"
    # Re-raise an unexpected error after recording it (RQ then lists the job as failed too).
    reraise_errors = False

    def is_expected_error(self, exc):
        """An error whose message is already readable (not logged with a traceback)."""
        return False

    def readable_error(self, exc):
        return f"Unexpected error: {exc.__class__.__name__}: {hide_paths(str(exc))}"

    def completion_fields(self):
        """Fields the work set on the instance that are recorded with the completion."""
        return {}

    def lost_reason(self, connection):
        """Why an active job is lost beyond what the queue tells (e.g. its status copy expired), or None."""
        return None

    def state_changed(self):
        """Called after every transition that took effect (e.g. to publish a copy of the state)."""

    def discard_output(self):
        """Remove what an unfinished run left behind (partial files); called when it fails or is cancelled."""
