"""manage.py export_pdf: render a PDF report inline (no queue) and print where it is."""

import time

from django.core.management.base import BaseCommand

from exports.api.serializers import PdfExportRequestSerializer
from exports.jobs import export_filename
from exports.management.commands._export_args import new_id, output_path, validated
from exports.models import ExportJob


class Command(BaseCommand):
    help = "Render a PDF activity or comparison report now, without the job queue."

    def add_arguments(self, parser):
        parser.add_argument("--report-type", default="seasonal_activity", choices=["seasonal_activity", "comparison"])
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--group-by", default="month")
        parser.add_argument("--location", action="append", default=[], help="location id (repeatable)")
        parser.add_argument("--classification", action="append", default=[], help="effective class (repeatable)")
        parser.add_argument("--title", default="")
        parser.add_argument(
            "--period",
            action="append",
            default=[],
            metavar="LABEL:START:END",
            help="comparison period (2 to 5, for --report-type comparison)",
        )
        parser.add_argument("--no-charts", action="store_true")
        parser.add_argument("--no-tables", action="store_true")
        parser.add_argument("--no-insights", action="store_true")
        parser.add_argument("--output", help="file or directory (default: current directory)")

    def handle(self, *args, **options):
        periods = []
        for text in options["period"]:
            label, _, rest = text.rpartition(":")
            label, _, start = label.rpartition(":")
            periods.append({"label": label, "start_date": start, "end_date": rest})
        data = {
            "report_type": options["report_type"],
            "start_date": options["start"],
            "end_date": options["end"],
            "group_by": options["group_by"],
            "location_ids": options["location"],
            "classifications": options["classification"],
            "title": options["title"],
            "include_charts": not options["no_charts"],
            "include_tables": not options["no_tables"],
            "include_insights": not options["no_insights"],
        }
        if periods:
            data["comparison_periods"] = periods
        params = validated(PdfExportRequestSerializer, data).to_params()
        path = output_path(options["output"], export_filename(ExportJob.Kind.PDF, new_id()))
        from reports.pdf import render_report_pdf

        started = time.monotonic()
        render_report_pdf(params, path, progress=lambda stage, percent: self.stderr.write(f"{stage} {percent}%"))
        self.stdout.write(f"{path} ({path.stat().st_size} bytes, {time.monotonic() - started:.1f} s)")
