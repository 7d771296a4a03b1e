"""Detections: browse with filters, review and correct, history, review statistics, crops."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.filters import SupportedRangeFilterBackend
from core.roles import ReadOrReviewer
from detections import files, selectors, services
from detections.api import inputs
from detections.api.pagination import TakenAtCursorPagination
from detections.api.serializers import (
    CorrectionResultSerializer,
    DetectionCorrectionSerializer,
    DetectionDetailSerializer,
    DetectionSerializer,
)
from detections.api.views import JPEG_RESPONSE, SIZE_PARAMETER, file_or_404, image_response, size_parameter
from detections.filters import DetectionFilter, StableOrderingFilter
from detections.models import Detection

ORDERINGS = ["taken_at", "-taken_at", "confidence", "-confidence", "created_at", "-created_at"]


@extend_schema_view(
    list=extend_schema(
        summary="List detections (cursor pagination, newest first)",
        tags=["detections"],
        parameters=[OpenApiParameter("ordering", str, enum=ORDERINGS)],
    ),
    retrieve=extend_schema(summary="One detection, with its embedding", tags=["detections"]),
)
class DetectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DetectionSerializer
    permission_classes = [ReadOrReviewer]
    pagination_class = TakenAtCursorPagination
    filter_backends = [StableOrderingFilter, SupportedRangeFilterBackend]
    filterset_class = DetectionFilter
    ordering_fields = ["taken_at", "confidence", "created_at"]
    ordering = ["-taken_at"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.detection_detail()
        if self.action == "review_stats":
            return Detection.objects.all()
        return selectors.detection_list()

    def get_serializer_class(self):
        return DetectionDetailSerializer if self.action == "retrieve" else DetectionSerializer

    def get_object(self):
        try:
            return super().get_object()  # a malformed UUID is a 404 too
        except Http404:
            raise NotFound(f"Detection not found: {self.kwargs.get('pk')}") from None

    @extend_schema(
        summary="Correct one detection (reviewer): class, validity, notes",
        tags=["review"],
        request=inputs.CorrectionSerializer,
        responses={200: CorrectionResultSerializer},
        description="An empty body confirms the model's label. Every changed field is logged in the history. "
        "Marking a detection invalid unlinks it from its deer and recomputes the deer's statistics.",
    )
    @action(detail=True, methods=["patch"], url_path="correct")
    def correct(self, request, pk=None):
        detection = self.get_object()
        form = inputs.CorrectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        corrected = services.detection_correct(detection.pk, request.user, **form.validated_data)
        corrected = selectors.detection_list().get(pk=corrected.pk)
        body = {
            "detection_id": corrected.pk,
            "message": services.describe(form.validated_data, corrected),
            "detection": DetectionSerializer(corrected, context=self.get_serializer_context()).data,
        }
        return Response(body)

    @extend_schema(
        summary="Apply one correction to up to 1,000 detections in one transaction (reviewer)",
        tags=["review"],
        request=inputs.BatchCorrectionSerializer,
        responses={200: inputs.BatchCorrectionResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch-correct")
    def batch_correct(self, request):
        form = inputs.BatchCorrectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        ids = changes.pop("detection_ids")
        result = services.detections_batch_correct(ids, request.user, **changes)
        corrected, missing = len(result["corrected_ids"]), result["not_found_ids"]
        message = services.describe(changes, None).replace("Detection reviewed", f"Reviewed {corrected} detections", 1)
        if missing:
            message += f". {len(missing)} detections could not be found."
        return Response(
            {
                "total_requested": len(ids),
                "total_corrected": corrected,
                "not_found_ids": missing,
                "message": message,
            }
        )

    @extend_schema(
        summary="Review progress (honours the list filters)",
        tags=["review"],
        responses={200: inputs.ReviewStatsSerializer},
    )
    @action(detail=False, methods=["get"], url_path="review-stats", pagination_class=None)
    def review_stats(self, request):
        return Response(selectors.review_stats(self.filter_queryset(self.get_queryset())))

    @extend_schema(
        summary="Correction history of a detection, oldest first",
        tags=["review"],
        filters=False,
        responses={200: DetectionCorrectionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        detection = self.get_object()
        rows = selectors.detection_history(detection)
        return Response(DetectionCorrectionSerializer(rows, many=True).data)

    @extend_schema(
        summary="A cached JPEG crop of the detection's bounding box",
        tags=["detections"],
        filters=False,
        parameters=[SIZE_PARAMETER],
        responses={(200, "image/jpeg"): JPEG_RESPONSE},
    )
    @action(detail=True, methods=["get"], url_path="crop", filter_backends=[])
    def crop(self, request, pk=None):
        size = size_parameter(request)
        detection = self.get_object()
        return image_response(file_or_404(files.crop_path, detection, size))
