import uuid

import numpy as np
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from core.data_version import Derived
from core.jobs import BackgroundJob, JobStatus
from core.vocabulary import SEXES
from reid.runs import EmbeddingError, ReidError


class Deer(models.Model):
    """An individual deer: the profile that detections are linked to by re-identification."""

    Sex = models.TextChoices("Sex", [(sex.upper(), sex) for sex in SEXES])

    class Status(models.TextChoices):
        ALIVE = "alive"
        DECEASED = "deceased"
        UNKNOWN = "unknown"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ALIVE)
    species = models.CharField(max_length=100, default="White-tailed deer (Odocoileus virginianus)")
    notes = models.TextField(blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    sighting_count = models.PositiveIntegerField(default=0, help_text="Valid detections linked to this deer")
    centroid = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    best_detection = models.ForeignKey(
        "detections.Detection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen", "name"]
        indexes = [
            models.Index(fields=["sex", "embedding_model"], name="deer_sex_model"),
            models.Index(fields=["last_seen"], name="deer_last_seen"),
        ]

    def __str__(self):
        return self.name or f"Deer {str(self.id)[:8]}"

    def get_centroid(self):
        if self.centroid is None:
            return None
        return np.frombuffer(bytes(self.centroid), dtype=np.float32)


class ReidRun(BackgroundJob):
    """One matching pass: live matching of new detections, a backfill, or a reprocess (a background
    job: core.jobs owns its state machine, core.runner carries it out and reconciles dead runs)."""

    Status = JobStatus

    class Kind(models.TextChoices):
        LIVE = "live"
        BACKFILL = "backfill"
        REPROCESS = "reprocess"
        EMBED = "embed"  # embeddings computed by the configured model (reid.embedding)
        CALIBRATE = "calibrate"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    threshold = models.FloatField()
    review_threshold = models.FloatField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    linked_count = models.PositiveIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    noun = "re-ID run"
    COUNTS = ("total_count", "processed_count", "linked_count", "review_count", "created_count")

    # The stage of a live or embed run waiting in the queue: at most one per kind (reid.live).
    WAITING = "waiting"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status=JobStatus.QUEUED, stage="waiting"),
                name="one_waiting_run_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.kind} run {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    def is_expected_error(self, exc):
        return isinstance(exc, ReidError | EmbeddingError)

    def readable_error(self, exc):
        return str(exc) if self.is_expected_error(exc) else super().readable_error(exc)

    def completion_fields(self):
        """What the run's work set on it: its counts, parameters and the detections it could not match."""
        return {name: getattr(self, name) for name in (*self.COUNTS, "params", "error")}


class SimilarityScore(Derived, models.Model):
    """One candidate score logged by a matching attempt (top-K per attempt)."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ReidRun, on_delete=models.CASCADE, related_name="scores")
    detection = models.ForeignKey("detections.Detection", on_delete=models.CASCADE, related_name="similarity_scores")
    deer = models.ForeignKey(Deer, on_delete=models.CASCADE, related_name="similarity_scores")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    sex_match = models.BooleanField()
    matched = models.BooleanField()
    threshold_used = models.FloatField()
    calculated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "detection", "rank"]
        indexes = [
            models.Index(fields=["run", "rank"], name="score_run_rank"),
            models.Index(fields=["detection", "rank"], name="score_detection_rank"),
            models.Index(fields=["deer"], name="score_deer"),
        ]

    def __str__(self):
        return f"{self.detection_id} ~ {self.deer_id}: {self.score:.3f}"


class MatchLock(Derived, models.Model):
    """A row that matching runs lock (SELECT ... FOR UPDATE) so that two runs never decide at the
    same time and create two profiles for one individual."""

    key = models.CharField(max_length=50, primary_key=True)

    def __str__(self):
        return self.key

    @classmethod
    def take(cls):
        """Take the matching lock for the current transaction."""
        cls.objects.select_for_update().get_or_create(key="matching")


class ReviewItem(models.Model):
    """A detection (with its burst) whose best candidate scored between REID_REVIEW_THRESHOLD and
    REID_THRESHOLD, waiting for a reviewer's decision."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        NEW_INDIVIDUAL = "new_individual"
        UNIDENTIFIABLE = "unidentifiable"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    detection = models.OneToOneField("detections.Detection", on_delete=models.CASCADE, related_name="reid_review")
    member_ids = models.JSONField(default=list, blank=True, help_text="All detections of the burst, as strings")
    run = models.ForeignKey(ReidRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    best_score = models.FloatField(null=True, blank=True)
    candidates = models.JSONField(default=list, blank=True, help_text='[{"deer_id": "...", "score": 0.71}, ...]')
    threshold = models.FloatField(null=True, blank=True)
    uncertainty = models.FloatField(
        null=True, blank=True, help_text="|P(same) of the best candidate - 0.5|: the queue asks the smallest first"
    )
    provisional_deer = models.ForeignKey(
        "Deer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The profile holding the item's detections provisionally until a reviewer decides (reid.fold)",
    )
    skipped_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "skipped_at", "created_at"], name="review_status_order")]

    def __str__(self):
        return f"review {self.detection_id} ({self.status})"


class ReviewAction(models.Model):
    """One reviewer decision on a review item, kept so that it can be undone."""

    class Action(models.TextChoices):
        ACCEPT = "accept"
        REJECT = "reject"
        NEW_INDIVIDUAL = "new_individual"
        UNIDENTIFIABLE = "unidentifiable"
        SKIP = "skip"

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=20, choices=Action.choices)
    deer = models.ForeignKey(Deer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_ids = models.JSONField(default=list, blank=True, help_text="Detections this action linked")
    previous_status = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} on {self.item_id}"


class RejectedCandidate(models.Model):
    """A reviewer said this detection is not this deer: never offered or matched again."""

    id = models.BigAutoField(primary_key=True)
    detection = models.ForeignKey("detections.Detection", on_delete=models.CASCADE, related_name="+")
    deer = models.ForeignKey(Deer, on_delete=models.CASCADE, related_name="+")
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["detection", "deer"], name="rejected_once")]

    def __str__(self):
        return f"{self.detection_id} is not {self.deer_id}"


class ReidAttempt(Derived, models.Model):
    """One matching attempt of a run, summarised (class, best and second score, best candidate,
    the deer it belongs to) so that the analysis reads one narrow row per attempt."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ReidRun, on_delete=models.CASCADE, related_name="attempts")
    detection = models.ForeignKey("detections.Detection", on_delete=models.CASCADE, related_name="+")
    classification = models.CharField(max_length=20)
    best_score = models.FloatField(null=True, blank=True)
    second_score = models.FloatField(null=True, blank=True)
    best_deer = models.ForeignKey(Deer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    own_deer = models.ForeignKey(
        Deer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The deer the detection belonged to (backfill) or was linked to",
    )

    class Meta:
        indexes = [models.Index(fields=["run"], name="attempt_run")]

    def __str__(self):
        return f"attempt {self.detection_id} (best {self.best_score})"


class ProfileAudit(models.Model):
    """One merge or split of deer profiles: who, when, what moved, and what is needed to undo it."""

    class Action(models.TextChoices):
        MERGE = "merge"
        SPLIT = "split"

    id = models.BigAutoField(primary_key=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    deer = models.ForeignKey(
        Deer, null=True, blank=True, on_delete=models.SET_NULL, related_name="audits", help_text="The profile kept"
    )
    other_ids = models.JSONField(default=list, blank=True, help_text="Merged-away or split-off profiles")
    moved = models.JSONField(default=dict, blank=True, help_text='{"<deer id>": ["<detection id>", ...]}')
    before = models.JSONField(default=dict, blank=True, help_text="What undo restores")
    summary = models.CharField(max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.summary


class AnalysisSnapshot(Derived, models.Model):
    """A stored result of reid.analysis.analyse() for one set of parameters, valid for the data
    version it was computed at (reid.analysis_cache)."""

    key = models.CharField(max_length=200, primary_key=True, help_text="run, step and ground-truth choice")
    data_version = models.CharField(max_length=64)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True, help_text="The AnalysisError message, when there was nothing to analyse")
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0.0, help_text="How long the computation took")

    def __str__(self):
        return f"analysis {self.key} at {self.computed_at:%Y-%m-%d %H:%M}"


class ReidCalibration(models.Model):
    """The fitted map score -> P(same individual) of one embedding model (reid.calibration), with
    the evidence it came from and the score thresholds matching uses (link / review band)."""

    embedding_model = models.CharField(max_length=100, unique=True)
    scores = models.JSONField(default=list, help_text="Score grid of the monotone map")
    probabilities = models.JSONField(default=list, help_text="P(same individual) at each grid score")
    prior = models.FloatField(default=0.0, help_text="Estimated share of same-individual pairs")
    link_threshold = models.FloatField(null=True, blank=True)
    review_threshold = models.FloatField(null=True, blank=True)
    enough_evidence = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True, help_text="Pairs per kind of evidence, detections, decisions")
    curve = models.JSONField(default=dict, blank=True, help_text="Expected pairwise figures per threshold")
    fitted_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"calibration of {self.embedding_model} ({self.fitted_at:%Y-%m-%d %H:%M})"

    def probability(self, score):
        """P(same individual) for a score (or an array of scores)."""
        if not self.scores:
            return None
        return np.interp(score, self.scores, self.probabilities)
