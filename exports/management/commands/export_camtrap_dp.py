"""manage.py export_camtrap_dp: write a Camtrap DP package inline (no queue) and print where it is."""

import time

from django.core.management.base import BaseCommand, CommandError

from exports.api.serializers import CamtrapDpExportRequestSerializer
from exports.camtrap_dp import write_camtrap_dp
from exports.jobs import export_filename
from exports.management.commands._export_args import new_id, output_path, progress_printer, validated
from exports.models import ExportJob


class Command(BaseCommand):
    help = (
        "Write a Camtrap DP package (datapackage.json + deployments/media/observations CSV) now, without the job queue."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--location", action="append", default=[], help="location id (repeatable)")
        parser.add_argument("--classification", action="append", default=[], help="effective class (repeatable)")
        parser.add_argument("--images", action="store_true", help="include the image files under media/")
        parser.add_argument(
            "--base-url",
            default="",
            help="the site's public address, for image links in media.csv (required unless --images is given)",
        )
        parser.add_argument("--output", help="file or directory (default: current directory)")

    def handle(self, *args, **options):
        data = {"start_date": options["start"], "end_date": options["end"], "include_images": options["images"]}
        if options["location"]:
            data["location_ids"] = options["location"]
        if options["classification"]:
            data["classifications"] = options["classification"]
        serializer = validated(
            lambda data: CamtrapDpExportRequestSerializer(data=data, context={"base_url": options["base_url"]}), data
        )
        if not options["images"] and not options["base_url"]:
            raise CommandError("Give --base-url (the site's public address, for the image links) or --images.")
        total = serializer.validated_data["total_detections"]
        package_id = new_id()
        path = output_path(options["output"], export_filename(ExportJob.Kind.CAMTRAP_DP, package_id))
        started = time.monotonic()
        progress = progress_printer(self.stderr, total)
        counts = write_camtrap_dp(serializer.to_params(), path, progress=progress, total=total, package_id=package_id)
        self.stdout.write(
            f"{path} ({path.stat().st_size} bytes; {counts['deployments']} deployments, {counts['media']} media, "
            f"{counts['processed']} observations + {counts['blanks']} blank, {counts['images']} image files; "
            f"{time.monotonic() - started:.1f} s)"
        )
