"""manage.py cleanup_exports: what the workers' maintenance pass does, by hand."""

from django.core.management.base import BaseCommand

from core import runner
from exports import files, status


class Command(BaseCommand):
    help = "Delete export files whose job has expired or was deleted; mark dead or timed-out jobs failed."

    def handle(self, *args, **options):
        outcomes = runner.reconcile(status.connection())
        deleted = files.cleanup_expired_files()
        for name in deleted:
            self.stdout.write(f"deleted {name}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "none"
        self.stdout.write(f"{len(deleted)} expired export file(s) deleted; unfinished jobs checked: {summary}")
