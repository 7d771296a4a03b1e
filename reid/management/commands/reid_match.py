from django.core.management.base import BaseCommand, CommandError

from reid.models import ReidRun
from reid.services import reset_automatic_matches, run_matching


class Command(BaseCommand):
    help = "Match unassigned detections (valid, with an embedding) to deer profiles, in taken_at order."

    def add_arguments(self, parser):
        parser.add_argument("--threshold", type=float, help="link threshold (default REID_THRESHOLD)")
        parser.add_argument("--review-threshold", type=float, help="review threshold (default REID_REVIEW_THRESHOLD)")
        parser.add_argument("--dry-run", action="store_true", help="only count what would happen")
        parser.add_argument(
            "--no-auto-create", action="store_true", help="queue for review instead of creating profiles"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first unlink every detection no reviewer confirmed and delete unnamed profiles left empty "
            "(re-match everything from scratch)",
        )

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if threshold is not None and not 0.0 < threshold <= 1.0:
            raise CommandError("--threshold must be in (0, 1].")
        if options["reset"]:
            if options["dry_run"]:
                raise CommandError("--reset cannot be combined with --dry-run.")
            unlinked, deleted = reset_automatic_matches()
            self.stdout.write(f"Reset: {unlinked} detections unlinked, {deleted} empty profiles deleted.")
        run = run_matching(
            threshold=threshold,
            review_threshold=options["review_threshold"],
            dry_run=options["dry_run"],
            kind=ReidRun.Kind.LIVE if threshold is None else ReidRun.Kind.REPROCESS,
            auto_create=False if options["no_auto_create"] else None,
        )
        self.stdout.write(
            f"Run {run.id} ({run.status}{', dry run' if run.dry_run else ''}), threshold {run.threshold:.2f}: "
            f"{run.processed_count} detections, {run.params.get('attempts', 0)} attempts -> "
            f"{run.linked_count} detections linked, {run.created_count} new profiles, "
            f"{run.review_count} queued for review, {run.params.get('unmatched', 0)} unknown-sex unmatched."
        )
        if run.error:
            self.stderr.write(run.error)
        if run.status == ReidRun.Status.FAILED:
            raise CommandError("Matching failed.")
