"""manage.py export_zip: write a ZIP of detections inline (no queue) and print where it is."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from exports.api.serializers import ZipExportRequestSerializer
from exports.jobs import export_filename
from exports.management.commands._export_args import new_id, output_path, progress_printer, validated
from exports.models import ExportJob
from exports.zip_archive import write_zip


class Command(BaseCommand):
    help = "Write a ZIP export (metadata.csv, crops, optional images) now, without the job queue."

    def add_arguments(self, parser):
        parser.add_argument("--ids", help="comma-separated detection ids, or @file with one id per line")
        parser.add_argument("--start", help="YYYY-MM-DD (with --end, instead of --ids)")
        parser.add_argument("--end", help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--location", action="append", default=[], help="location id (repeatable)")
        parser.add_argument("--classification", action="append", default=[], help="effective class (repeatable)")
        parser.add_argument("--crop-size", type=int, default=300)
        parser.add_argument("--no-crops", action="store_true")
        parser.add_argument("--images", action="store_true", help="also include the full images")
        parser.add_argument("--no-csv", action="store_true")
        parser.add_argument("--output", help="file or directory (default: current directory)")

    def handle(self, *args, **options):
        data = {
            "crop_size": options["crop_size"],
            "include_crops": not options["no_crops"],
            "include_images": options["images"],
            "include_metadata_csv": not options["no_csv"],
        }
        if options["ids"]:
            text = options["ids"]
            if text.startswith("@"):
                text = Path(text[1:]).read_text()
            data["detection_ids"] = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
        for name in ("start", "end"):
            if options[name]:
                data[f"{name}_date"] = options[name]
        if options["location"]:
            data["location_ids"] = options["location"]
        if options["classification"]:
            data["classifications"] = options["classification"]
        serializer = validated(ZipExportRequestSerializer, data)
        total = serializer.validated_data["total_detections"]
        path = output_path(options["output"], export_filename(ExportJob.Kind.ZIP, new_id()))
        started = time.monotonic()
        progress = progress_printer(self.stderr, total)
        counts = write_zip(serializer.to_params(), path, progress=progress, total=total)
        self.stdout.write(
            f"{path} ({path.stat().st_size} bytes; {counts['processed']} detections, {counts['crops']} crops, "
            f"{counts['images']} images, {counts['missing']} missing; {time.monotonic() - started:.1f} s)"
        )
