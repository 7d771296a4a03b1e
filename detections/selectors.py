"""Reads for the detections app: querysets for the API and the staff UI, review statistics."""

import uuid

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import QueryDict

from detections.filters import DetectionFilter
from detections.models import Detection, DetectionCorrection, Image, Location

FLOAT32_BYTES = 4


def location_by_reference(reference):
    """The Location whose id or (case-insensitive) name is `reference`, or None."""
    if reference is None or str(reference).strip() == "" or "\x00" in str(reference):
        return None  # no id or name holds a NUL byte (and PostgreSQL text cannot be asked for one)
    text = str(reference).strip()
    try:
        by_id = Location.objects.filter(id=uuid.UUID(text)).first()
    except ValueError:
        by_id = None
    return by_id or Location.objects.filter(name__iexact=text).first()


def image_list():
    return Image.objects.select_related("location")


def detection_list():
    """Detections with what a list shows beside them; the embedding bytes are deferred."""
    return (
        Detection.objects.select_related("image", "location", "deer", "reviewed_by")
        .defer("embedding", "image__exif", "deer__centroid")
        .annotate(has_embedding=ExpressionWrapper(Q(embedding__isnull=False), output_field=BooleanField()))
    )


def detection_detail():
    return Detection.objects.select_related("image", "location", "deer", "reviewed_by")


def detection_history(detection):
    return DetectionCorrection.objects.filter(detection=detection).select_related("user").order_by("created_at", "id")


def embedding_dimension(model_name):
    """The dimension that embeddings of `model_name` already have in the database, or None.

    Taken from one stored detection embedding of that model, else from a deer centroid of it (the deer
    model is reached through Detection.deer, so that detections does not import reid).
    """
    if not model_name:
        return None
    stored = Detection.objects.filter(embedding_model=model_name, embedding__isnull=False).values_list(
        "embedding", flat=True
    )[:1]
    for blob in stored:
        return len(bytes(blob)) // FLOAT32_BYTES
    deer_model = Detection._meta.get_field("deer").related_model
    centroids = deer_model.objects.filter(embedding_model=model_name, centroid__isnull=False).values_list(
        "centroid", flat=True
    )[:1]
    for blob in centroids:
        return len(bytes(blob)) // FLOAT32_BYTES
    return None


def review_stats(queryset):
    """Review progress over `queryset` (already filtered): one grouped scan in the database,
    the per-class rows (a dozen at most) summed up here."""
    rows = list(
        queryset.order_by()
        .values("effective_classification")
        .annotate(
            total=Count("id"),
            reviewed=Count("id", filter=Q(is_reviewed=True)),
            valid=Count("id", filter=Q(is_valid=True)),
            corrected=Count("id", filter=Q(corrected_classification__isnull=False)),
            duplicates=Count("id", filter=Q(is_duplicate=True)),
        )
        .order_by("effective_classification")
    )
    total = sum(row["total"] for row in rows)
    reviewed = sum(row["reviewed"] for row in rows)
    valid = sum(row["valid"] for row in rows)
    return {
        "total_count": total,
        "reviewed_count": reviewed,
        "unreviewed_count": total - reviewed,
        "valid_count": valid,
        "invalid_count": total - valid,
        "corrected_count": sum(row["corrected"] for row in rows),
        "duplicate_count": sum(row["duplicates"] for row in rows),
        "progress_percent": round(100.0 * reviewed / total, 1) if total else 0.0,
        "by_classification": [
            {
                "classification": row["effective_classification"],
                "total_count": row["total"],
                "reviewed_count": row["reviewed"],
            }
            for row in rows
        ],
    }


def matching_ids(query_string, limit):
    """(ids, total, error) of the detections the page's filter `query_string` selects, at most `limit` ids."""
    filterset = DetectionFilter(QueryDict(query_string), queryset=Detection.objects.all())
    if not filterset.is_valid():
        return (
            [],
            0,
            "The filters are not valid: "
            + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()),
        )
    queryset = filterset.qs.order_by("-taken_at", "-id")
    total = queryset.count()
    return list(queryset.values_list("id", flat=True)[:limit]), total, None


def _after(ordering, row):
    """Q selecting the rows that come after `row` in `ordering` (field names, '-' for descending)."""
    condition = Q(pk__in=[])
    equal = Q()
    for field in ordering:
        name = field.lstrip("-")
        value = getattr(row, name) if "__" not in name else row.location.name
        step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        condition |= equal & step
        equal &= Q(**{name: value})
    return condition


def neighbours(queryset, ordering, row):
    """(previous, next) rows of `row` within `queryset` sorted by `ordering` (ends with the primary key)."""
    reverse = [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]
    following = queryset.filter(_after(ordering, row)).order_by(*ordering).first()
    preceding = queryset.filter(_after(reverse, row)).order_by(*reverse).first()
    return preceding, following


def burst_members(detection):
    """The detections of the same burst (or else of the same image), in time order."""
    members = Detection.objects.all()
    if detection.burst:
        members = members.filter(burst=detection.burst)
    else:
        members = members.filter(image_id=detection.image_id)
    return list(members.order_by("taken_at", "bbox_x", "id").only("id", "taken_at", "effective_classification"))
