"""Reads for matching (the detections a run matches, as burst rows; the thresholds to show) and for
the deer and review APIs, aggregated in the database."""

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from core.timeutil import as_local_date, local_zone
from detections.models import Detection
from reid import constraints
from reid.bursts import BurstRow
from reid.models import Deer, ReidCalibration, RejectedCandidate, ReviewItem

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}

BURST_ROW_FIELDS = (
    "id",
    "location_id",
    "effective_classification",
    "taken_at",
    "image_id",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "confidence",
)


def matchable_detections(unassigned=True):
    """Deer detections with an embedding (Detection.objects.matchable) that no reviewer marked
    unidentifiable: the unassigned ones, or with unassigned=False every one (what a reset run matches)."""
    found = Detection.objects.matchable().exclude(reid_review__status=ReviewItem.Status.UNIDENTIFIABLE)
    return found.filter(deer__isnull=True) if unassigned else found


def burst_rows(queryset):
    """The detections of `queryset` as BurstRows with their embeddings (none assigned)."""
    rows = []
    for values in queryset.values_list(*BURST_ROW_FIELDS, "embedding", "embedding_model"):
        pk, loc, cls, taken, image, x, y, w, h, conf, blob, model_name = values
        embedding = np.frombuffer(bytes(blob), dtype=np.float32) if blob is not None else None
        rows.append(BurstRow(pk, loc, cls, taken, image, (x, y, w, h), conf, model=model_name, embedding=embedding))
    return rows


def needing_embeddings():
    """Deer sightings that have no embedding yet."""
    return Detection.objects.deer_sightings().filter(embedding=None)


FALLBACK = (0.70, 0.55)  # score thresholds shown or logged when nothing else says (no override, no calibration)


def nominal_thresholds():
    """(link, review) score thresholds to show or log where one pair is needed for all models: the
    explicit override, else the most recent calibration's, else FALLBACK."""
    if settings.REID_THRESHOLD is not None:
        review = settings.REID_REVIEW_THRESHOLD
        return settings.REID_THRESHOLD, min(
            settings.REID_THRESHOLD if review is None else review, settings.REID_THRESHOLD
        )
    latest = ReidCalibration.objects.filter(enough_evidence=True).order_by("-fitted_at").first()
    if latest is not None:
        return latest.link_threshold, latest.review_threshold
    return FALLBACK


def deer_list():
    return Deer.objects.all()


def deer_sightings(deer):
    return Detection.objects.filter(deer=deer, is_valid=True)


def deer_timeline(deer, group_by="month"):
    rows = (
        deer_sightings(deer)
        .annotate(period=TRUNC[group_by]("taken_at", tzinfo=local_zone()))
        .values("period")
        .annotate(sightings=Count("id"), locations=Count("location", distinct=True))
        .order_by("period")
    )
    return [
        {
            "period": as_local_date(r["period"]).isoformat(),
            "sightings": r["sightings"],
            "locations": r["locations"],
        }
        for r in rows
    ]


def deer_locations(deer):
    rows = (
        deer_sightings(deer)
        .values("location", "location__name", "location__latitude", "location__longitude")
        .annotate(sightings=Count("id"), first_seen=Min("taken_at"), last_seen=Max("taken_at"))
        .order_by("-sightings", "location__name")
    )
    return [
        {
            "location_id": str(r["location"]),
            "name": r["location__name"],
            "latitude": r["location__latitude"],
            "longitude": r["location__longitude"],
            "sightings": r["sightings"],
            "first_seen": r["first_seen"],
            "last_seen": r["last_seen"],
        }
        for r in rows
    ]


def review_queue(status=ReviewItem.Status.PENDING):
    items = ReviewItem.objects.filter(status=status).select_related("detection", "detection__location")
    if status == ReviewItem.Status.PENDING:
        # skipped items go to the back of the queue
        from django.db.models import F

        # most uncertain first (what a decision teaches most), then oldest first
        return items.order_by(
            F("skipped_at").asc(nulls_first=True), F("uncertainty").asc(nulls_last=True), "created_at"
        )
    return items.order_by("-decided_at")


def offered_candidates(item):
    """The item's candidates that still exist and were not rejected, best first, with their deer."""
    rejected = set(RejectedCandidate.objects.filter(detection=item.detection).values_list("deer_id", flat=True))
    ids = [c["deer_id"] for c in item.candidates]
    deer = {str(d.pk): d for d in Deer.objects.filter(pk__in=ids)}
    out = []
    for candidate in item.candidates:
        d = deer.get(candidate["deer_id"])
        if d is not None and d.pk not in rejected:
            out.append(
                {
                    "deer": d,
                    "score": candidate["score"],
                    "probability": candidate.get("probability"),
                    "travel_note": travel_note(item.detection, d),
                }
            )
    return out


def fill_empty_periods(timeline, group_by, limit=800):
    """The timeline with a zero row for every day/week/month between its first and last row, so that
    a chart shows the quiet periods (at most `limit` rows: a longer span is left as it is)."""
    from datetime import date, timedelta

    if len(timeline) < 2:
        return timeline
    rows = {row["period"]: row for row in timeline}
    current, last = date.fromisoformat(timeline[0]["period"]), date.fromisoformat(timeline[-1]["period"])
    out = []
    while current <= last and len(out) < limit:
        key = current.isoformat()
        out.append(rows.get(key, {"period": key, "sightings": 0, "locations": 0}))
        if group_by == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current += timedelta(days=7 if group_by == "week" else 1)
    return out if current > last else timeline


def travel_note(detection, deer):
    """'seen 14 km away 20 min earlier' when the deer's sighting nearest in time at another location
    is farther than REID_MAX_SPEED_KMH allows in the time between (reid.constraints), else ''."""
    here = detection.location
    if here.latitude is None or here.longitude is None:
        return ""
    others = Detection.objects.filter(deer=deer).exclude(location=here).exclude(location__latitude=None)
    fields = ("taken_at", "location__latitude", "location__longitude")
    nearest = [
        others.filter(taken_at__lte=detection.taken_at).order_by("-taken_at").values_list(*fields).first(),
        others.filter(taken_at__gt=detection.taken_at).order_by("taken_at").values_list(*fields).first(),
    ]
    for found in nearest:
        if found is None or found[2] is None:
            continue
        taken, lat, lon = found
        km = float(constraints.haversine_km(here.latitude, here.longitude, lat, lon))
        seconds = (detection.taken_at - taken).total_seconds()
        if km > settings.REID_MAX_SPEED_KMH * abs(seconds) / 3600.0:
            return constraints.travel_note(km, seconds)
    return ""
