"""The data-status chapter: per deployment, what a reader needs to judge the report's numbers.

For each deployment that overlaps the report's window (and, for a location without any, its inferred
interval): the effort it contributes (camera-days, outages removed), its outages, timestamp issues
(a corrected camera clock), the share of its counted detections a person reviewed, and its deer
detections not assigned to an individual; per location, the images outside every deployment.
Aggregates only: one aggregate per deployment over its range of the covering index det_counted_status
(UNION ALL, one statement), and one GROUP BY for the images outside.
"""

from django.db.models import CharField, Count, Q, Value
from django.utils import timezone

from core.timeutil import day_bounds, local_zone
from core.vocabulary import DEER_CLASSES
from detections.deployments import images_outside, inferred_intervals
from detections.models import Deployment, Detection, Image, Location

DAY = 86400.0


def _overlap(start, end, low, high):
    return max((min(end, high) - max(start, low)).total_seconds(), 0.0)


def _detection_figures(spans, low, high):
    """{key: figures} for spans {key: (location id, start, end)}: one aggregate per span over its range
    of the partial covering index det_counted_status (location, taken_at; index-only), joined by UNION
    ALL into one statement. (One pass labelling every row by CASE WHEN made PostgreSQL expect a group
    per row and sort every detection of the window to disk.)"""
    if not spans:
        return {}
    deer = Q(effective_classification__in=DEER_CLASSES)
    counted = Detection.objects.filter(is_valid=True, is_duplicate=False)
    parts = [
        counted.filter(location_id=location_id, taken_at__gte=max(start, low), taken_at__lt=min(end, high))
        .annotate(span=Value(key, output_field=CharField()))
        .values("span")
        .annotate(
            detections=Count("taken_at"),
            reviewed=Count("taken_at", filter=Q(is_reviewed=True)),
            deer_detections=Count("taken_at", filter=deer),
            unassigned=Count("taken_at", filter=deer & Q(deer__isnull=True)),
        )
        .order_by()
        for key, (location_id, start, end) in spans.items()
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    figures = {row.pop("span"): row for row in rows}
    empty = {"detections": 0, "reviewed": 0, "deer_detections": 0, "unassigned": 0}
    result = {}
    for key in spans:
        row = figures.get(key, empty)
        total = row["detections"]
        result[key] = {**row, "review_coverage": round(row["reviewed"] * 100.0 / total, 1) if total else None}
    return result


def _row(location, deployment, start, end, low, high, now):
    window_low, window_high = max(start, low), min(end or now, high, now)
    outages = list(deployment.outages.all()) if deployment else []
    lost = sum(_overlap(o.start_at, o.end_at, window_low, window_high) for o in outages)
    issues = []
    if deployment and deployment.clock_offset:
        issues.append(f"camera clock corrected by {deployment.clock_offset:+d} s")
    if deployment is None:
        issues.append("no deployment recorded: inferred from the first and last image")
    elif deployment.inferred:
        issues.append("inferred from the first and last image")
    tz = local_zone()
    return {
        "location": location.name,
        "deployment_id": str(deployment.id) if deployment else None,
        "camera_id": deployment.camera_id if deployment else "",
        "start": start.astimezone(tz).isoformat(timespec="minutes"),
        "end": end.astimezone(tz).isoformat(timespec="minutes") if end else None,
        "camera_days": round((_overlap(start, end or now, low, min(high, now)) - lost) / DAY, 2),
        "outages": [
            {
                "start": o.start_at.astimezone(tz).isoformat(timespec="minutes"),
                "end": o.end_at.astimezone(tz).isoformat(timespec="minutes"),
                "days": round((o.end_at - o.start_at).total_seconds() / DAY, 1),
                "reason": o.reason,
            }
            for o in outages
            if o.end_at > low and o.start_at < high
        ],
        "outage_days": round(lost / DAY, 2),
        "timestamp_issues": issues,
        "span": (location.id, window_low, window_high),
    }


def data_status(start, end, location_ids=None):
    """The chapter for the inclusive local dates start..end as a JSON-ready dict."""
    low, high = day_bounds(start, end)
    now = timezone.now()
    deployments = (
        Deployment.objects.filter(setup_at__lt=high)
        .filter(Q(pickup_at__isnull=True) | Q(pickup_at__gt=low))
        .select_related("location")
        .prefetch_related("outages")
        .order_by("location__name", "setup_at")
    )
    images = Image.objects.filter(taken_at__gte=low, taken_at__lt=high)
    if location_ids:
        deployments = deployments.filter(location_id__in=location_ids)
        images = images.filter(location_id__in=location_ids)
    rows = [_row(d.location, d, d.setup_at, d.pickup_at, low, high, now) for d in deployments]
    inferred = inferred_intervals(location_ids)
    names = Location.objects.in_bulk(list(inferred))
    for location_id, (first, last) in inferred.items():
        if first < high and last > low:
            rows.append(_row(names[location_id], None, first, last, low, high, now))
    rows.sort(key=lambda row: (row["location"], row["start"]))
    spans = {str(n): row.pop("span") for n, row in enumerate(rows)}
    spans = {key: span for key, span in spans.items() if span[2] > span[1]}
    figures = _detection_figures(spans, low, high)
    empty = {"detections": 0, "reviewed": 0, "deer_detections": 0, "unassigned": 0, "review_coverage": None}
    for n, row in enumerate(rows):
        row.update(figures.get(str(n), empty))
    outside = {
        name: n
        for name, n in images_outside(images)
        .values_list("location__name")
        .annotate(n=Count("*"))
        .order_by("location__name")
    }
    detections = sum(row["detections"] for row in rows)
    reviewed = sum(row["reviewed"] for row in rows)
    return {
        "deployments": rows,
        "images_outside": outside,
        "images_outside_total": sum(outside.values()),
        "camera_days": round(sum(row["camera_days"] for row in rows), 2),
        "detections": detections,
        "review_coverage": round(reviewed * 100.0 / detections, 1) if detections else None,
        "unassigned_deer": sum(row["unassigned"] for row in rows),
    }
