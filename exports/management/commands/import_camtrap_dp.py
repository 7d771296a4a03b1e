"""manage.py import_camtrap_dp PACKAGE [--media-folder FOLDER]: a Camtrap DP package (ZIP or folder)
becomes locations, images, detections and individuals (exports.camtrap_dp_import)."""

from django.core.management.base import BaseCommand, CommandError

from exports.camtrap_dp_import import PackageRefused, import_camtrap_dp


class Command(BaseCommand):
    help = "Import a Camtrap DP 1.0.x package (ZIP or folder); a package that breaks the standard changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("package", help="the package: a ZIP or a folder holding datapackage.json")
        parser.add_argument(
            "--media-folder",
            default="",
            help="folder under IMAGE_ROOT holding the media files when filePath is a URL (found by fileName)",
        )

    def handle(self, *args, **options):
        try:
            summary = import_camtrap_dp(options["package"], options["media_folder"])
        except PackageRefused as error:
            raise CommandError("The package was not imported: " + "\n".join(error.problems)) from None
        self.stdout.write(
            f"imported {summary.images_created} images ({summary.images_existing} already stored), "
            f"{summary.detections} detections, {summary.individuals} individuals; "
            f"{summary.locations_created} locations created from {len(summary.deployments)} deployments"
        )
        for reason, count in sorted(summary.skipped.items()):
            self.stdout.write(f"not imported: {count} observations ({reason})")
        for name, count in sorted(summary.unmapped.items()):
            self.stdout.write(f"imported as 'animal' (no Herdbook class): {name} x {count}")
