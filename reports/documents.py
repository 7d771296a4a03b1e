"""One entry point from a validated report request (the PDF request fields) to the report
document, and the template context shared by the PDF and the staff preview."""

from datetime import date

from reports.activity import build_activity_report
from reports.comparison import build_comparison_report
from reports.data_status import data_status

OPTION_NAMES = ("include_charts", "include_tables", "include_insights")


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def report_for_params(params):
    """Build the report for the validated request `params` (see reports.pdf.render_report_pdf)."""
    location_ids = params.get("location_ids") or []
    classifications = params.get("classifications") or []
    if params.get("report_type") == "comparison":
        return build_comparison_report(
            params["comparison_periods"], location_ids, classifications, title=params.get("title")
        )
    return build_activity_report(
        _as_date(params["start_date"]),
        _as_date(params["end_date"]),
        params.get("group_by") or "month",
        location_ids,
        classifications,
        title=params.get("title"),
    )


def report_data_status(report):
    """The data-status chapter for the report's whole date range and location filter."""
    return data_status(
        _as_date(report["start_date"]), _as_date(report["end_date"]), report["filters"]["location_ids"] or None
    )


def report_options(params):
    return {name: params.get(name, True) is not False for name in OPTION_NAMES}


def template_context(report, options, charts):
    context = {"report": report, "options": options, "charts": charts, "data_status": report_data_status(report)}
    if report["report_type"] == "comparison":
        context["class_rows"] = [
            {"name": name, "values": [p["by_class"].get(name, 0) for p in report["periods"]]}
            for name in report["classes"]
        ]
    return context
