import sys

from django.core.management.base import BaseCommand, CommandError

from reid.backfill import run_backfill
from reid.models import ReidRun
from reid.queueing import create_queued_run, enqueue_run
from reid.selectors import nominal_thresholds


class Command(BaseCommand):
    help = "Re-score assigned detections against all profiles and log the top-K scores (for reid_analysis)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="only the first N assigned detections (by taken_at)")
        parser.add_argument(
            "--queue", action="store_true", help="queue the backfill as a job instead of running it here"
        )

    def handle(self, *args, **options):
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be positive.")
        if options["queue"]:
            run = create_queued_run(
                ReidRun.Kind.BACKFILL,
                nominal_thresholds()[0],
                params={"limit": options["limit"]} if options["limit"] else {},
            )
            enqueue_run(run)
            self.stdout.write(f"Backfill run {run.id} queued; follow it at /api/reid/runs/{run.id}")
            return

        def progress(done, total):
            percent = 100 * done // total if total else 100
            self.stdout.write(f"\r  {done:,} / {total:,} detections ({percent}%)", ending="")
            sys.stdout.flush()

        run = run_backfill(limit=options["limit"], progress=progress)
        self.stdout.write("")
        if run.status == ReidRun.Status.FAILED:
            raise CommandError(f"Backfill failed: {run.error}")
        self.stdout.write(
            f"Backfill run {run.id}: {run.processed_count:,} detections, {run.params.get('scores_logged', 0):,} scores "
            f"logged, {run.params.get('cross_sex_best', 0):,} whose best profile was of another sex."
        )
