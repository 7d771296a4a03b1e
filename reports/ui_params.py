"""The staff report form (GET query) turned into a validated PDF request dict.

The form posts flat fields (comparison periods as p1_label, p1_start_date, ...); they are checked
by the same serializers as the API, so the preview, the API and the PDF share one set of rules.
"""

from rest_framework.exceptions import ValidationError

from core.api_errors import first_message, flatten_errors
from reports.api.serializers import ActivityQuerySerializer, CensusQuerySerializer, ComparisonRequestSerializer

MAX_PERIODS = 5
OPTION_NAMES = ("include_charts", "include_tables", "include_insights")
ACTIVITY_FIELDS = ("start_date", "end_date", "season", "year", "group_by")


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
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return None, {"detail": first_message(detail), "errors": flatten_errors(detail)}
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
