"""manage.py import_megadetector RESULTS.json [--embeddings E.json] [--location NAME] ...

Registers the images of a MegaDetector batch run (files already under IMAGE_ROOT) with their
detections, through the same validated ingest as POST /api/images/batch, 500 images at a time.
The file is streamed: read and checked whole first (a refused file changes nothing; the converted items wait
in a temporary file), then stored. Importing the same file
again skips images already stored; newer classifier output for them updates the model's labels
(never a reviewer's correction).
"""

from django.core.management.base import BaseCommand, CommandError

from core.vocabulary import CLASSIFICATIONS
from detections import megadetector, pipeline, results_file
from detections.labels import LabelMap, LabelMapError


class Command(BaseCommand):
    help = "Import MegaDetector batch output (format 1.x) for images already under IMAGE_ROOT."
    what = "MegaDetector"

    def add_arguments(self, parser):
        parser.add_argument("results", help=f"{self.what} output JSON")
        if self.what == "MegaDetector":
            parser.add_argument(
                "--embeddings", help='JSON {"model": name, "items": [{"file", "detection", "embedding"}]}'
            )
        parser.add_argument(
            "--location", help="location (id or name) of every image; default: the first folder of each path"
        )
        parser.add_argument(
            "--create-locations", action="store_true", help="create locations named by folders that do not exist"
        )
        parser.add_argument(
            "--prefix", default="", help="folder under IMAGE_ROOT that the pipeline's paths are relative to"
        )
        parser.add_argument(
            "--image-root",
            default="",
            help=r"the folder the pipeline saw its images in (e.g. D:\cams or /data/cams): absolute paths lose it",
        )
        parser.add_argument(
            "--min-confidence",
            type=float,
            default=None,
            help="drop detections below this (default: the file's typical_detection_threshold, else 0.2)",
        )
        parser.add_argument(
            "--min-classifier-score",
            type=float,
            default=0.5,
            help="a classifier label scoring below this leaves the box 'animal' (default 0.5)",
        )
        parser.add_argument(
            "--animal-class",
            default="animal",
            help="class for animal boxes no classifier named (default animal: animal, not identified)",
        )
        parser.add_argument("--label-map", help="CSV label,class over the shipped label map (detections/data)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, store nothing")

    def reader(self, options, label_map):
        """read(conversion) -> the file's ingest items, streamed from the file."""
        embeddings = None
        if options.get("embeddings"):
            embeddings = megadetector.read_embeddings(results_file.load_json(options["embeddings"], "embeddings"))
        document = results_file.open_results(options["results"], "images", self.what)
        settings = {"embeddings": embeddings, "label_map": label_map, **self.settings(options)}
        return lambda conversion: megadetector.items(document(), conversion, **settings)

    @staticmethod
    def settings(options):
        return {
            "min_confidence": options["min_confidence"],
            "min_classifier_score": options["min_classifier_score"],
            "animal_class": options["animal_class"],
            "image_root": options["image_root"],
            "prefix": options["prefix"],
        }

    def handle(self, *args, **options):
        if options["animal_class"] not in CLASSIFICATIONS:
            raise CommandError(f"--animal-class must be one of: {', '.join(CLASSIFICATIONS)}.")
        try:
            label_map = LabelMap(options["label_map"])
            read = self.reader(options, label_map)
            locations = pipeline.location_resolver(options["location"], options["create_locations"])
            conversion, totals = pipeline.import_stream(read, locations, options["dry_run"])
        except (pipeline.FormatError, LabelMapError) as error:
            raise CommandError(str(error)) from None
        for line in totals["rejections"] + conversion.report():
            self.stderr.write(line)
        self.stdout.write(summary(conversion, totals, options["dry_run"], self.what))


def summary(conversion, totals, dry_run, what):
    verb = "would import" if dry_run else "imported"
    return (
        f"{verb} {totals['created']} images with {totals['detections']} detections; "
        f"{totals['existing']} already stored; {totals['rejected']} rejected; {len(conversion.failed)} {what} failures; "
        f"{conversion.below_threshold} detections below {conversion.min_confidence}; "
        f"{conversion.unknown_category} of unknown categories; "
        f"{conversion.below_classifier_score} classifier labels below the minimum score; "
        f"{sum(conversion.unmapped.values())} unmapped labels; {totals['relabelled']} detections relabelled."
    )
