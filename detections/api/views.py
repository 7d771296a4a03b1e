"""Locations and images: browse, ingest (single upload and batch), original file and thumbnail."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.filters import SupportedRangeFilterBackend
from core.parsers import DepthLimitedJSONParser
from core.roles import ReadOrReviewer
from detections import files, ingest, selectors
from detections.api import inputs
from detections.api.pagination import SmallPagePagination, TakenAtCursorPagination
from detections.api.serializers import ImageDetailSerializer, ImageSerializer, LocationSerializer
from detections.filters import ImageFilter, StableOrderingFilter
from detections.models import Location

SIZE_PARAMETER = OpenApiParameter(
    "size",
    int,
    description=f"longest side in pixels, {files.MIN_SIZE}..{files.MAX_SIZE} (default {files.DEFAULT_SIZE})",
)
JPEG_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="image/jpeg")


def size_parameter(request):
    raw = request.query_params.get("size", str(files.DEFAULT_SIZE))
    try:
        size = int(raw)
    except ValueError:
        size = None
    if size is None or not files.MIN_SIZE <= size <= files.MAX_SIZE:
        raise ValidationError(
            {"size": f"size must be a whole number of pixels from {files.MIN_SIZE} to {files.MAX_SIZE}, got '{raw}'."}
        )
    return size


def image_response(path, filename=None, cache="private, max-age=86400"):
    response = FileResponse(open(path, "rb"), content_type=files.media_type(path), filename=filename or "")
    response["Cache-Control"] = cache
    return response


def file_or_404(make_path, *args):
    try:
        return make_path(*args)
    except files.ImageFileMissing as error:
        raise NotFound(str(error)) from None


@extend_schema_view(
    list=extend_schema(summary="List camera locations", tags=["locations"]),
    retrieve=extend_schema(summary="One camera location", tags=["locations"]),
)
class LocationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Location.objects.all().order_by("name")
    serializer_class = LocationSerializer
    permission_classes = [ReadOrReviewer]
    pagination_class = SmallPagePagination
    filterset_fields = ["active"]


@extend_schema_view(
    list=extend_schema(
        summary="List images (cursor pagination, newest first)",
        tags=["images"],
        parameters=[OpenApiParameter("ordering", str, enum=["taken_at", "-taken_at", "created_at", "-created_at"])],
    ),
    retrieve=extend_schema(summary="One image with its detections", tags=["images"]),
)
class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ImageSerializer
    permission_classes = [ReadOrReviewer]
    pagination_class = TakenAtCursorPagination
    filter_backends = [StableOrderingFilter, SupportedRangeFilterBackend]
    filterset_class = ImageFilter
    ordering_fields = ["taken_at", "created_at"]
    ordering = ["-taken_at"]
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]

    def get_queryset(self):
        queryset = selectors.image_list()
        if self.action == "list":
            queryset = queryset.defer("exif")
        return queryset

    def get_object(self):
        try:
            return super().get_object()  # a malformed UUID is a 404 too
        except Http404:
            raise NotFound(f"Image not found: {self.kwargs.get('pk')}") from None

    def get_serializer_class(self):
        return ImageDetailSerializer if self.action in ("retrieve", "create") else ImageSerializer

    @extend_schema(
        summary="Upload one image with the detections a pipeline found in it",
        tags=["ingest"],
        request={"multipart/form-data": inputs.ImageUploadSerializer},
        responses={
            201: OpenApiResponse(ImageDetailSerializer, description="stored"),
            200: OpenApiResponse(ImageDetailSerializer, description="the same file was stored before; nothing created"),
        },
    )
    def create(self, request):
        form = inputs.ImageUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload, metadata = form.validated_data["file"], form.validated_data["metadata"]
        image, created = ingest.image_ingest(
            upload=upload,
            filename=upload.name,
            location=metadata["location"],
            taken_at=metadata.get("taken_at"),
            detections=metadata.get("detections", []),
        )
        body = ImageDetailSerializer(image, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Register up to 500 images already under the image root, with their detections",
        tags=["ingest"],
        request=inputs.BatchIngestSerializer,
        responses={201: inputs.BatchIngestResultSerializer, 200: inputs.BatchIngestResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch", parser_classes=[DepthLimitedJSONParser])
    def batch(self, request):
        form = inputs.BatchIngestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        results = ingest.images_ingest_batch(form.validated_data["images"])
        created = sum(1 for r in results if r["created"])
        body = {
            "created_count": created,
            "existing_count": len(results) - created,
            "detection_count": sum(len(r["detection_ids"]) for r in results),
            "images": [
                {
                    "image_id": r["image"].pk,
                    "file": r["image"].file,
                    "created": r["created"],
                    "detection_ids": r["detection_ids"],
                }
                for r in results
            ],
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="The original image file",
        tags=["images"],
        responses={(200, "image/jpeg"): JPEG_RESPONSE, (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request, pk=None):
        image = self.get_object()
        return image_response(file_or_404(files.original_path, image), image.filename)

    @extend_schema(
        summary="A cached JPEG thumbnail of the image",
        tags=["images"],
        parameters=[SIZE_PARAMETER],
        responses={(200, "image/jpeg"): JPEG_RESPONSE},
    )
    @action(detail=True, methods=["get"], url_path="thumbnail")
    def thumbnail(self, request, pk=None):
        size = size_parameter(request)
        image = self.get_object()
        return image_response(file_or_404(files.thumbnail_path, image, size))
