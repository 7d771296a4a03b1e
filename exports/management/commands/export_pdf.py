"""manage.py export_pdf: render a PDF report inline (no queue) and print where it is."""

import time

from django.core.management.base import BaseCommand

from exports.api.serializers import PdfExportRequestSerializer
from exports.jobs import export_filename
from exports.management.commands._export_args import new_id, output_path, validated
from exports.models import ExportJob


class Command(BaseCommand):
    help = "Render a PDF activity, comparison or census report now, without the job queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--report-type", default="seasonal_activity", choices=["seasonal_activity", "comparison", "census"]
        )
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
        overlap = parser.add_argument_group(
            "activity overlap", "the two groups of the overlap chapter (buck against doe when not given)"
        )
        overlap.add_argument("--overlap-a", action="append", default=[], metavar="CLASS", help="group a (repeatable)")
        overlap.add_argument("--overlap-b", action="append", default=[], metavar="CLASS", help="group b (repeatable)")
        overlap.add_argument("--overlap-a-label", default="")
        overlap.add_argument("--overlap-b-label", default="")
        overlap.add_argument("--overlap-b-start", help="YYYY-MM-DD: group b from other dates (e.g. another season)")
        overlap.add_argument("--overlap-b-end", help="YYYY-MM-DD (inclusive)")
        overlap.add_argument("--overlap-time-basis", choices=["clock", "sun"], default="clock")
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
        if options["overlap_a"] or options["overlap_b"]:
            data["overlap"] = overlap_request(options)
        params = validated(PdfExportRequestSerializer, data).to_params()
        path = output_path(options["output"], export_filename(ExportJob.Kind.PDF, new_id()))
        from reports.pdf import render_report_pdf  # WeasyPrint loads only when a PDF is rendered

        started = time.monotonic()
        render_report_pdf(params, path, progress=lambda stage, percent: self.stderr.write(f"{stage} {percent}%"))
        self.stdout.write(f"{path} ({path.stat().st_size} bytes, {time.monotonic() - started:.1f} s)")


def overlap_request(options):
    """The PDF request's "overlap" object from the --overlap-* options given (checked by the serializer)."""
    given = {
        "a": options["overlap_a"],
        "b": options["overlap_b"],
        "a_label": options["overlap_a_label"],
        "b_label": options["overlap_b_label"],
        "b_start_date": options["overlap_b_start"],
        "b_end_date": options["overlap_b_end"],
        "time_basis": options["overlap_time_basis"],
    }
    return {name: value for name, value in given.items() if value}
