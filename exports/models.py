import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.jobs import BackgroundJob, JobStatus
from core.redaction import hide_paths
from exports import files, status

logger = logging.getLogger(__name__)

# What each kind is called in its error messages.
WHAT = {
    "pdf": "PDF report",
    "zip": "ZIP archive",
    "camtrap_dp": "Camtrap DP package",
    "megadetector": "MegaDetector file",
    "training": "training dataset",
}


class ExportJob(BackgroundJob):
    """One export (its id is the API's job_id and the RQ job id). The row is the job's state; the
    live status document in Redis (exports.status) is a copy published on every transition."""

    Status = JobStatus

    class Kind(models.TextChoices):
        PDF = "pdf"
        ZIP = "zip"
        CAMTRAP_DP = "camtrap_dp"
        MEGADETECTOR = "megadetector"
        TRAINING = "training"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    file_size_bytes = models.BigIntegerField(null=True, blank=True)

    noun = "export"
    first_stage = "collecting"
    reraise_errors = True

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="exportjob_user_created")]

    def __str__(self):
        return f"{self.kind} export {self.id}"

    @property
    def state(self):
        """What the API's status document, the pages, the dashboard and the admin show (SPEC §4):
        queued and running read "processing"; "expired" is a completed export whose file is gone."""
        if self.is_active:
            return "processing"
        if self.status == JobStatus.COMPLETED and self.completed_at:
            if timezone.now() - self.completed_at > timedelta(seconds=int(settings.EXPORT_JOB_TTL)):
                return "expired"
        return self.status

    @property
    def title(self):
        """What the export holds, for the exports list: the report's title, or a description."""
        params = self.params or {}
        if params.get("title"):
            return params["title"]
        if params.get("detection_ids"):
            n = len(params["detection_ids"])
            return f"{n} selected detection{'s' if n != 1 else ''}"
        if self.kind == self.Kind.PDF:
            return "Comparison report" if params.get("report_type") == "comparison" else "Activity report"
        return {self.Kind.ZIP: "Detections (ZIP)", self.Kind.CAMTRAP_DP: "Camtrap DP package"}.get(self.kind, "")

    @property
    def date_range(self):
        """The dates the export covers ("2024-09-01 – 2024-11-30"), or "" when it names detections."""
        params = self.params or {}
        if params.get("start_date") and params.get("end_date"):
            return f"{params['start_date']} – {params['end_date']}"
        periods = params.get("comparison_periods") or []
        return "; ".join(f"{p.get('start_date')} – {p.get('end_date')}" for p in periods if isinstance(p, dict))

    @property
    def download_url(self):
        return f"/api/static/exports/{self.filename}" if self.state == JobStatus.COMPLETED else None

    def readable_error(self, exc):
        text = hide_paths(str(exc)).strip()
        detail = text.splitlines()[0][:300] if text else type(exc).__name__
        return f"The {WHAT[self.kind]} could not be created: {detail}"

    def state_changed(self):
        """Publish the row's copy. The transition has happened in the database already: Redis being
        unreachable must neither undo nor hide it, so it is logged, and the maintenance pass
        republishes the outcome once Redis is back (exports.resync)."""
        try:
            status.publish(self)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("export %s is %s; its status copy was not published (Redis: %s)", self.id, self.status, exc)

    def discard_output(self):
        files.remove_partials(self.id)
        if self.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            files.remove_all(self.id)

    def lost_reason(self, connection):
        """Its status copy is gone (expired, or deleted by its owner): nobody can see or fetch its outcome."""
        if not status.exists(self.id, conn=connection):
            return "The export's status expired before the export finished."
        return None
