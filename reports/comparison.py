"""The comparison report: 2-5 labelled periods side by side, differences against the first one
(the baseline) and plain-language highlights."""

from datetime import date

from reports import selectors
from reports.activity import CLASS, ordered_classes, percent_change, report_header, rollup, sex_ratio

MAX_HIGHLIGHTS = 5
# Changes between counts this small (e.g. 7 -> 0) are listed after the others: a 100% change of a
# handful of detections is rarely the story of the period.
SMALL_COUNT = 10


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def period_figures(label, start, end, location_ids, classifications):
    qs = selectors.counted_detections(start, end, location_ids, classifications)
    detections = selectors.detection_counts(qs, "month")
    by_class = rollup(detections, CLASS)
    events = selectors.event_counts(qs, "month")
    individuals, _ = selectors.individuals_seen(qs, limit=0)
    days = (end - start).days + 1
    total = sum(by_class.values())
    return {
        "label": label,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "days": days,
        "total_detections": total,
        "independent_events": sum(events.values()),
        "detections_per_day": round(total / days, 2),
        "individuals_seen": individuals,
        "by_class": by_class,
        "ratio": sex_ratio(by_class),
    }


def _difference(metric, noun, base, other, base_value, value):
    change = percent_change(base_value, value)
    if change is None:
        text = f"{other['label']} has {value:,} {noun} where {base['label']} had none" if value else None
    elif change == 0:
        text = None
    else:
        word = "more" if change > 0 else "fewer"
        text = f"{other['label']} shows {abs(change):.0f}% {word} {noun} than {base['label']}"
    return {
        "metric": metric,
        "baseline_label": base["label"],
        "label": other["label"],
        "baseline_value": base_value,
        "value": value,
        "absolute_change": value - base_value,
        "percent_change": change,
        "interpretation": text,
    }


def differences(periods, classes):
    base = periods[0]
    rows = []
    for other in periods[1:]:
        rows.append(
            _difference(
                "total_detections", "detections", base, other, base["total_detections"], other["total_detections"]
            )
        )
        rows.append(
            _difference(
                "independent_events",
                "independent events",
                base,
                other,
                base["independent_events"],
                other["independent_events"],
            )
        )
        for name in classes:
            rows.append(
                _difference(
                    f"{name}_detections",
                    f"{name} detections",
                    base,
                    other,
                    base["by_class"].get(name, 0),
                    other["by_class"].get(name, 0),
                )
            )
    return rows


def highlights(rows):
    """The largest relative changes of substantial counts first, then changes of small counts,
    then 'appeared' changes (baseline zero)."""
    worded = [row for row in rows if row["interpretation"]]
    worded.sort(
        key=lambda row: (
            row["percent_change"] is None,
            max(row["baseline_value"], row["value"]) < SMALL_COUNT,
            -abs(row["percent_change"] or 0),
            -abs(row["absolute_change"]),
        )
    )
    lines = [row["interpretation"] + "." for row in worded[:MAX_HIGHLIGHTS]]
    return lines or ["No notable differences between the periods."]


def build_comparison_report(comparison_periods, location_ids=None, classifications=None, title=None):
    """`comparison_periods`: [{label, start_date, end_date}] with dates or ISO strings."""
    location_ids = list(location_ids or [])
    classifications = list(classifications or [])
    periods = [
        period_figures(p["label"], _as_date(p["start_date"]), _as_date(p["end_date"]), location_ids, classifications)
        for p in comparison_periods
    ]
    combined = {}
    for period in periods:
        for name, n in period["by_class"].items():
            combined[name] = combined.get(name, 0) + n
    classes = ordered_classes(combined)
    for period in periods:
        period["by_class"] = {name: period["by_class"].get(name, 0) for name in classes}
    rows = differences(periods, classes)
    total = sum(p["total_detections"] for p in periods)
    return {
        **report_header("comparison", title or "Period Comparison Report", location_ids, classifications),
        "start_date": min(p["start_date"] for p in periods),
        "end_date": max(p["end_date"] for p in periods),
        "empty": total == 0,
        "classes": classes,
        "periods": periods,
        "differences": rows,
        "highlights": highlights(rows) if total else ["No detections were recorded in any of the periods."],
    }
