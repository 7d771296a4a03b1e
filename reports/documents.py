"""One entry point from a validated report request (the PDF request fields) to the report
document, and the template context shared by the PDF and the staff preview."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.db import connection, connections

from reports import selectors
from reports.activity import build_activity_report
from reports.api.serializers import overlap_for_report, overlap_groups
from reports.cache import cached_report
from reports.census import build_census_report
from reports.comparison import build_comparison_report
from reports.data_status import data_status
from reports.event_selectors import activity_aggregates
from reports.overlap_report import build_overlap_report
from reports.station_map import station_map_svg, station_rows

OPTION_NAMES = ("include_charts", "include_tables", "include_insights")
OVERLAP_CLASSES = ["buck", "doe"]


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def report_for_params(params, overlap=None):
    """Build the report for the validated request `params` (see reports.pdf.render_report_pdf).
    `overlap`: the activity-overlap request (validated OverlapQuerySerializer data) of an activity
    report; when None, the groups of params["overlap"] (a PDF request's, see overlap_for_report), else
    buck against doe over the report's dates in clock time."""
    location_ids = params.get("location_ids") or []
    classifications = params.get("classifications") or []
    start, end = _as_date(params["start_date"]), _as_date(params["end_date"])
    if params.get("report_type") == "comparison":
        return build_comparison_report(
            params["comparison_periods"], location_ids, classifications, title=params.get("title")
        )
    if params.get("report_type") == "census":
        return build_census_report(start, end, location_ids, title=params.get("title"))
    group_by = params.get("group_by") or "month"
    if overlap is None and params.get("overlap"):
        overlap = overlap_for_report(params["overlap"], start, end, location_ids)
    overlap = overlap or {"start_date": start, "end_date": end, "a": OVERLAP_CLASSES[:1], "b": OVERLAP_CLASSES[1:]}
    group_a, group_b = overlap_groups(overlap)
    aggregates = event_rows = None
    if not classifications:
        # The whole selection: one pass of the events window gives the activity figures, and the overlap's
        # event times too when its groups share the report's dates and clock time.
        qs = selectors.counted_detections(start, end, location_ids)
        shares = overlap.get("time_basis", "clock") == "clock" and all(
            (group["start_date"], group["end_date"]) == (start, end) for group in (group_a, group_b)
        )
        minute_classes = sorted(set(group_a["classifications"]) | set(group_b["classifications"])) if shares else []
        aggregates = activity_aggregates(qs, group_by, minute_classes)
        event_rows = aggregates.minute_rows if shares else None
    report = build_activity_report(
        start, end, group_by, location_ids, classifications, params.get("title"), True, aggregates
    )
    report["stations"] = station_rows(report)
    report["overlap"] = build_overlap_report(
        group_a,
        group_b,
        overlap.get("time_basis", "clock"),
        overlap.get("resamples", 1000),
        overlap.get("seed", 0),
        location_ids=location_ids,
        event_rows=event_rows,
    )
    return report


def report_data_status(report):
    """The data-status chapter for the report's whole date range and location filter."""
    return data_status(
        _as_date(report["start_date"]), _as_date(report["end_date"]), report["filters"]["location_ids"] or None
    )


def _status_alongside(params):
    """The data-status chapter of an activity or census report `params` computed in a thread with its own
    PostgreSQL connection, while the caller builds the report (PostgreSQL runs both statements at
    once); a Future, or None where it cannot be: another database, or a connection inside a
    transaction (its uncommitted rows would be invisible to the thread's connection, as in tests)."""
    if params.get("report_type") not in ("seasonal_activity", "census"):
        return None  # a comparison's dates are its periods', known once it is built
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    start, end = _as_date(params["start_date"]), _as_date(params["end_date"])
    location_ids = [str(i) for i in params.get("location_ids") or []] or None

    def status():
        try:
            return data_status(start, end, location_ids)
        finally:
            connections.close_all()  # this thread's connection

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-status")
    try:
        return pool.submit(status)
    finally:
        pool.shutdown(wait=False)


def report_with_status(params, overlap=None):
    """(report, data-status chapter) of report_for_params(params, overlap); on PostgreSQL outside a
    transaction the chapter's query runs alongside the report's (_status_alongside)."""
    pending = _status_alongside(params)
    report = report_for_params(params, overlap)
    return report, pending.result() if pending is not None else report_data_status(report)


def cached_report_with_status(params):
    """report_with_status(params) through the report cache (reports.cache: keyed by the request and the
    data version): a PDF asked again of unchanged data skips the database; JSON-ready either way."""
    payload = cached_report(
        "pdf", params, lambda: dict(zip(("report", "status"), report_with_status(params), strict=True))
    )
    return payload["report"], payload["status"]


def report_options(params):
    return {name: params.get(name, True) is not False for name in OPTION_NAMES}


def template_context(report, options, charts, status=None):
    """The template context; `status`: the data-status chapter when the caller has it (report_with_status)."""
    if status is None:
        status = report_data_status(report)
    context = {"report": report, "options": options, "charts": charts, "data_status": status}
    if report.get("stations") is not None:
        context["station_map"] = station_map_svg(report["stations"])
    if report["report_type"] == "comparison":
        context["class_rows"] = [
            {"name": name, "values": [p["by_class"].get(name, 0) for p in report["periods"]]}
            for name in report["classes"]
        ]
    return context
