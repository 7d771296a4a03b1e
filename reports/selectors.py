"""Report selectors: every figure is an aggregate query in the database.

All figures count valid, non-duplicate detections by their effective classification, in the
half-open window [start 00:00, end+1 00:00) of TIME_ZONE. Each function runs one query (two for
locations: detections and camera-days) and returns aggregated rows only.
"""
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db.models import Count, F, Max, Min, Value
from django.db.models.fields import DateTimeField
from django.db.models.functions import ExtractHour, Lag, TruncDate, TruncDay, TruncMonth, TruncWeek
from django.db.models.expressions import Window

from detections.models import Detection, Image, Location
from reports.periods import as_local_date, day_bounds, report_tz

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
# Lag() default for the first detection of a (location, class) series: long before any photo.
_DAWN_OF_TIME = datetime(1900, 1, 1, tzinfo=timezone.utc)


def counted_detections(start, end, location_ids=None, classifications=None):
    """Valid, non-duplicate detections taken between the inclusive local dates start..end."""
    low, high = day_bounds(start, end)
    qs = Detection.objects.filter(is_valid=True, is_duplicate=False, taken_at__gte=low, taken_at__lt=high)
    if location_ids:
        qs = qs.filter(location_id__in=location_ids)
    if classifications:
        qs = qs.filter(effective_classification__in=classifications)
    return qs.order_by()


def period_expression(group_by):
    return TRUNC[group_by]("taken_at", tzinfo=report_tz())


def totals_by_class(qs):
    """{class: detections}"""
    rows = qs.values("effective_classification").annotate(n=Count("id")).order_by()
    return {row["effective_classification"]: row["n"] for row in rows}


def detections_by_period(qs, group_by):
    """{(period key date, class): detections}"""
    rows = (
        qs.annotate(period=period_expression(group_by))
        .values("period", "effective_classification")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(as_local_date(row["period"]), row["effective_classification"]): row["n"] for row in rows}


def independent_event_starts(qs, minutes=None):
    """The detections that start an independent event.

    A detection starts an event when the previous detection of the same effective class at the
    same location (within the selected detections) is more than `minutes` earlier, or there is none.
    """
    minutes = settings.INDEPENDENCE_MINUTES if minutes is None else minutes
    previous = Window(
        Lag("taken_at", default=Value(_DAWN_OF_TIME, output_field=DateTimeField())),
        partition_by=[F("location_id"), F("effective_classification")],
        order_by=[F("taken_at").asc(), F("id").asc()],
    )
    starts = qs.annotate(previous_at=previous).filter(previous_at__lt=F("taken_at") - timedelta(minutes=minutes))
    # Django filters on a window in a wrapping subquery; aggregating that queryset directly would
    # group before the window is evaluated, so callers aggregate over `pk IN (starts)` instead.
    return qs.filter(pk__in=starts.values("pk"))


def events_by_period(qs, group_by, minutes=None):
    """{(period key date, class): independent events}"""
    rows = (
        independent_event_starts(qs, minutes)
        .annotate(period=period_expression(group_by))
        .values("period", "effective_classification")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(as_local_date(row["period"]), row["effective_classification"]): row["n"] for row in rows}


def events_by_location(qs, minutes=None):
    """{location id: independent events}"""
    rows = independent_event_starts(qs, minutes).values("location_id").annotate(n=Count("id")).order_by()
    return {row["location_id"]: row["n"] for row in rows}


def detections_by_hour(qs):
    """{(local hour 0..23, class): detections}"""
    rows = (
        qs.annotate(hour=ExtractHour("taken_at", tzinfo=report_tz()))
        .values("hour", "effective_classification")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["hour"], row["effective_classification"]): row["n"] for row in rows}


def detections_by_location(qs):
    """{location id: detections}"""
    rows = qs.values("location_id").annotate(n=Count("id")).order_by()
    return {row["location_id"]: row["n"] for row in rows}


def camera_days_by_location(start, end, location_ids=None):
    """{location id: number of local days on which the location's camera produced images}."""
    low, high = day_bounds(start, end)
    qs = Image.objects.filter(taken_at__gte=low, taken_at__lt=high)
    if location_ids:
        qs = qs.filter(location_id__in=location_ids)
    rows = (
        qs.annotate(day=TruncDate("taken_at", tzinfo=report_tz()))
        .values("location_id")
        .annotate(days=Count("day", distinct=True))
        .order_by()
    )
    return {row["location_id"]: row["days"] for row in rows}


def locations_by_id(ids):
    return {loc.id: loc for loc in Location.objects.filter(id__in=list(ids))}


def individuals_seen(qs, limit=10):
    """(number of individuals, top `limit` rows with detections and first/last sighting in range)."""
    linked = qs.filter(deer__isnull=False)
    rows = (
        linked.values("deer_id", "deer__name", "deer__sex")
        .annotate(detections=Count("id"), first_seen=Min("taken_at"), last_seen=Max("taken_at"))
        .order_by("-detections", "first_seen")
    )
    top = list(rows[:limit]) if limit else []
    count = linked.values("deer_id").distinct().count()
    return count, top
