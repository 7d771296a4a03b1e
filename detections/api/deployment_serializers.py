"""Deployments and outages over the API: strict input (unknown fields are a 400) and the rules of
detections.deployments (no overlap at a location, pickup after setup, outages inside their
deployment, dates in the supported range) as clear 400 messages."""

from rest_framework import serializers

from core.serializers import BoundedIntegerField, StrictModelSerializer
from detections import deployments
from detections.models import ClockCorrection, Deployment, Outage


class ClockCorrectionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None, read_only=True)

    class Meta:
        model = ClockCorrection
        fields = ["old_offset", "new_offset", "images", "detections", "user", "created_at"]
        read_only_fields = fields


class OutageSerializer(StrictModelSerializer):
    class Meta:
        model = Outage
        fields = ["id", "deployment", "start_at", "end_at", "reason"]
        read_only_fields = ["id"]

    def rule_errors(self, values, errors):
        if errors:
            return []
        current = self.instance
        deployment = values.get("deployment", current.deployment if current else None)
        start = values.get("start_at", current.start_at if current else None)
        end = values.get("end_at", current.end_at if current else None)
        return deployments.outage_problems(deployment, start, end, current)


class DeploymentSerializer(StrictModelSerializer):
    clock_offset = BoundedIntegerField(
        required=False, min_value=-deployments.MAX_CLOCK_OFFSET, max_value=deployments.MAX_CLOCK_OFFSET
    )
    outages = OutageSerializer(many=True, read_only=True)
    clock_corrections = ClockCorrectionSerializer(many=True, read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            *deployments.DESCRIBING_FIELDS,
            "clock_offset",
            "inferred",
            "outages",
            "clock_corrections",
            "created_at",
        ]
        read_only_fields = ["id", "inferred", "outages", "clock_corrections", "created_at"]

    def rule_errors(self, values, errors):
        if errors:
            return []
        current = self.instance
        location = values.get("location", current.location if current else None)
        setup = values.get("setup_at", current.setup_at if current else None)
        pickup = values["pickup_at"] if "pickup_at" in values else (current.pickup_at if current else None)
        return deployments.deployment_problems(location, setup, pickup, current)

    def create(self, validated_data):
        offset = validated_data.pop("clock_offset", 0)
        deployment = super().create(validated_data)
        self._set_offset(deployment, offset)
        return deployment

    def update(self, instance, validated_data):
        offset = validated_data.pop("clock_offset", instance.clock_offset)
        deployment = super().update(instance, validated_data)
        self._set_offset(deployment, offset)
        return deployment

    def _set_offset(self, deployment, offset):
        request = self.context.get("request")
        deployments.clock_offset_set(deployment, offset, request.user if request else None)
        deployment.refresh_from_db()
