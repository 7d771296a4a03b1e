"""Occupancy inputs: the detection-history matrix of one or more classes and naive occupancy.

camtrapR `detectionHistory` layout: one row per location (station), one column per occasion of
`occasion_days` local days counted from start_date (o1, o2, ...; the last may be shorter, its
length is given); 1 = detected, 0 = not detected while the camera operated, NA = the camera operated
less than `min_camera_days` in the occasion (default: not at all). Effort per occasion comes from
the camera-operation matrix (reports.effort.operation_matrix), detections from one GROUP BY
(location, local day) over the counted detections of the classes. A detection on a day in an
occasion marked NA stays NA (the camera was not known to be operating).
Naive occupancy = locations with at least one detection / locations with at least one non-NA
occasion (MacKenzie et al. 2002 call it the naive estimate: it ignores imperfect detection).
"""

import csv
import io
import math

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate

from core.timeutil import as_local_date, local_zone
from detections.models import Location
from reports import effort, selectors

NA = "NA"


def detection_history(start, end, classifications, occasion_days=7, location_ids=None, min_camera_days=0.0):
    """The matrix and its figures as a JSON-ready dict."""
    locations, days, operating = effort.operation_matrix(start, end, location_ids)
    n_occasions = math.ceil(len(days) / occasion_days)
    occasion_of_day = np.arange(len(days)) // occasion_days
    effort_matrix = np.zeros((len(locations), n_occasions))
    for occasion in range(n_occasions):
        effort_matrix[:, occasion] = operating[:, occasion_of_day == occasion].sum(axis=1)
    detected = np.zeros((len(locations), n_occasions), dtype=bool)
    index = {loc: i for i, loc in enumerate(locations)}
    qs = selectors.counted_detections(start, end, location_ids, classifications)
    rows = (
        qs.annotate(day=TruncDate("taken_at", tzinfo=local_zone()))
        .values_list("location_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for location_id, day, _ in rows:
        i = index.get(location_id)
        if i is not None:
            detected[i, (as_local_date(day) - start).days // occasion_days] = True
    surveyed = effort_matrix > 1e-9 if min_camera_days <= 0 else effort_matrix >= min_camera_days
    names = Location.objects.in_bulk(locations)
    history = [
        [(1 if detected[i, j] else 0) if surveyed[i, j] else None for j in range(n_occasions)]
        for i in range(len(locations))
    ]
    sites_surveyed = int(surveyed.any(axis=1).sum())
    sites_detected = int((detected & surveyed).any(axis=1).sum())
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "classifications": list(classifications),
        "occasion_days": occasion_days,
        "occasions": [
            {
                "name": f"o{j + 1}",
                "start_date": days[j * occasion_days].isoformat(),
                "days": int((occasion_of_day == j).sum()),
            }
            for j in range(n_occasions)
        ],
        "stations": [
            {
                "id": str(loc),
                "name": names[loc].name,
                "history": history[i],
                "camera_days": [round(float(v), 3) for v in effort_matrix[i]],
            }
            for i, loc in sorted(enumerate(locations), key=lambda item: names[item[1]].name)
        ],
        "sites_surveyed": sites_surveyed,
        "sites_detected": sites_detected,
        "naive_occupancy": round(sites_detected / sites_surveyed, 3) if sites_surveyed else None,
    }


def history_csv(document):
    """camtrapR's detection-history CSV: station, o1..oN; NA where the camera did not operate."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["station", *[o["name"] for o in document["occasions"]]])
    for station in document["stations"]:
        writer.writerow([_cell(station["name"]), *[NA if v is None else v for v in station["history"]]])
    return buffer.getvalue()


def _cell(text):
    """A station name a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
