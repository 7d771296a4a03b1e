from django.core.management.base import BaseCommand
from django.db import connection

from reports.planner import create_report_statistics


class Command(BaseCommand):
    help = (
        "Re-create the PostgreSQL planner statistics of the report queries for the current TIME_ZONE "
        "and ANALYZE the detections table (run after changing TIME_ZONE)."
    )

    def handle(self, *args, **options):
        if create_report_statistics(connection, analyze=True):
            self.stdout.write(self.style.SUCCESS("Report planner statistics created and detections analysed."))
        else:
            self.stdout.write("Nothing to do: the database is not PostgreSQL 14 or newer.")
