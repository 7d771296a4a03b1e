"""Request shapes of the detections API: ingest (single and batch) and corrections.

Serializers check shapes, types and ranges; checks that need the image (bbox inside it, embedding
dimension of the model) happen in detections.ingest, which names the same fields.
"""

import json

import numpy as np
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import parsers
from core.serializers import StrictSerializer, StrictUUIDField
from core.vocabulary import CLASS_LIST, CLASSIFICATIONS, unknown_class
from detections.ingest import MAX_BATCH_IMAGES
from detections.selectors import location_by_reference
from detections.services import MAX_BATCH_CORRECTIONS


class ClassificationField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip().lower()
        if value not in CLASSIFICATIONS:
            raise serializers.ValidationError(unknown_class(data))
        return value


@extend_schema_field({"type": "array", "items": {"type": "number"}, "nullable": True})
class EmbeddingField(serializers.Field):
    """A list of numbers, checked as one numpy array (a per-element DRF FloatField costs ~30 ms
    for a 512-d vector); returned as a float64 array."""

    default_error_messages = {"invalid": "The embedding must be a non-empty list of numbers."}

    def to_internal_value(self, data):
        if not isinstance(data, list) or not data or any(isinstance(v, (bool, str)) for v in data):
            self.fail("invalid")
        try:
            return np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail("invalid")

    def to_representation(self, value):
        return [float(v) for v in value]


class LocationReferenceField(serializers.CharField):
    """A location given by id or by name."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        location = location_by_reference(text)
        if location is None:
            raise serializers.ValidationError(f"No location with id or name '{text}'.")
        return location


def _range_message(name):
    return {
        "min_value": f"{name} must be between 0 and 1.",
        "max_value": f"{name} must be between 0 and 1.",
    }


class DetectionInSerializer(StrictSerializer):
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="[x, y, width, height], top-left origin, in pixels or normalized (0..1)",
        error_messages={
            "min_length": "bbox must have four numbers: [x, y, width, height].",
            "max_length": "bbox must have four numbers: [x, y, width, height].",
        },
    )
    bbox_format = serializers.ChoiceField(choices=["pixels", "normalized"], default="pixels")
    confidence = serializers.FloatField(min_value=0.0, max_value=1.0, error_messages=_range_message("confidence"))
    classification = ClassificationField(help_text=f"one of: {CLASS_LIST}")
    embedding = EmbeddingField(required=False, allow_null=True, help_text="the vector; stored L2-normalised as float32")
    embedding_model = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class ImageMetadataSerializer(StrictSerializer):
    location = LocationReferenceField(help_text="location id or name")
    taken_at = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="ISO 8601; without an offset it is read in the location's timezone. Default: EXIF DateTimeOriginal.",
    )
    detections = DetectionInSerializer(many=True, required=False, default=list)


@extend_schema_field({"type": "string", "description": "a JSON document"})
class JSONTextField(serializers.Field):
    """A form field holding a JSON text. Not a CharField: its per-character surrogate check costs
    more than parsing the document (an upload's metadata carries embeddings, tens of kB)."""

    default_error_messages = {"invalid": "Give the metadata as a JSON text."}

    def to_internal_value(self, data):
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class ImageUploadSerializer(StrictSerializer):
    """multipart/form-data: `file` (JPEG or PNG) and `metadata` (a JSON document)."""

    file = serializers.FileField(help_text="the image, JPEG or PNG")
    metadata = JSONTextField(help_text="JSON: {location, taken_at?, detections: [...]}; see ImageMetadata")

    def validate_metadata(self, value):
        try:
            document = parsers.loads(value, strict=False)  # bbox and embedding name a non-finite number
        except json.JSONDecodeError as error:
            raise serializers.ValidationError(
                f"metadata is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            ) from None
        except ValueError as error:  # nested too deep
            raise serializers.ValidationError(f"metadata is not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise serializers.ValidationError("metadata must be a JSON object.")
        inner = ImageMetadataSerializer(data=document)
        inner.is_valid(raise_exception=True)  # errors keep their own names: location, detections[0].bbox ...
        return inner.validated_data


class BatchImageSerializer(ImageMetadataSerializer):
    file = serializers.CharField(help_text="path of the image relative to the image root")


class BatchIngestSerializer(StrictSerializer):
    images = BatchImageSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_BATCH_IMAGES,
        error_messages={"max_length": f"At most {MAX_BATCH_IMAGES} images per batch."},
    )


class CorrectionSerializer(StrictSerializer):
    corrected_classification = ClassificationField(
        required=False, allow_null=True, help_text="the human label; null removes the correction"
    )
    is_valid = serializers.BooleanField(required=False)
    correction_notes = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class BatchCorrectionSerializer(CorrectionSerializer):
    detection_ids = serializers.ListField(
        child=StrictUUIDField(),
        min_length=1,
        max_length=MAX_BATCH_CORRECTIONS,
        error_messages={
            "min_length": "Give at least one detection id.",
            "max_length": f"At most {MAX_BATCH_CORRECTIONS} detection ids per request.",
        },
    )


class CorrectionResultSerializer(serializers.Serializer):
    detection_id = serializers.UUIDField()
    message = serializers.CharField()


class BatchCorrectionResultSerializer(serializers.Serializer):
    total_requested = serializers.IntegerField()
    total_corrected = serializers.IntegerField()
    not_found_ids = serializers.ListField(child=serializers.UUIDField())
    message = serializers.CharField()


class ReviewStatsClassSerializer(serializers.Serializer):
    classification = serializers.CharField()
    total_count = serializers.IntegerField()
    reviewed_count = serializers.IntegerField()


class ReviewStatsSerializer(serializers.Serializer):
    total_count = serializers.IntegerField()
    reviewed_count = serializers.IntegerField()
    unreviewed_count = serializers.IntegerField()
    valid_count = serializers.IntegerField()
    invalid_count = serializers.IntegerField()
    corrected_count = serializers.IntegerField()
    duplicate_count = serializers.IntegerField()
    progress_percent = serializers.FloatField()
    by_classification = ReviewStatsClassSerializer(many=True)


class BatchIngestItemResultSerializer(serializers.Serializer):
    image_id = serializers.UUIDField()
    file = serializers.CharField()
    created = serializers.BooleanField()
    detection_ids = serializers.ListField(child=serializers.UUIDField())


class BatchIngestResultSerializer(serializers.Serializer):
    created_count = serializers.IntegerField()
    existing_count = serializers.IntegerField()
    detection_count = serializers.IntegerField()
    images = BatchIngestItemResultSerializer(many=True)
