"""Reads for exports: which detections an export covers, streamed in a stable order."""

from datetime import date

from django.db.models import Max, Min
from django.utils import timezone

from detections.models import Detection
from reports.selectors import counted_detections

ZIP_FIELDS = (
    "id",
    "image_id",
    "image__file",
    "image__filename",
    "image__width",
    "image__height",
    "taken_at",
    "location__name",
    "location__timezone",
    "effective_classification",
    "classification",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "deer_id",
    "deer__name",
    "is_reviewed",
)


def detections_for_filter(start_date, end_date, location_ids=None, classifications=None):
    """Valid, non-duplicate detections taken in [start_date, end_date] (local dates, inclusive):
    the detections a report over the same filter counts."""
    if isinstance(start_date, str):
        start_date, end_date = date.fromisoformat(start_date), date.fromisoformat(end_date)
    return counted_detections(start_date, end_date, location_ids, classifications)


def local_date_span(detection_ids):
    """(first, last) local dates (TIME_ZONE) on which the detections `detection_ids` were taken."""
    span = Detection.objects.filter(id__in=detection_ids).aggregate(first=Min("taken_at"), last=Max("taken_at"))
    return timezone.localdate(span["first"]), timezone.localdate(span["last"])


def detections_for_zip(params):
    """The detections of a ZIP export (params as stored on the ExportJob), as a queryset."""
    if "detection_ids" in params:
        return Detection.objects.filter(id__in=params["detection_ids"])
    return detections_for_filter(
        params["start_date"], params["end_date"], params.get("location_ids"), params.get("classifications")
    )


def zip_rows(params, chunk_size=500):
    """Dicts of ZIP_FIELDS, grouped by image (so each image file is decoded once), streamed."""
    return detections_for_zip(params).order_by("image_id", "id").values(*ZIP_FIELDS).iterator(chunk_size=chunk_size)
