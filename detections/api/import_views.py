"""Pipeline imports through the API: upload a MegaDetector or SpeciesNet results file for images
already under IMAGE_ROOT; the import runs as a background job whose status is polled."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import DepthLimitedJSONParser
from core.roles import IsReviewer
from core.serializers import StrictSerializer
from core.vocabulary import CLASSIFICATIONS, unknown_class
from detections import imports
from detections.models import PipelineImport
from detections.selectors import location_by_reference


class PipelineImportRequestSerializer(StrictSerializer):
    file = serializers.FileField(help_text="the results JSON: MegaDetector batch output or SpeciesNet predictions.json")
    location = serializers.CharField(required=False, max_length=100, help_text="location of every image (id or name)")
    create_locations = serializers.BooleanField(required=False, default=False)
    image_root = serializers.CharField(required=False, allow_blank=True, max_length=500)
    prefix = serializers.CharField(required=False, allow_blank=True, max_length=500)
    min_confidence = serializers.FloatField(required=False, allow_null=True, min_value=0.0, max_value=1.0)
    min_classifier_score = serializers.FloatField(required=False, default=0.5, min_value=0.0, max_value=1.0)
    animal_class = serializers.CharField(
        required=False, default="animal", max_length=20, help_text="class of animal boxes no classifier named"
    )

    def validate_animal_class(self, value):
        if value not in CLASSIFICATIONS:
            raise serializers.ValidationError(unknown_class(value))
        return value

    def validate_location(self, value):
        if location_by_reference(value) is None:
            raise serializers.ValidationError(f"No location with id or name '{value}'.")
        return value


class PipelineImportSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="state")

    class Meta:
        model = PipelineImport
        fields = [
            "id",
            "format",
            "status",
            "stage",
            "progress_percent",
            "total_count",
            "processed_count",
            "summary",
            "report",
            "error",
            "options",
            "created_at",
            "started_at",
            "completed_at",
        ]


class PipelineImportCreateView(APIView):
    permission_classes = [IsReviewer]
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]  # JSON: refused as having no file
    file_format = None

    @extend_schema(
        summary="Import a pipeline's results file (background job)",
        tags=["imports"],
        request={"multipart/form-data": PipelineImportRequestSerializer},
        responses={202: PipelineImportSerializer},
    )
    def post(self, request):
        form = PipelineImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        options = dict(form.validated_data)
        upload = options.pop("file")
        job = imports.start_import(self.file_format, upload, options, request.user)
        return Response(PipelineImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PipelineImportStatusView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Status and progress of a pipeline import", tags=["imports"], responses=PipelineImportSerializer
    )
    def get(self, request, pk):
        job = PipelineImport.objects.filter(pk=pk).first() if _is_uuid(pk) else None
        if job is None:
            raise NotFound("No such import.")
        return Response(PipelineImportSerializer(job).data)


def _is_uuid(value):
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
