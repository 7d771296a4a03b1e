import time

from django.core.management.base import BaseCommand, CommandError

from demo.bulk import seed_bulk
from demo.ranch import EMBEDDING_FLAVOURS, generate_ranch
from detections.models import Detection, Image


class Command(BaseCommand):
    help = (
        "Create the demo ranch: six camera sites and a year of images (real JPEG files) with "
        "detections, ground-truth individuals and embeddings, then run re-identification. "
        "With --bulk, insert --detections rows fast for benchmarks instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--images", type=int, default=3000, help="number of images (default 3000)")
        parser.add_argument("--days", type=int, default=365, help="days covered, ending yesterday (default 365)")
        parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same ranch")
        parser.add_argument("--bulk", action="store_true", help="benchmark mode: bulk inserts, pooled image files")
        parser.add_argument("--detections", type=int, default=1_000_000, help="with --bulk: detections to insert")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when images already exist")
        parser.add_argument(
            "--embeddings",
            choices=EMBEDDING_FLAVOURS,
            default="default",
            help="embedding flavour: 'hard' = another model's score scale, families, camera bias, antler drift",
        )
        parser.add_argument("--no-reid", action="store_true", help="skip the re-identification pass at the end")

    def handle(self, *args, **options):
        if options["images"] < 1 or options["days"] < 1 or options["detections"] < 1:
            raise CommandError("--images, --days and --detections must be positive.")
        if Image.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Images already exist; the demo ranch is not seeded again.")
                return
            if not options["bulk"]:
                raise CommandError(
                    "The database already holds images: seed_demo runs on an empty database (use --if-empty to skip)."
                )
        started = time.monotonic()
        if options["bulk"]:
            created = seed_bulk(options["detections"], seed=options["seed"], days=options["days"], stdout=self.stdout)
            self.stdout.write(
                self.style.SUCCESS(f"Inserted {created:,} detections in {time.monotonic() - started:.1f} s.")
            )
            return
        summary = generate_ranch(
            images=options["images"], seed=options["seed"], days=options["days"], embeddings=options["embeddings"]
        )
        self.stdout.write(f"Demo ranch {summary.start} .. {summary.end} (seed {options['seed']}):")
        self.stdout.write(f"  images            {summary.images:>7,}")
        self.stdout.write(f"  detections        {summary.detections:>7,}")
        for label, count in sorted(summary.by_class.items(), key=lambda item: -item[1]):
            self.stdout.write(f"    {label:<15} {count:>7,}")
        self.stdout.write(
            f"  individuals       {summary.individuals:>7,} (ground truth: {summary.ground_truth_rows:,} detections)"
        )
        if summary.buck_by_month:
            peak = max(summary.buck_by_month, key=summary.buck_by_month.get)
            months = "  ".join(f"{m[5:]}:{n}" for m, n in sorted(summary.buck_by_month.items()))
            self.stdout.write(f"  buck detections by month  {months}")
            self.stdout.write(f"  rut peak          {peak} ({summary.buck_by_month[peak]} buck detections)")
        if not options["no_reid"]:
            self._run_reid()
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))

    def _run_reid(self):
        try:
            from reid.services import run_matching
        except ImportError:
            self.stdout.write("Re-identification is not available; profiles were not created.")
            return
        run = run_matching()
        self.stdout.write(
            f"  re-ID: {run.processed_count} detections matched -> {run.linked_count} linked, "
            f"{run.created_count} new profiles, {run.review_count} queued for review"
        )
        self.stdout.write(
            f"  deer profiles     {Detection.objects.exclude(deer=None).values('deer').distinct().count():>7,}"
        )
