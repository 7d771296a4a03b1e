"""The PDF report: report document (reports app) -> HTML template -> WeasyPrint -> file.

`render_report_pdf(params, path, progress=None)` is the stable entry point used by the PDF export
job and `manage.py export_pdf`. `params` is the validated PDF request (SPEC §3) as a dict.
"""

import os
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reports.charts import report_charts
from reports.documents import cached_report_with_status, report_options, template_context


def static_root():
    return Path(settings.STATICFILES_DIRS[0]).resolve()


class ReportURLFetcher(URLFetcher):
    """Fetches only data: URLs and files inside our own static directory; nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url.split("?")[0].removeprefix("file://")).resolve()
            if path.is_relative_to(static_root()) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"Resource not allowed in reports: {url[:80]}")


def _progress(progress, stage, percent):
    if progress is not None:
        progress(stage, percent)


def render_report_html(report, options, charts, status=None):
    context = {**template_context(report, options, charts, status), "paper": settings.REPORT_PAPER}
    return render_to_string("reports/pdf.html", context)


def render_report_pdf(params, path, progress=None):
    """Build the report for `params` (or read it from the report cache) and write the PDF to `path`
    (atomically: temp file + rename)."""
    path = Path(path)
    _progress(progress, "collecting", 5)
    report, status = cached_report_with_status(params)
    options = report_options(params)
    _progress(progress, "rendering", 35)
    charts = report_charts(report) if options["include_charts"] else {}
    html = render_report_html(report, options, charts, status)
    document = HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=ReportURLFetcher()).render()
    _progress(progress, "writing", 80)
    temporary = path.with_name(path.name + ".part")
    try:
        document.write_pdf(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _progress(progress, "writing", 100)
    return report
