from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.vocabulary import CLASSIFICATIONS
from detections.models import Location
from reports.api.serializers import overlap_request
from reports.charts import report_charts
from reports.documents import report_options, report_with_status, template_context
from reports.seasons import season_names
from reports.ui_params import MAX_PERIODS, OVERLAP_DEFAULT, default_dates, overlap_from_query, params_from_query


@login_required
def report_page(request):
    """The report form; with a submitted query, an HTML preview of the same report as the PDF."""
    query = request.GET
    context = {
        "locations": Location.objects.all(),
        "classes": CLASSIFICATIONS,
        "seasons": season_names(),
        "query": query,
        "selected_locations": query.getlist("location_ids"),
        "selected_classes": query.getlist("classifications"),
        "period_rows": [
            {name: query.get(f"p{i}_{name}", "") for name in ("label", "start_date", "end_date")} | {"index": i}
            for i in range(1, MAX_PERIODS + 1)
        ],
        "submitted": "submitted" in query,
        "overlap_a": query.getlist("overlap_a") if "overlap_time_basis" in query else OVERLAP_DEFAULT["a"],
        "overlap_b": query.getlist("overlap_b") if "overlap_time_basis" in query else OVERLAP_DEFAULT["b"],
    }
    if not context["submitted"]:
        context["default_dates"] = default_dates()
    else:
        params, error = params_from_query(query)
        overlap = None
        if not error and params["report_type"] == "seasonal_activity":
            overlap, error = overlap_from_query(query, params)
        if error:
            context["error"] = error
        else:
            report, status = report_with_status(params, overlap)
            options = report_options(params)
            charts = report_charts(report) if options["include_charts"] else {}
            context.update(template_context(report, options, charts, status))
            # The PDF request: the same report, with the overlap groups chosen on the form (a query
            # without the form's overlap fields has the default groups, which the PDF has too).
            chosen = overlap is not None and "overlap_time_basis" in query
            context["pdf_params"] = params | ({"overlap": overlap_request(overlap)} if chosen else {})
    return render(request, "reports/page.html", context, status=400 if context.get("error") else 200)
