"""The seasonal activity report: selectors' aggregates assembled into one JSON-ready document.

The same document feeds the JSON API, the staff preview and the PDF, so their numbers agree.
"""

from django.conf import settings
from django.utils import timezone

from core.timeutil import local_zone
from core.vocabulary import CLASSIFICATIONS
from detections.models import Location
from reports import effort, selectors
from reports.event_selectors import activity_aggregates
from reports.insights import activity_insights
from reports.periods import periods_for, previous_range

RATIO_CLASSES = ("buck", "doe", "fawn")
TOP_INDIVIDUALS = 10
# Positions in the (period, class, location) keys of selectors.detection_counts / event_counts.
PERIOD, CLASS, LOCATION = 0, 1, 2


def ordered_classes(counts):
    """Classes with at least one detection, in the canonical order (deer first)."""
    return [name for name in CLASSIFICATIONS if counts.get(name)] + sorted(
        name for name in counts if name not in CLASSIFICATIONS and counts[name]
    )


def percent_change(previous, current):
    if not previous:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def sex_ratio(by_class):
    """buck:doe:fawn as counts, per-doe figures and a text such as "1 : 2.40 : 0.85" (bucks = 1)."""
    counts = {name: by_class.get(name, 0) for name in RATIO_CLASSES}
    base = next((counts[name] for name in RATIO_CLASSES if counts[name]), 0)
    text = " : ".join(f"{counts[name] / base:.2f}".rstrip("0").rstrip(".") for name in RATIO_CLASSES) if base else None
    does = counts["doe"]
    return {
        **counts,
        "text": text,
        "bucks_per_doe": round(counts["buck"] / does, 2) if does else None,
        "fawns_per_doe": round(counts["fawn"] / does, 2) if does else None,
    }


def filters_summary(location_ids, classifications):
    names = list(Location.objects.filter(id__in=location_ids).values_list("name", flat=True)) if location_ids else []
    return {
        "location_ids": [str(i) for i in location_ids or []],
        "locations": names,
        "classifications": list(classifications or []),
    }


def report_header(report_type, title, location_ids, classifications):
    """The fields every report document starts with (activity and comparison)."""
    return {
        "report_type": report_type,
        "title": title,
        "site_name": settings.SITE_NAME,
        "time_zone": settings.TIME_ZONE,
        "independence_minutes": settings.INDEPENDENCE_MINUTES,
        "filters": filters_summary(location_ids, classifications),
        "generated_at": timezone.now().astimezone(local_zone()).isoformat(timespec="seconds"),
    }


def rollup(counts, *positions):
    """Sum aggregated {(period, class, location): n} rows over the other key positions."""
    totals = {}
    for key, n in counts.items():
        part = key[positions[0]] if len(positions) == 1 else tuple(key[p] for p in positions)
        totals[part] = totals.get(part, 0) + n
    return totals


def per_100(count, camera_days):
    """A rate per 100 camera-days (one decimal), None without effort."""
    return round(count * 100.0 / camera_days, 1) if camera_days else None


def _period_rows(start, end, group_by, detections, events, classes, location_ids):
    by_period_class = rollup(detections, PERIOD, CLASS)
    events_by_period = rollup(events, PERIOD)
    _, days, matrix = effort.operation_matrix(start, end, location_ids)
    daily = matrix.sum(axis=0)
    rows = []
    for period in periods_for(start, end, group_by):
        by_class = {name: by_period_class.get((period.key, name), 0) for name in classes}
        first, last = (period.start - start).days, (period.end - start).days
        camera_days = round(float(daily[first : last + 1].sum()), 2)
        n_events = events_by_period.get(period.key, 0)
        rows.append(
            {
                "label": period.label,
                "start_date": period.start.isoformat(),
                "end_date": period.end.isoformat(),
                "days": period.days,
                "detections": sum(by_class.values()),
                "events": n_events,
                "camera_days": camera_days,
                "events_per_100_camera_days": per_100(n_events, camera_days),
                "by_class": by_class,
            }
        )
    return rows


def _hour_rows(by_hour, classes):
    return [
        {
            "hour": hour,
            "detections": sum(by_hour.get((hour, name), 0) for name in classes),
            "by_class": {name: by_hour.get((hour, name), 0) for name in classes},
        }
        for hour in range(24)
    ]


def _location_rows(detections, events, start, end, location_ids):
    counts = rollup(detections, LOCATION)
    events = rollup(events, LOCATION)
    camera_days = selectors.camera_days_by_location(start, end, location_ids)
    locations = selectors.locations_by_id(set(counts) | set(camera_days))
    rows = []
    for loc_id, loc in locations.items():
        days = round(camera_days.get(loc_id, 0), 2)
        n = counts.get(loc_id, 0)
        n_events = events.get(loc_id, 0)
        rows.append(
            {
                "id": str(loc_id),
                "name": loc.name,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                "detections": n,
                "events": n_events,
                "camera_days": days,
                "events_per_100_camera_days": per_100(n_events, days),
                "detections_per_100_camera_days": per_100(n, days),
            }
        )
    rows.sort(key=lambda row: (-row["detections"], row["name"]))
    return rows


def _individual_rows(top):
    tz = local_zone()
    return [
        {
            "id": str(row["deer_id"]),
            "name": row["deer__name"] or f"Deer {str(row['deer_id'])[:8]}",
            "sex": row["deer__sex"],
            "detections": row["detections"],
            "first_seen": row["first_seen"].astimezone(tz).isoformat(),
            "last_seen": row["last_seen"].astimezone(tz).isoformat(),
        }
        for row in top
    ]


def build_activity_report(
    start,
    end,
    group_by="month",
    location_ids=None,
    classifications=None,
    title=None,
    include_previous=True,
    aggregates=None,
):
    """The full activity report for inclusive local dates start..end as a JSON-ready dict (`aggregates`:
    event_selectors.activity_aggregates of the same selection, when the caller has them already)."""
    location_ids = list(location_ids or [])
    classifications = list(classifications or [])
    qs = selectors.counted_detections(start, end, location_ids, classifications)

    aggregates = aggregates or activity_aggregates(qs, group_by)
    detections, events = aggregates.detections, aggregates.events
    by_class = rollup(detections, CLASS)
    classes = ordered_classes(by_class)
    periods = _period_rows(start, end, group_by, detections, events, classes, location_ids)
    locations = _location_rows(detections, events, start, end, location_ids)
    individual_count, top = selectors.individuals_seen(qs, TOP_INDIVIDUALS)
    total = sum(by_class.values())
    camera_days = round(sum(row["camera_days"] for row in locations), 2)
    n_events = sum(events.values())

    peak = max(periods, key=lambda row: row["detections"]) if total else None
    summary = {
        "total_detections": total,
        "independent_events": n_events,
        "by_class": {name: by_class[name] for name in classes},
        "ratio": sex_ratio(by_class),
        "individuals_seen": individual_count,
        "locations_with_detections": sum(1 for row in locations if row["detections"]),
        "camera_days": camera_days,
        "events_per_100_camera_days": per_100(n_events, camera_days),
        "detections_per_100_camera_days": per_100(total, camera_days),
        "peak_period": {
            "label": peak["label"],
            "start_date": peak["start_date"],
            "end_date": peak["end_date"],
            "detections": peak["detections"],
        }
        if peak
        else None,
        "average_per_period": round(total / len(periods), 1) if periods else 0,
    }
    report = {
        **report_header("seasonal_activity", title or "Seasonal Activity Report", location_ids, classifications),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "group_by": group_by,
        "empty": total == 0,
        "classes": classes,
        "summary": summary,
        "periods": periods,
        "hours": _hour_rows(aggregates.hours, classes),
        "locations": locations,
        "individuals": _individual_rows(top),
    }
    if include_previous:
        report["previous"] = previous_period_change(start, end, location_ids, classifications, by_class)
    report["insights"] = activity_insights(report)
    return report


def previous_period_change(start, end, location_ids, classifications, current_by_class):
    """Detections in the previous range of equal length and the change against it."""
    prev_start, prev_end = previous_range(start, end)
    previous = selectors.totals_by_class(
        selectors.counted_detections(prev_start, prev_end, location_ids, classifications)
    )
    total, prev_total = sum(current_by_class.values()), sum(previous.values())
    names = ordered_classes({**previous, **current_by_class})
    return {
        "start_date": prev_start.isoformat(),
        "end_date": prev_end.isoformat(),
        "total_detections": prev_total,
        "change": total - prev_total,
        "percent_change": percent_change(prev_total, total),
        "by_class": {
            name: {
                "previous": previous.get(name, 0),
                "current": current_by_class.get(name, 0),
                "percent_change": percent_change(previous.get(name, 0), current_by_class.get(name, 0)),
            }
            for name in names
        },
    }
