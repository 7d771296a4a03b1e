"""manage.py import_megadetector RESULTS.json [--embeddings E.json] [--location NAME] ...

Registers the images of a MegaDetector batch run (files already under IMAGE_ROOT) with their
detections, through the same validated ingest as POST /api/images/batch, 500 images at a time.
Importing the same file again skips images already stored.
"""

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.vocabulary import CLASSIFICATIONS
from detections import megadetector
from detections.ingest import MAX_BATCH_IMAGES, images_ingest_batch
from detections.models import Location
from detections.selectors import location_by_reference


class Command(BaseCommand):
    help = "Import MegaDetector batch output (format 1.x) for images already under IMAGE_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("results", help="MegaDetector batch output JSON")
        parser.add_argument("--embeddings", help='JSON {"model": name, "items": [{"file", "detection", "embedding"}]}')
        parser.add_argument(
            "--location", help="location (id or name) of every image; default: the first folder of each path"
        )
        parser.add_argument(
            "--create-locations", action="store_true", help="create locations named by folders that do not exist"
        )
        parser.add_argument(
            "--prefix", default="", help="folder under IMAGE_ROOT that the MegaDetector paths are relative to"
        )
        parser.add_argument(
            "--min-confidence", type=float, default=0.2, help="drop detections below this (default 0.2)"
        )
        parser.add_argument(
            "--animal-class",
            default="unknown",
            help="class for MegaDetector 'animal' boxes without a classifier label (default unknown)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and count, store nothing")

    def handle(self, *args, **options):
        if options["animal_class"] not in CLASSIFICATIONS:
            raise CommandError(f"--animal-class must be one of: {', '.join(CLASSIFICATIONS)}.")
        if not 0.0 <= options["min_confidence"] <= 1.0:
            raise CommandError("--min-confidence must be between 0 and 1.")
        try:
            document = megadetector.load_json(options["results"], "MegaDetector")
            embeddings = None
            if options["embeddings"]:
                embeddings = megadetector.read_embeddings(megadetector.load_json(options["embeddings"], "embeddings"))
            conversion = megadetector.convert(
                document,
                self.location_resolver(options),
                options["min_confidence"],
                options["animal_class"],
                embeddings,
                options["prefix"],
            )
        except megadetector.FormatError as error:
            raise CommandError(str(error)) from None

        totals = {"created": 0, "existing": 0, "detections": 0, "rejected": 0}
        for start in range(0, len(conversion.items), MAX_BATCH_IMAGES):
            with transaction.atomic():  # one transaction per chunk: the web app can write in between
                self.import_chunk(conversion.items[start : start + MAX_BATCH_IMAGES], totals)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        for name, reason in conversion.failed:
            self.stderr.write(f"skipped {name}: MegaDetector failure: {reason}")
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{verb} {totals['created']} images with {totals['detections']} detections; "
            f"{totals['existing']} already stored; {totals['rejected']} rejected; "
            f"{len(conversion.failed)} MegaDetector failures; {conversion.below_threshold} detections below "
            f"{options['min_confidence']}."
        )

    def location_resolver(self, options):
        fixed = options["location"]
        if fixed:
            location = location_by_reference(fixed)
            if location is None:
                raise CommandError(f"No location with id or name '{fixed}'.")
            return lambda name: location
        cache = {}

        def by_folder(name):
            parts = PurePosixPath(name).parts
            folder = parts[0] if len(parts) > 1 else ""
            if not folder:
                raise megadetector.FormatError(f"'{name}' has no folder to name its location; use --location.")
            if folder not in cache:
                location = location_by_reference(folder)
                if location is None and options["create_locations"]:
                    location = Location.objects.create(name=folder)
                if location is None:
                    raise megadetector.FormatError(
                        f"No location named '{folder}' (from '{name}'); create it, use --location or --create-locations."
                    )
                cache[folder] = location
            return cache[folder]

        return by_folder

    def import_chunk(self, items, totals):
        """Ingest one chunk; items the service rejects are reported and the rest imported."""
        try:
            results = images_ingest_batch(items)
        except ValidationError as error:
            bad = {int(key.split(".")[1]) for key in error.message_dict if key.startswith("images.")}
            for key, messages in sorted(error.message_dict.items()):
                if key.startswith("images."):
                    _, index, field = (key.split(".", 2) + [""])[:3]
                    self.stderr.write(f"rejected {items[int(index)]['file']}: {field}: {' '.join(messages)}")
                else:
                    raise CommandError(f"{key}: {' '.join(messages)}") from None
            totals["rejected"] += len(bad)
            keep = [item for index, item in enumerate(items) if index not in bad]
            results = images_ingest_batch(keep) if keep else []
        for result in results:
            totals["created" if result["created"] else "existing"] += 1
            totals["detections"] += len(result["detection_ids"])
