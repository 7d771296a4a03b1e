from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import BoundedIntegerField, StrictModelSerializer, StrictSerializer, StrictUUIDField
from reid.models import Deer, ReidRun, ReviewItem
from reid.selectors import nominal_thresholds, offered_candidates


def crop_url(detection_id):
    return f"/api/detections/{detection_id}/crop" if detection_id else None


class DeerSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Deer
        fields = [
            "id",
            "name",
            "sex",
            "status",
            "species",
            "notes",
            "first_seen",
            "last_seen",
            "sighting_count",
            "embedding_model",
            "best_detection",
            "thumbnail_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "first_seen",
            "last_seen",
            "sighting_count",
            "embedding_model",
            "best_detection",
            "created_at",
            "updated_at",
        ]

    def get_thumbnail_url(self, deer) -> str | None:
        return crop_url(deer.best_detection_id)


class DeerUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Deer
        fields = ["name", "sex", "status", "species", "notes"]


class TimelineQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(
        choices=["day", "week", "month"],
        default="month",
        error_messages={"invalid_choice": "group_by must be one of: day, month, week"},
    )


class TimelinePeriodSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="first day of the day, ISO week or month (local time)")
    sightings = serializers.IntegerField()
    locations = serializers.IntegerField(help_text="distinct camera sites")


class TimelineSerializer(serializers.Serializer):
    """GET /api/deer/{id}/timeline/ (reid.selectors.deer_timeline)."""

    deer_id = serializers.UUIDField()
    group_by = serializers.ChoiceField(choices=["day", "week", "month"])
    periods = TimelinePeriodSerializer(many=True)


class DeerLocationSerializer(serializers.Serializer):
    location_id = serializers.UUIDField()
    name = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    sightings = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class DeerLocationsSerializer(serializers.Serializer):
    """GET /api/deer/{id}/locations/ (reid.selectors.deer_locations)."""

    deer_id = serializers.UUIDField()
    locations = DeerLocationSerializer(many=True)


class SplitResultSerializer(serializers.Serializer):
    deer = DeerSerializer(help_text="the profile split from, after the split")
    new_deer = DeerSerializer()


class MergeSerializer(StrictSerializer):
    deer_ids = serializers.ListField(
        child=StrictUUIDField(),
        min_length=1,
        max_length=100,
        help_text="Profiles to merge into this one; they are deleted.",
    )
    force = serializers.BooleanField(default=False, help_text="Merge profiles of different known sexes.")

    def validate_deer_ids(self, value):
        found = {d.pk: d for d in Deer.objects.filter(pk__in=value)}
        missing = [str(pk) for pk in value if pk not in found]
        if missing:
            raise serializers.ValidationError(f"Deer {missing[0]} does not exist.")
        return [found[pk] for pk in dict.fromkeys(value)]


class SplitSerializer(StrictSerializer):
    detection_ids = serializers.ListField(child=StrictUUIDField(), min_length=1, max_length=10000)
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    sex = serializers.ChoiceField(choices=Deer.Sex.choices, required=False)


class ReidRunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(source="state", choices=ReidRun.Status.choices)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = ReidRun
        fields = [
            "id",
            "kind",
            "status",
            "threshold",
            "review_threshold",
            "dry_run",
            "params",
            "total_count",
            "processed_count",
            "progress_percent",
            "stage",
            "linked_count",
            "review_count",
            "created_count",
            "error",
            "created_at",
            "started_at",
            "completed_at",
            "status_url",
        ]
        read_only_fields = fields

    def get_status_url(self, run) -> str:
        return f"/api/reid/runs/{run.id}"


def _threshold(**kwargs):
    return serializers.FloatField(min_value=0.0, max_value=1.0, **kwargs)


class ReprocessSerializer(StrictSerializer):
    threshold = _threshold()
    review_threshold = _threshold(required=False, allow_null=True, default=None)
    dry_run = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if attrs.get("review_threshold") is not None and attrs["review_threshold"] > attrs["threshold"]:
            raise serializers.ValidationError({"review_threshold": ["review_threshold must not be above threshold."]})
        if attrs.get("review_threshold") is None:
            attrs["review_threshold"] = min(nominal_thresholds()[1], attrs["threshold"])
        return attrs


class BackfillSerializer(StrictSerializer):
    limit = BoundedIntegerField(min_value=1, required=False, allow_null=True, default=None)


class AnalysisQuerySerializer(serializers.Serializer):
    run = StrictUUIDField(required=False)
    step = serializers.FloatField(min_value=0.01, max_value=0.65, default=0.05)
    ground_truth = serializers.ChoiceField(choices=["auto", "file", "reviewed", "none"], default="auto")

    def validate_run(self, value):
        run = ReidRun.objects.filter(pk=value).first()
        if run is None:
            raise serializers.ValidationError(f"No re-ID run with id {value}.")
        return run


class CandidateSerializer(serializers.Serializer):
    deer = DeerSerializer()
    score = serializers.FloatField()
    probability = serializers.FloatField(allow_null=True, help_text="Calibrated P(same individual), or null")
    travel_note = serializers.CharField(help_text='Space-time flag, e.g. "seen 14 km away 20 min earlier", or ""')


class ReviewItemSerializer(serializers.ModelSerializer):
    detection = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "status",
            "detection",
            "member_ids",
            "best_score",
            "uncertainty",
            "threshold",
            "provisional_deer",
            "candidates",
            "skipped_at",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_detection(self, item) -> dict:
        d = item.detection
        return {
            "id": str(d.id),
            "taken_at": d.taken_at,
            "location": d.location.name,
            "location_id": str(d.location_id),
            "classification": d.effective_classification,
            "confidence": d.confidence,
            "image_id": str(d.image_id),
            "deer_id": str(d.deer_id) if d.deer_id else None,
            "crop_url": crop_url(d.id),
        }

    @extend_schema_field(CandidateSerializer(many=True))
    def get_candidates(self, item):
        return CandidateSerializer(offered_candidates(item), many=True).data


class DeerChoiceSerializer(StrictSerializer):
    deer_id = StrictUUIDField()

    def validate_deer_id(self, value):
        deer = Deer.objects.filter(pk=value).first()
        if deer is None:
            raise serializers.ValidationError(f"Deer {value} does not exist.")
        return deer


class NewIndividualSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    sex = serializers.ChoiceField(choices=Deer.Sex.choices, required=False, allow_null=True, default=None)
