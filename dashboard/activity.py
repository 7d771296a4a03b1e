"""The dashboard's activity block: valid detections per day over the last 30 days, per class and per
camera site, counted in the database (two GROUP BY queries on the detections table)."""

from datetime import timedelta

from django.db.models import Count, Max
from django.db.models.functions import TruncDate

from core.timeutil import as_local_date, day_bounds, local_today, local_zone
from detections.models import Detection

DAYS = 30


def window_end(today=None):
    """The last day of the window: today, or the day of the latest detection when nothing was seen
    in the last 30 days (trail-camera cards arrive late); returns (end, shifted)."""
    today = today or local_today()
    start = today - timedelta(days=DAYS - 1)
    latest = Detection.objects.filter(is_valid=True, is_duplicate=False).aggregate(last=Max("taken_at"))["last"]
    if latest is None:
        return today, False
    latest_day = as_local_date(latest)
    if latest_day >= start:
        return today, False
    return latest_day, True


def _rows(detections, field, days):
    counts = {}
    for row in detections.values(field, "day").annotate(n=Count("id")):
        day = as_local_date(row["day"])
        per_day = counts.setdefault(row[field], {})
        per_day[day] = per_day.get(day, 0) + row["n"]
    rows = []
    for key, per_day in counts.items():
        series = [per_day.get(day, 0) for day in days]
        peak = max(series)
        bars = [
            {"day": day, "n": n, "height": round(100 * n / peak) if peak else 0}
            for day, n in zip(days, series, strict=True)
        ]
        rows.append({"key": key, "total": sum(series), "active_days": sum(1 for n in series if n), "bars": bars})
    return sorted(rows, key=lambda row: (-row["total"], str(row["key"])))


def last_30_days(today=None):
    end, shifted = window_end(today)
    start = end - timedelta(days=DAYS - 1)
    days = [start + timedelta(days=i) for i in range(DAYS)]
    low, high = day_bounds(start, end)
    detections = (
        Detection.objects.filter(is_valid=True, is_duplicate=False, taken_at__gte=low, taken_at__lt=high)
        .annotate(day=TruncDate("taken_at", tzinfo=local_zone()))
        .order_by()
    )
    return {
        "start": start,
        "end": end,
        "shifted": shifted,
        "by_class": _rows(detections, "effective_classification", days),
        "by_site": _rows(detections, "location__name", days),
    }
