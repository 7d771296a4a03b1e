"""Reads for the deer and review APIs, aggregated in the database."""

from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from core.timeutil import as_local_date, local_zone
from detections.models import Detection
from reid.models import Deer, RejectedCandidate, ReviewItem

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


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
    from django.conf import settings

    from reid.constraints import haversine_km
    from reid.constraints import travel_note as note

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
        km = float(haversine_km(here.latitude, here.longitude, lat, lon))
        seconds = (detection.taken_at - taken).total_seconds()
        if km > settings.REID_MAX_SPEED_KMH * abs(seconds) / 3600.0:
            return note(km, seconds)
    return ""
