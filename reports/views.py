from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.vocabulary import CLASSIFICATIONS
from detections.models import Location
from reports.charts import report_charts
from reports.documents import report_for_params, report_options, template_context
from reports.seasons import season_names
from reports.ui_params import MAX_PERIODS, params_from_query


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
    }
    if context["submitted"]:
        params, error = params_from_query(query)
        if error:
            context["error"] = error
        else:
            report = report_for_params(params)
            options = report_options(params)
            charts = report_charts(report) if options["include_charts"] else {}
            context.update(template_context(report, options, charts))
            context["pdf_params"] = params
    return render(request, "reports/page.html", context, status=400 if context.get("error") else 200)
