"""The activity-overlap report: two groups of independent events (classes, dates, locations) ->
times of day in clock or sun time -> densities and Delta-hat with a bootstrap CI (reports.overlap).

Sun time (Nouvellet et al. 2012, overlap::sunTime): sunrise maps to pi/2 (06:00) and sunset to
3 pi/2 (18:00); day and night are stretched linearly in between. Sunrise and sunset come from
astral for each local date at the centroid of the groups' sites with coordinates.
"""

from datetime import datetime, time

import numpy as np
from astral import Observer
from astral.sun import sun

from core.timeutil import local_zone
from detections.models import Location
from reports import event_selectors, selectors
from reports.activity import report_header
from reports.overlap import N_GRID, TWO_PI, Sample, density_curve, overlap_figures

MINUTES_PER_DAY = 1440
CURVE_POINTS = 97  # every 15 minutes, midnight at both ends


def _centroid(location_ids):
    qs = Location.objects.exclude(latitude=None).exclude(longitude=None)
    if location_ids:
        qs = qs.filter(id__in=location_ids)
    coords = list(qs.values_list("latitude", "longitude"))
    if not coords:
        return None
    return float(np.mean([c[0] for c in coords])), float(np.mean([c[1] for c in coords]))


def sun_angles(days, clock, latitude, longitude):
    """Sun times (radians) for local dates `days` and clock angles `clock` (arrays of one length).

    Dates whose sun does not rise or set (polar day or night) keep their clock time.
    """
    zone, observer = local_zone(), Observer(latitude=latitude, longitude=longitude)
    unique, index = np.unique(np.asarray(days, dtype="datetime64[D]"), return_inverse=True)
    rise, sets = np.full(len(unique), np.nan), np.full(len(unique), np.nan)
    for i, day in enumerate(unique.astype(object)):
        try:
            times = sun(observer, day, tzinfo=zone)
        except ValueError:
            continue
        midnight = datetime.combine(day, time(), zone)
        rise[i] = (times["sunrise"] - midnight).total_seconds() / 86400 * TWO_PI
        sets[i] = (times["sunset"] - midnight).total_seconds() / 86400 * TWO_PI
    sr, ss, clock = rise[index], sets[index], np.asarray(clock, dtype=float)
    is_day = (clock > sr) & (clock < ss)
    start = np.where(is_day, sr, ss)
    span = np.where(is_day, ss - sr, TWO_PI - (ss - sr))
    since = np.mod(clock - start, TWO_PI)
    result = np.mod(np.where(is_day, np.pi / 2, 3 * np.pi / 2) + since / span * np.pi, TWO_PI)
    return np.where(np.isnan(sr) | np.isnan(ss), clock, result)


def _event_rows(group, time_basis, classes):
    qs = selectors.counted_detections(group["start_date"], group["end_date"], group.get("location_ids"), classes)
    return event_selectors.event_minutes(qs, with_date=time_basis == "sun")


def group_sample(rows, classes, time_basis, coordinates):
    """The Sample of the event start times of `classes` among event_minutes rows."""
    rows = [row for row in rows if row[0] in classes]
    if not rows:
        return Sample(np.zeros(0), np.zeros(0))
    clock = np.array([minute for _, _, minute, _ in rows], dtype=float) * TWO_PI / MINUTES_PER_DAY
    counts = np.array([n for *_, n in rows], dtype=float)
    if time_basis == "sun" and coordinates:
        clock = sun_angles([day for _, day, _, _ in rows], clock, *coordinates)
    return Sample.from_angles(clock, counts)


def _samples(group_a, group_b, time_basis, coordinates, event_rows=None):
    """Both groups' Samples; one query when they share dates and locations (events are per class)."""
    same = all(group_a[key] == group_b[key] for key in ("start_date", "end_date", "location_ids"))
    if event_rows is not None:
        rows_a = rows_b = event_rows
    elif same:
        rows = _event_rows(
            group_a, time_basis, sorted(set(group_a["classifications"]) | set(group_b["classifications"]))
        )
        rows_a = rows_b = rows
    else:
        rows_a = _event_rows(group_a, time_basis, group_a["classifications"])
        rows_b = _event_rows(group_b, time_basis, group_b["classifications"])
    return (
        group_sample(rows_a, group_a["classifications"], time_basis, coordinates),
        group_sample(rows_b, group_b["classifications"], time_basis, coordinates),
    )


def _group_summary(group, sample):
    return {
        "label": group["label"],
        "classifications": list(group["classifications"]),
        "start_date": group["start_date"].isoformat(),
        "end_date": group["end_date"].isoformat(),
        "events": sample.n,
    }


def _curve(sample):
    grid, values = density_curve(sample, CURVE_POINTS)
    return None if values is None else [round(float(v), 5) for v in values]


def build_overlap_report(
    group_a, group_b, time_basis="clock", resamples=1000, seed=0, location_ids=None, title=None, event_rows=None
):
    """Overlap of the activity of group_a and group_b; groups are dicts with label, classifications,
    start_date, end_date (dates) and optional location_ids. `event_rows`: event_selectors.event_minutes
    rows of both groups (clock time, same dates and locations), when the caller has them already."""
    location_ids = list(location_ids or [])
    for group in (group_a, group_b):
        group.setdefault("location_ids", location_ids)
    coordinates = _centroid(location_ids) if time_basis == "sun" else None
    a, b = _samples(group_a, group_b, time_basis, coordinates, event_rows)
    figures = overlap_figures(a, b, resamples, seed) if a.n and b.n else overlap_figures(a, b, 0, seed)
    hours = np.linspace(0.0, 24.0, CURVE_POINTS)
    return {
        **report_header("overlap", title or "Activity overlap", location_ids, []),
        "time_basis": time_basis if coordinates or time_basis == "clock" else "clock",
        "sun_reference": {"latitude": coordinates[0], "longitude": coordinates[1]} if coordinates else None,
        "groups": [_group_summary(group_a, a), _group_summary(group_b, b)],
        "empty": not (a.n and b.n),
        "overlap": figures,
        "curve": {"hours": [round(float(h), 2) for h in hours], "a": _curve(a), "b": _curve(b)},
        "grid_points": N_GRID,
    }
