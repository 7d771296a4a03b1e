"""The staff report form (GET query) turned into a validated PDF request dict.

The form posts flat fields (comparison periods as p1_label, p1_start_date, ...); they are checked
by the same serializers as the API, so the preview, the API and the PDF share one set of rules.
"""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.api_errors import first_message, flatten_errors
from core.timeutil import as_local_date
from detections.models import Detection
from reports.api.serializers import (
    ActivityQuerySerializer,
    CensusQuerySerializer,
    ComparisonRequestSerializer,
    OverlapQuerySerializer,
)

MAX_PERIODS = 5
OPTION_NAMES = ("include_charts", "include_tables", "include_insights")
ACTIVITY_FIELDS = ("start_date", "end_date", "season", "year", "group_by")


DEFAULT_DAYS = 91


def default_dates():
    """(start, end) the blank form starts with: the 91 days up to the last counted detection (yesterday
    without any), so the form submitted unchanged shows a report with data."""
    latest = Detection.objects.filter(is_valid=True, is_duplicate=False).aggregate(last=Max("taken_at"))["last"]
    end = as_local_date(latest) if latest else timezone.localdate() - timedelta(days=1)
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def _periods(query):
    periods = []
    for index in range(1, MAX_PERIODS + 1):
        row = {name: query.get(f"p{index}_{name}", "").strip() for name in ("label", "start_date", "end_date")}
        if any(row.values()):
            periods.append(row)
    return periods


def _options(query):
    # Checkboxes: the form sends "submitted=1" with the ticked boxes only.
    return {name: name in query for name in OPTION_NAMES}


def _error(exc):
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    return {"detail": first_message(detail), "errors": flatten_errors(detail)}


OVERLAP_DEFAULT = {"a": ["buck"], "b": ["doe"], "time_basis": "clock"}
OVERLAP_TEXT = ("b_start_date", "b_end_date", "a_label", "b_label")


def overlap_from_query(query, params):
    """The activity-overlap groups chosen on the form (fields overlap_a, overlap_b, overlap_b_start_date,
    overlap_b_end_date, overlap_a_label, overlap_b_label, overlap_time_basis) for the report `params`,
    checked by the API's OverlapQuerySerializer: (validated data, None) or (None, error). A query
    without the form's fields (an older link) gets buck against doe in clock time."""
    data = {
        "start_date": params["start_date"],
        "end_date": params["end_date"],
        "location_ids": params["location_ids"],
        "resamples": 1000,
        **OVERLAP_DEFAULT,
    }
    if "overlap_time_basis" in query:  # the form was used: the groups are as chosen, even left empty
        data.update(a=query.getlist("overlap_a"), b=query.getlist("overlap_b"), time_basis=query["overlap_time_basis"])
        data.update({name: query[f"overlap_{name}"].strip() for name in OVERLAP_TEXT if query.get(f"overlap_{name}")})
        for group in ("a", "b"):
            if not data[group]:
                message = f"Activity overlap: choose at least one class for group {group}."
                return None, {"detail": message, "errors": {f"overlap_{group}": [message]}}
    serializer = OverlapQuerySerializer(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        error = _error(exc)
        return None, {**error, "detail": f"Activity overlap: {error['detail']}"}
    return serializer.validated_data, None


def params_from_query(query):
    """(params, None) for a valid form, or (None, {"detail": first message, "errors": {...}})."""
    report_type = query.get("report_type", "seasonal_activity")
    common = {
        "location_ids": [v for v in query.getlist("location_ids") if v],
        "classifications": [v for v in query.getlist("classifications") if v],
    }
    try:
        if report_type == "comparison":
            serializer = ComparisonRequestSerializer(data={"periods": _periods(query), **common})
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            periods = [
                {"label": p["label"], "start_date": p["start_date"].isoformat(), "end_date": p["end_date"].isoformat()}
                for p in data["periods"]
            ]
            start = min(p["start_date"] for p in periods)
            end = max(p["end_date"] for p in periods)
            group_by = "month"
        elif report_type == "census":
            fields = {name: query[name] for name in ("start_date", "end_date") if query.get(name)}
            serializer = CensusQuerySerializer(data={**fields, "location_ids": common["location_ids"]})
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            periods, group_by = [], "month"
            start, end = data["start_date"].isoformat(), data["end_date"].isoformat()
        else:
            fields = {name: query[name] for name in ACTIVITY_FIELDS if query.get(name)}
            if fields.get("season"):
                fields.pop("start_date", None)
                fields.pop("end_date", None)
            else:
                fields.pop("year", None)
            serializer = ActivityQuerySerializer(data={**fields, **common})
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            periods, group_by = [], data.get("group_by") or "month"
            start, end = data["start_date"].isoformat(), data["end_date"].isoformat()
    except ValidationError as exc:
        return None, _error(exc)
    params = {
        "report_type": report_type if report_type in ("comparison", "census") else "seasonal_activity",
        "start_date": start,
        "end_date": end,
        "group_by": group_by,
        "location_ids": [str(v) for v in data.get("location_ids") or []],
        "classifications": list(data.get("classifications") or []),
        "title": query.get("title", "").strip()[:200],
        "comparison_periods": periods,
        **_options(query),
    }
    return params, None
