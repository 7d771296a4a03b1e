"""Export API (SPEC §3): thin views; validation in serializers, work in exports.services."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import DepthLimitedJSONParser
from core.schema import ERROR_RESPONSE, error
from exports import services
from exports.api.auth import CachedTokenAuthentication, SessionCookieAuthentication
from exports.api.content import JSONOnlyNegotiation
from exports.api.serializers import (
    CamtrapDpExportRequestSerializer,
    MegaDetectorExportRequestSerializer,
    PdfExportRequestSerializer,
    TrainingExportRequestSerializer,
    ZipExportRequestSerializer,
)
from exports.models import ExportJob
from exports.status import public

NOT_FOUND = "Job not found or expired"
CONTENT_TYPES = {".pdf": "application/pdf", ".zip": "application/zip", ".json": "application/json"}

ERROR = ERROR_RESPONSE
ACCEPTED = inline_serializer(
    "ExportAccepted",
    {
        "job_id": serializers.UUIDField(),
        "status": serializers.CharField(),
        "message": serializers.CharField(),
        "status_url": serializers.CharField(),
        "total_detections": serializers.IntegerField(required=False),
    },
)
STATUS_DOC = inline_serializer(
    "ExportStatus",
    {
        "job_id": serializers.UUIDField(),
        "kind": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["processing", "completed", "failed"]),
        "stage": serializers.ChoiceField(choices=["queued", "collecting", "rendering", "writing", "done"]),
        "progress_percent": serializers.IntegerField(min_value=0, max_value=100),
        "processed_count": serializers.IntegerField(),
        "total_count": serializers.IntegerField(),
        "total_detections": serializers.IntegerField(required=False),
        "filename": serializers.CharField(allow_null=True),
        "download_url": serializers.CharField(allow_null=True),
        "file_size_bytes": serializers.IntegerField(allow_null=True),
        "error": serializers.CharField(allow_null=True),
        "error_message": serializers.CharField(allow_null=True),
        "created_at": serializers.DateTimeField(),
        "started_at": serializers.DateTimeField(allow_null=True),
        "completed_at": serializers.DateTimeField(allow_null=True),
        "expires_at": serializers.DateTimeField(),
    },
)
UNAVAILABLE = error(503)


class ExportAPIView(APIView):
    """JSON only (exports.api.content), token lookups cached briefly (exports.api.auth)."""

    authentication_classes = [SessionCookieAuthentication, CachedTokenAuthentication]
    renderer_classes = [JSONRenderer]
    parser_classes = [DepthLimitedJSONParser]
    content_negotiation_class = JSONOnlyNegotiation


def status_document(request, job_id, kind):
    job_id = services.parse_uuid(job_id)
    doc, ttl = services.visible_status(request.user, job_id) if job_id else (None, None)
    if doc is None or doc.get("kind") != kind:
        raise NotFound(NOT_FOUND)
    answer = public(doc, ttl)
    if kind != ExportJob.Kind.PDF:  # the exports of detections
        answer["total_detections"] = doc.get("total_count", 0)
    return Response(answer)


class PdfExportView(ExportAPIView):
    @extend_schema(
        tags=["Exports"],
        request=PdfExportRequestSerializer,
        responses={202: ACCEPTED, 400: ERROR, 503: UNAVAILABLE},
        examples=[
            OpenApiExample(
                "Seasonal activity",
                request_only=True,
                value={
                    "report_type": "seasonal_activity",
                    "start_date": "2024-09-01",
                    "end_date": "2025-01-31",
                    "group_by": "month",
                    "title": "Rut 2024",
                },
            )
        ],
        summary="Queue a PDF report",
    )
    def post(self, request):
        serializer = PdfExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        export = services.create_export(request.user, ExportJob.Kind.PDF, serializer.to_params())
        url = f"/api/exports/pdf/{export.id}"
        return Response(
            {
                "job_id": str(export.id),
                "status": "processing",
                "message": f"PDF report generation queued. Poll GET {url} for status.",
                "status_url": url,
            },
            status=http.HTTP_202_ACCEPTED,
        )


class ExportStatusView(ExportAPIView):
    # GET the status document of one job of ``kind``. (No docstring: the schema shows ExportAPIView's.)
    kind = None

    def get(self, request, job_id):
        return status_document(request, job_id, self.kind)


def status_schema(summary):
    return extend_schema_view(
        get=extend_schema(tags=["Exports"], responses={200: STATUS_DOC, 404: ERROR, 503: UNAVAILABLE}, summary=summary)
    )


@status_schema("PDF job status")
class PdfExportStatusView(ExportStatusView):
    kind = ExportJob.Kind.PDF


def detections_queued(export, total, path, what):
    """The 202 answer of the exports of detections (ZIP, Camtrap DP, MegaDetector, training data)."""
    url = f"/api/exports/{path}/{export.id}"
    return Response(
        {
            "job_id": str(export.id),
            "status": "processing",
            "total_detections": total,
            "message": f"{what} queued. Poll GET {url} for status.",
            "status_url": url,
        },
        status=http.HTTP_202_ACCEPTED,
    )


class DetectionsExportView(ExportAPIView):
    # POST an export of detections: validate with ``request_serializer``, queue a job of ``kind`` and answer
    # 202 with its status URL under ``slug`` and the ``noun`` of what is queued. (No docstring, as above.)
    request_serializer = None
    kind = None
    slug = None
    noun = None

    def post(self, request):
        serializer = self.request_serializer(data=request.data, context={"base_url": request.build_absolute_uri("/")})
        serializer.is_valid(raise_exception=True)
        total = serializer.validated_data["total_detections"]
        export = services.create_export(request.user, self.kind, serializer.to_params(), total_count=total)
        return detections_queued(export, total, self.slug, self.noun)


def queue_schema(serializer, summary, **schema):
    return extend_schema_view(
        post=extend_schema(
            tags=["Exports"],
            request=serializer,
            responses={202: ACCEPTED, 400: ERROR, 503: UNAVAILABLE},
            summary=summary,
            **schema,
        )
    )


@queue_schema(
    ZipExportRequestSerializer,
    "Queue a ZIP of detections",
    examples=[
        OpenApiExample(
            "By ids",
            request_only=True,
            value={
                "detection_ids": ["6f1c3d9e-0b7a-4a8e-9d55-1e2f3a4b5c6d"],
                "crop_size": 300,
            },
        ),
        OpenApiExample(
            "By filter",
            request_only=True,
            value={
                "start_date": "2024-10-01",
                "end_date": "2024-10-31",
                "classifications": ["buck"],
            },
        ),
    ],
)
class ZipExportView(DetectionsExportView):
    request_serializer = ZipExportRequestSerializer
    kind = ExportJob.Kind.ZIP
    slug = "zip"
    noun = "ZIP archive creation"


@status_schema("ZIP job status")
class ZipExportStatusView(ExportStatusView):
    kind = ExportJob.Kind.ZIP


@queue_schema(
    CamtrapDpExportRequestSerializer,
    "Queue a Camtrap DP package",
    examples=[
        OpenApiExample(
            "Rut, bucks and does, with the images",
            request_only=True,
            value={
                "start_date": "2024-10-01",
                "end_date": "2024-12-31",
                "classifications": ["buck", "doe"],
                "include_images": True,
            },
        )
    ],
    description=(
        "A Camera Trap Data Package (TDWG Camtrap DP 1.0.2) as a ZIP: datapackage.json, deployments.csv "
        "(one per location), media.csv (one per image) and observations.csv (one per valid, non-duplicate "
        "detection, plus a blank observation per image with nothing usable when no class filter is given). "
        "The filter obeys SPEC §5 (no cap on the number of detections); include_images (false) adds the "
        "image files under media/."
    ),
)
class CamtrapDpExportView(DetectionsExportView):
    request_serializer = CamtrapDpExportRequestSerializer  # reads context["base_url"] for media.csv
    kind = ExportJob.Kind.CAMTRAP_DP
    slug = "camtrap-dp"
    noun = "Camtrap DP package creation"


@status_schema("Camtrap DP job status")
class CamtrapDpExportStatusView(ExportStatusView):
    kind = ExportJob.Kind.CAMTRAP_DP


@queue_schema(
    MegaDetectorExportRequestSerializer,
    "Queue a MegaDetector results file",
    description=(
        "The images of the period and their valid, non-duplicate detections as MegaDetector batch output "
        "(format 1.5, JSON): effective classes as the one classification of each box, reviewed flags."
    ),
)
class MegaDetectorExportView(DetectionsExportView):
    request_serializer = MegaDetectorExportRequestSerializer
    kind = ExportJob.Kind.MEGADETECTOR
    slug = "megadetector"
    noun = "MegaDetector file creation"


@status_schema("MegaDetector job status")
class MegaDetectorExportStatusView(ExportStatusView):
    kind = ExportJob.Kind.MEGADETECTOR


@queue_schema(
    TrainingExportRequestSerializer,
    "Queue a YOLO training dataset",
    description=(
        "The images of the period whose detections were all reviewed, as a YOLO dataset ZIP (images, labels, "
        "data.yaml), split train/val/test by time (bursts kept whole) or by location (split_by)."
    ),
)
class TrainingExportView(DetectionsExportView):
    request_serializer = TrainingExportRequestSerializer
    kind = ExportJob.Kind.TRAINING
    slug = "training-data"
    noun = "Training dataset creation"


@status_schema("Training dataset job status")
class TrainingExportStatusView(ExportStatusView):
    kind = ExportJob.Kind.TRAINING


class ExportDeleteView(ExportAPIView):
    @extend_schema(
        tags=["Exports"], responses={204: None, 404: ERROR, 503: UNAVAILABLE}, summary="Cancel or delete a job"
    )
    def delete(self, request, job_id):
        job_id = services.parse_uuid(job_id)
        if job_id is None or not services.cancel_export(request.user, job_id):
            raise NotFound(NOT_FOUND)
        return Response(status=http.HTTP_204_NO_CONTENT)


class ExportDownloadView(APIView):
    @extend_schema(
        tags=["Exports"],
        summary="Download an export file",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/zip"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.BINARY,
            404: ERROR,
        },
    )
    def get(self, request, filename):
        path = services.download_path(request.user, filename)
        if path is None:
            raise NotFound("Export file not found or expired")
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type=CONTENT_TYPES[path.suffix],
        )
