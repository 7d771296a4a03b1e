import uuid
import zoneinfo

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce

from core.jobs import BackgroundJob
from core.vectors import VectorError, l2_normalise
from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES
from detections.import_errors import FormatError, LabelMapError

Classification = models.TextChoices("Classification", [(name.upper(), name) for name in CLASSIFICATIONS])


def validate_timezone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"'{value}' is not an IANA time zone name (for example America/Chicago).") from None


def default_timezone():
    return settings.TIME_ZONE


class Location(models.Model):
    """A camera site."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    timezone = models.CharField(max_length=64, default=default_timezone, validators=[validate_timezone])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)


class Image(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="images")
    file = models.CharField(max_length=500, help_text="Path relative to IMAGE_ROOT")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField()
    exif = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMPLETED)
    error_message = models.TextField(blank=True)
    # The pipeline that looked at the image (MegaDetector info.detector / info.classifier, SpeciesNet model_version)
    detector_model = models.CharField(max_length=200, blank=True)
    classifier_model = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [
            models.Index(fields=["location", "taken_at"], name="image_location_taken"),
            models.Index(fields=["taken_at"], name="image_taken"),
        ]

    def __str__(self):
        return self.filename

    @property
    def path(self):
        return settings.IMAGE_ROOT / self.file


class DetectionQuerySet(models.QuerySet):
    def deer_sightings(self):
        """Valid, non-duplicate detections whose effective class is a deer class."""
        return self.filter(is_valid=True, is_duplicate=False, effective_classification__in=DEER_CLASSES)

    def matchable(self):
        """Deer sightings with an embedding: the detections re-identification can compare."""
        return self.deer_sightings().exclude(embedding=None)


class Detection(models.Model):
    """One bounding box a model found in an image.

    `taken_at` and `location` repeat the image's values so that reports aggregate over one table
    with matching indexes; they are set from the image when the detection is created.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="detections")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", editable=False)
    taken_at = models.DateTimeField(editable=False)
    bbox_x = models.PositiveIntegerField()
    bbox_y = models.PositiveIntegerField()
    bbox_width = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    bbox_height = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    confidence = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    classification = models.CharField(max_length=20, choices=Classification.choices)
    corrected_classification = models.CharField(max_length=20, choices=Classification.choices, null=True, blank=True)  # noqa: DJ001 - NULL = not corrected (Coalesce)
    effective_classification = models.GeneratedField(
        expression=Coalesce("corrected_classification", "classification"),
        output_field=models.CharField(max_length=20),
        db_persist=True,
    )
    is_valid = models.BooleanField(default=True)
    is_duplicate = models.BooleanField(default=False)
    burst = models.UUIDField(null=True, blank=True)
    is_reviewed = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    correction_notes = models.TextField(blank=True, max_length=1000)
    deer = models.ForeignKey("reid.Deer", null=True, blank=True, on_delete=models.SET_NULL, related_name="detections")
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    human_added = models.BooleanField(
        default=False, db_default=False, help_text="drawn by a reviewer for an animal the model missed"
    )
    # What the pipeline said, kept apart from our class: the detector and classifier (name and version), the
    # classifier's own label (a label with no Herdbook class stays here; the class is then `animal`) and its score.
    detector_model = models.CharField(max_length=200, blank=True)
    classifier_model = models.CharField(max_length=200, blank=True)
    model_label = models.CharField(max_length=300, blank=True)
    classifier_score = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    reid_pending = models.BooleanField(default=False, help_text="Waiting for the next live re-ID run (reid.live)")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DetectionQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "id"]
        indexes = [
            models.Index(fields=["taken_at"], name="det_taken"),
            models.Index(fields=["location", "taken_at"], name="det_location_taken"),
            models.Index(fields=["effective_classification", "taken_at"], name="det_class_taken"),
            models.Index(fields=["deer", "taken_at"], name="det_deer_taken"),
            models.Index(fields=["is_reviewed"], name="det_reviewed"),
            models.Index(fields=["confidence"], name="det_confidence"),
            models.Index(fields=["burst"], name="det_burst"),
            # the detections page's sorts, each with its tie-breakers, so a page is read from the index in order
            models.Index(fields=["taken_at", "id"], name="det_taken_id"),
            models.Index(fields=["confidence", "taken_at", "id"], name="det_conf_down"),
            models.Index(fields=["confidence", "-taken_at", "-id"], name="det_conf_up"),
            models.Index(fields=["effective_classification", "-taken_at", "-id"], name="det_class_sort"),
            models.Index(fields=["reid_pending"], condition=models.Q(reid_pending=True), name="det_reid_pending"),
            # the rows reports count, already ordered for the independent-events window
            models.Index(
                fields=["location", "effective_classification", "taken_at"],
                condition=models.Q(is_valid=True, is_duplicate=False),
                name="det_counted_series",
            ),
            # the data-status chapter's counts per deployment: index-only range scans per location
            models.Index(
                fields=["location", "taken_at"],
                include=["effective_classification", "is_reviewed", "deer"],
                condition=models.Q(is_valid=True, is_duplicate=False),
                name="det_counted_status",
            ),
        ]

    def __str__(self):
        return f"{self.classification} {self.confidence:.2f} in {self.image_id}"

    def save(self, *args, **kwargs):
        if self.image_id and (self.location_id is None or self.taken_at is None):
            self.location_id = self.image.location_id
            self.taken_at = self.image.taken_at
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.confidence is not None and not 0.0 <= self.confidence <= 1.0:
            errors["confidence"] = "confidence must be between 0 and 1."
        image = self.image if self.image_id else None
        if image is not None and None not in (self.bbox_x, self.bbox_y, self.bbox_width, self.bbox_height):
            if self.bbox_x + self.bbox_width > image.width or self.bbox_y + self.bbox_height > image.height:
                errors["bbox_width"] = (
                    f"The bounding box ({self.bbox_x}, {self.bbox_y}, {self.bbox_width}x{self.bbox_height}) "
                    f"lies outside the {image.width}x{image.height} image."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def current_classification(self):
        """Effective classification computed in Python (valid before the row is saved or refreshed)."""
        return self.corrected_classification or self.classification

    @property
    def bbox(self):
        return (self.bbox_x, self.bbox_y, self.bbox_width, self.bbox_height)

    def get_embedding(self):
        """The embedding as a float32 numpy vector, or None."""
        if self.embedding is None:
            return None
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)

    def set_embedding(self, vector, model_name):
        """Store an embedding, L2-normalised, as float32 bytes."""
        try:
            self.embedding = l2_normalise(vector).tobytes()
        except VectorError as error:
            raise ValidationError({"embedding": str(error)}) from None
        self.embedding_model = model_name


class DetectionCorrection(models.Model):
    """Immutable log of one field change made by a reviewer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    detection = models.ForeignKey(Detection, on_delete=models.CASCADE, related_name="corrections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=50)
    old_value = models.TextField(blank=True, null=True)  # noqa: DJ001 - NULL records "no value" (e.g. no deer)
    new_value = models.TextField(blank=True, null=True)  # noqa: DJ001
    change = models.UUIDField(null=True, blank=True, help_text="shared by the rows one correction wrote (undo)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.field}: {self.old_value} -> {self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Correction history rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Correction history rows cannot be deleted.")


class FeatureType(models.TextChoices):
    """Camtrap DP 1.0 `featureType` vocabulary (blank: none)."""

    ROAD_PAVED = "roadPaved"
    ROAD_DIRT = "roadDirt"
    TRAIL_HIKING = "trailHiking"
    TRAIL_GAME = "trailGame"
    ROAD_UNDERPASS = "roadUnderpass"
    ROAD_OVERPASS = "roadOverpass"
    ROAD_BRIDGE = "roadBridge"
    CULVERT = "culvert"
    BURROW = "burrow"
    NEST_SITE = "nestSite"
    CARCASS = "carcass"
    WATER_SOURCE = "waterSource"
    FRUITING_TREE = "fruitingTree"


class Deployment(models.Model):
    """One camera at one location from `setup_at` to `pickup_at` (NULL while it is still running).

    The basis of survey effort: the camera-days of the deployments minus their outages.
    `clock_offset` is the number of seconds added to the camera's EXIF time; change it through
    detections.deployments.clock_offset_set, which re-times the images and keeps a history row.
    `inferred` rows were made from the first and last image of a location that had no deployment.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="deployments")
    setup_at = models.DateTimeField()
    pickup_at = models.DateTimeField(null=True, blank=True)
    camera_id = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    camera_height = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(50)], help_text="metres"
    )
    bait_use = models.BooleanField(default=False)
    feature_type = models.CharField(max_length=20, choices=FeatureType.choices, blank=True)
    notes = models.TextField(blank=True)
    setup_by = models.CharField(max_length=100, blank=True)
    clock_offset = models.IntegerField(default=0, help_text="seconds added to the camera's EXIF time")
    inferred = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location__name", "setup_at"]
        indexes = [models.Index(fields=["location", "setup_at"], name="deployment_location_setup")]

    def __str__(self):
        end = self.pickup_at.date().isoformat() if self.pickup_at else "running"
        return f"{self.location} {self.setup_at.date().isoformat()}..{end}"


class Outage(models.Model):
    """An interval in which a deployment's camera did not work (excluded from effort)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="outages")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_at"]

    def __str__(self):
        return f"outage {self.start_at.isoformat()}..{self.end_at.isoformat()}"


class ClockCorrection(models.Model):
    """Immutable history of one change of a deployment's clock offset and what it re-timed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="clock_corrections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    old_offset = models.IntegerField()
    new_offset = models.IntegerField()
    images = models.PositiveIntegerField(help_text="images re-timed")
    detections = models.PositiveIntegerField(help_text="detections re-timed")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"clock offset {self.old_offset:+d} s -> {self.new_offset:+d} s"


class PipelineImport(BackgroundJob):
    """One import of a pipeline's results file (MegaDetector or SpeciesNet) for images already on the
    volume, as a background job (core.jobs owns its state machine, core.runner carries it out)."""

    class Format(models.TextChoices):
        MEGADETECTOR = "megadetector"
        SPECIESNET = "speciesnet"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    format = models.CharField(max_length=20, choices=Format.choices)
    results_file = models.CharField(max_length=500, help_text="The uploaded results file, under MEDIA_ROOT")
    options = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    report = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    noun = "import"
    first_stage = "reading"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.format} import {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    def is_expected_error(self, exc):
        return isinstance(exc, FormatError | LabelMapError)

    def readable_error(self, exc):
        return str(exc) if self.is_expected_error(exc) else super().readable_error(exc)

    def completion_fields(self):
        return {"summary": self.summary, "report": self.report, "total_count": self.total_count}
