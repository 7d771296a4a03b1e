"""Survey effort: camera-days of the deployments' operating time minus their outages.

One camera-day is 24 hours of operation (86,400 s), so a full local day across a DST change counts
23/24 or 25/24. A deployment operates on [setup_at, pickup_at) (an open one up to now), minus its
outages; a location without deployments is covered by its inferred interval (whole local days from
its first to its last image, detections.deployments.inferred_intervals). Days a camera worked without
taking a picture count; days it was not deployed or was out do not (camtrapR `cameraOperation`).

`camera_days_by_location` sums in the database (two GROUP BY queries: deployments and outages, each
clipped to the window); `operation_matrix` gives the same effort per location and local day (the
camtrapR camera-operation matrix) from the interval rows with numpy (a few rows per location, never
one per image or detection). Both agree; tests check it.
"""

from datetime import timedelta

import numpy as np
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from core.timeutil import day_bounds, day_start
from detections.deployments import inferred_intervals
from detections.models import Deployment, Outage

DAY_SECONDS = 86400.0


def _moment(value):
    return Value(value, output_field=DateTimeField())


def _clipped_sum(qs, start, end, low, high, group):
    """{group value: seconds} of [start, end) clipped to [low, high), summed per group in the database."""
    qs = qs.annotate(lo=Greatest(start, _moment(low)), hi=Least(end, _moment(high))).filter(hi__gt=F("lo"))
    span = ExpressionWrapper(F("hi") - F("lo"), output_field=DurationField())
    rows = qs.values(group).annotate(total=Sum(span)).order_by()
    return {row[group]: row["total"].total_seconds() for row in rows if row["total"] is not None}


def operating_seconds(low, high, location_ids=None):
    """{location id: seconds operated in [low, high)} (aware instants)."""
    now = timezone.now()
    high = min(high, now)
    if high <= low:
        return {}
    deployments = Deployment.objects.filter(setup_at__lt=high).filter(Q(pickup_at__isnull=True) | Q(pickup_at__gt=low))
    outages = Outage.objects.filter(start_at__lt=high, end_at__gt=low)
    if location_ids:
        deployments = deployments.filter(location_id__in=location_ids)
        outages = outages.filter(deployment__location_id__in=location_ids)
    running = Coalesce("pickup_at", _moment(now))
    seconds = _clipped_sum(deployments, F("setup_at"), running, low, high, "location_id")
    lost = _clipped_sum(
        outages,
        Greatest("start_at", "deployment__setup_at"),
        Least("end_at", Coalesce("deployment__pickup_at", _moment(now))),
        low,
        high,
        "deployment__location_id",
    )
    for location_id, value in lost.items():
        seconds[location_id] = seconds.get(location_id, 0.0) - value
    for location_id, (start, end) in inferred_intervals(location_ids).items():
        span = (min(end, high) - max(start, low)).total_seconds()
        if span > 0:
            seconds[location_id] = seconds.get(location_id, 0.0) + span
    return seconds


def camera_days(low, high, location_ids=None):
    """{location id: camera-days operated in [low, high)}."""
    return {key: value / DAY_SECONDS for key, value in operating_seconds(low, high, location_ids).items()}


def camera_days_between(start, end, location_ids=None):
    """{location id: camera-days} for the inclusive local dates start..end."""
    return camera_days(*day_bounds(start, end), location_ids)


# --- the camera-operation matrix ------------------------------------------------------------------


def _intervals(low, high, location_ids):
    """(location ids, starts, ends, signs) as arrays: +1 deployments (and inferred), -1 outages."""
    now = timezone.now()
    deployments = Deployment.objects.filter(setup_at__lt=high).filter(Q(pickup_at__isnull=True) | Q(pickup_at__gt=low))
    outages = Outage.objects.filter(start_at__lt=high, end_at__gt=low)
    if location_ids:
        deployments = deployments.filter(location_id__in=location_ids)
        outages = outages.filter(deployment__location_id__in=location_ids)
    rows = [
        (loc, start, min(end or now, now), 1.0)
        for loc, start, end in deployments.values_list("location_id", "setup_at", "pickup_at")
    ]
    for loc, start, end, setup, pickup in outages.values_list(
        "deployment__location_id", "start_at", "end_at", "deployment__setup_at", "deployment__pickup_at"
    ):
        rows.append((loc, max(start, setup), min(end, pickup or now, now), -1.0))
    rows += [(loc, start, min(end, now), 1.0) for loc, (start, end) in inferred_intervals(location_ids).items()]
    return rows


def operation_matrix(start, end, location_ids=None):
    """(location ids, local dates, matrix) with matrix[i, d] = camera-days location i operated on
    local day d of start..end (0 where it did not; a full day is 1, or 23/24 and 25/24 at DST)."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    edges = np.array([day_start(day).timestamp() for day in [*days, end + timedelta(days=1)]])
    rows = _intervals(day_start(start), day_start(end + timedelta(days=1)), location_ids)
    locations = sorted({row[0] for row in rows}, key=str)
    matrix = np.zeros((len(locations), len(days)))
    if not rows:
        return locations, days, matrix
    index = {loc: i for i, loc in enumerate(locations)}
    where = np.array([index[row[0]] for row in rows])
    starts = np.array([row[1].timestamp() for row in rows])[:, None]
    ends = np.array([row[2].timestamp() for row in rows])[:, None]
    signs = np.array([row[3] for row in rows])[:, None]
    # overlap of every interval with every day, in seconds: intervals x days
    overlap = np.clip(np.minimum(ends, edges[None, 1:]) - np.maximum(starts, edges[None, :-1]), 0, None)
    np.add.at(matrix, where, overlap * signs / DAY_SECONDS)
    return locations, days, np.clip(matrix, 0, None)
