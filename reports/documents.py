"""One entry point from a validated report request (the PDF request fields) to the report
document, and the template context shared by the PDF and the staff preview."""

from datetime import date

from reports import selectors
from reports.activity import build_activity_report
from reports.census import build_census_report
from reports.comparison import build_comparison_report
from reports.data_status import data_status
from reports.event_selectors import event_counts_and_minutes
from reports.overlap_report import build_overlap_report
from reports.station_map import station_map_svg, station_rows

OPTION_NAMES = ("include_charts", "include_tables", "include_insights")
OVERLAP_CLASSES = ["buck", "doe"]


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def report_for_params(params):
    """Build the report for the validated request `params` (see reports.pdf.render_report_pdf)."""
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
    events = event_rows = None
    if not classifications:  # buck and doe are in the selection: one pass of the events window for both chapters
        qs = selectors.counted_detections(start, end, location_ids)
        events, event_rows = event_counts_and_minutes(qs, group_by, OVERLAP_CLASSES)
    report = build_activity_report(
        start, end, group_by, location_ids, classifications, params.get("title"), True, events
    )
    report["stations"] = station_rows(report)
    report["overlap"] = build_overlap_report(
        {"label": "buck", "classifications": ["buck"], "start_date": start, "end_date": end},
        {"label": "doe", "classifications": ["doe"], "start_date": start, "end_date": end},
        location_ids=location_ids,
        event_rows=event_rows,
    )
    return report


def report_data_status(report):
    """The data-status chapter for the report's whole date range and location filter."""
    return data_status(
        _as_date(report["start_date"]), _as_date(report["end_date"]), report["filters"]["location_ids"] or None
    )


def report_options(params):
    return {name: params.get(name, True) is not False for name in OPTION_NAMES}


def template_context(report, options, charts):
    context = {"report": report, "options": options, "charts": charts, "data_status": report_data_status(report)}
    if report.get("stations") is not None:
        context["station_map"] = station_map_svg(report["stations"])
    if report["report_type"] == "comparison":
        context["class_rows"] = [
            {"name": name, "values": [p["by_class"].get(name, 0) for p in report["periods"]]}
            for name in report["classes"]
        ]
    return context
