"""Output shapes of the detections API (locations, images, detections, corrections)."""

import numpy as np
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.vocabulary import CLASSIFICATIONS
from detections.models import Detection, DetectionCorrection, Image, Location
from detections.selectors import detection_list


@extend_schema_field({"type": "string", "enum": list(CLASSIFICATIONS)})
class ClassificationOutField(serializers.CharField):
    """A class label; documented inline so the schema has one enum, not one per field."""


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "description", "latitude", "longitude", "timezone", "active", "created_at"]
        read_only_fields = fields


DATETIME = serializers.DateTimeField()


class ImageSerializer(serializers.ModelSerializer):
    location_name = serializers.CharField(source="location.name", read_only=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = [
            "id",
            "location",
            "location_name",
            "filename",
            "file",
            "sha256",
            "width",
            "height",
            "taken_at",
            "status",
            "error_message",
            "created_at",
            "file_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_file_url(self, image) -> str:
        return reverse("detections_api:image-file", args=[image.pk])

    def get_thumbnail_url(self, image) -> str:
        return reverse("detections_api:image-thumbnail", args=[image.pk])


class ImageDetailSerializer(ImageSerializer):
    exif = serializers.JSONField(read_only=True)
    detections = serializers.SerializerMethodField()

    class Meta(ImageSerializer.Meta):
        fields = ImageSerializer.Meta.fields + ["exif", "detections"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_detections(self, image):
        rows = detection_list().filter(image=image).order_by("-confidence", "id")
        return DetectionSerializer(rows, many=True, context=self.context).data


class BBoxSerializer(serializers.Serializer):
    x = serializers.IntegerField()
    y = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class DetectionSerializer(serializers.ModelSerializer):
    bbox = serializers.SerializerMethodField()
    location_name = serializers.CharField(source="location.name", read_only=True)
    image_filename = serializers.CharField(source="image.filename", read_only=True)
    image_width = serializers.IntegerField(source="image.width", read_only=True)
    image_height = serializers.IntegerField(source="image.height", read_only=True)
    deer_name = serializers.SerializerMethodField()
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="the reviewer's username, or null"
    )
    has_embedding = serializers.SerializerMethodField()
    classification = serializers.CharField(read_only=True, help_text="the model's label (a class)")
    corrected_classification = serializers.CharField(
        read_only=True, allow_null=True, help_text="the reviewer's label (a class), or null"
    )
    effective_classification = ClassificationOutField(read_only=True, help_text="corrected if set, else the model's")

    class Meta:
        model = Detection
        fields = [
            "id",
            "image",
            "image_filename",
            "image_width",
            "image_height",
            "location",
            "location_name",
            "taken_at",
            "bbox",
            "confidence",
            "classification",
            "corrected_classification",
            "effective_classification",
            "is_valid",
            "is_duplicate",
            "burst",
            "is_reviewed",
            "reviewed_by",
            "reviewed_at",
            "correction_notes",
            "deer",
            "deer_name",
            "has_embedding",
            "embedding_model",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(BBoxSerializer)
    def get_bbox(self, detection):
        return {
            "x": detection.bbox_x,
            "y": detection.bbox_y,
            "width": detection.bbox_width,
            "height": detection.bbox_height,
        }

    def get_deer_name(self, detection) -> str | None:
        if detection.deer_id is None:
            return None
        return str(detection.deer)

    def get_has_embedding(self, detection) -> bool:
        if "has_embedding" in detection.__dict__:  # annotated by selectors.detection_list
            return bool(detection.__dict__["has_embedding"])
        return detection.embedding is not None

    def to_representation(self, d):
        """Built by hand: lists render 50-500 of these per request, and this is ~5x faster than
        the generic field-by-field path. The declared fields above still describe it in OpenAPI."""
        image, location, deer, reviewer = d.image, d.location, d.deer, d.reviewed_by
        return {
            "id": str(d.pk),
            "image": str(d.image_id),
            "image_filename": image.filename,
            "image_width": image.width,
            "image_height": image.height,
            "location": str(d.location_id),
            "location_name": location.name,
            "taken_at": DATETIME.to_representation(d.taken_at),
            "bbox": self.get_bbox(d),
            "confidence": d.confidence,
            "classification": d.classification,
            "corrected_classification": d.corrected_classification,
            "effective_classification": d.effective_classification or d.current_classification,
            "is_valid": d.is_valid,
            "is_duplicate": d.is_duplicate,
            "burst": str(d.burst) if d.burst else None,
            "is_reviewed": d.is_reviewed,
            "reviewed_by": reviewer.username if reviewer is not None else None,
            "reviewed_at": DATETIME.to_representation(d.reviewed_at) if d.reviewed_at else None,
            "correction_notes": d.correction_notes,
            "deer": str(d.deer_id) if d.deer_id else None,
            "deer_name": str(deer) if deer is not None else None,
            "has_embedding": self.get_has_embedding(d),
            "embedding_model": d.embedding_model,
            "created_at": DATETIME.to_representation(d.created_at),
        }


class CorrectionResultSerializer(serializers.Serializer):
    """PATCH /api/detections/{id}/correct: what changed, and the detection as it is now."""

    detection_id = serializers.UUIDField()
    message = serializers.CharField()
    detection = DetectionSerializer()


class DetectionDetailSerializer(DetectionSerializer):
    embedding = serializers.SerializerMethodField()
    embedding_dimension = serializers.SerializerMethodField()

    class Meta(DetectionSerializer.Meta):
        fields = DetectionSerializer.Meta.fields + ["embedding_dimension", "embedding"]
        read_only_fields = fields

    def to_representation(self, detection):
        data = super().to_representation(detection)
        data["embedding_dimension"] = self.get_embedding_dimension(detection)
        data["embedding"] = self.get_embedding(detection)
        return data

    def get_embedding(self, detection) -> list[float] | None:
        """The stored vector; null when there is none or when it holds NaN/infinity (stored before
        ingest refused such vectors; JSON cannot carry them)."""
        vector = detection.get_embedding()
        if vector is None or not np.all(np.isfinite(vector)):
            return None
        return [float(v) for v in vector]

    def get_embedding_dimension(self, detection) -> int | None:
        vector = detection.get_embedding()
        return None if vector is None else int(vector.size)


class DetectionCorrectionSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DetectionCorrection
        fields = ["id", "field", "old_value", "new_value", "user", "created_at"]
        read_only_fields = fields
