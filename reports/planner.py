"""PostgreSQL extended statistics for the report GROUP BYs.

Without them the planner assumes that `date_trunc('week', taken_at AT TIME ZONE ...)` has as many
distinct values as `taken_at` itself (about one per row), so it plans a single-process hash
aggregate with spill partitions; with them it knows there are ~53 weeks and uses a parallel partial
aggregate (measured 3.3 s -> 0.9 s for one year of 1,000,000 detections). The expressions must
match the SQL Django generates for Trunc*/Extract* with `tzinfo=TIME_ZONE`, so they are created for
the configured TIME_ZONE (by migration, or again with `manage.py report_statistics` after changing
it). SQLite and PostgreSQL < 14 are skipped.
"""

import zoneinfo

from django.conf import settings
from django.db import DatabaseError, transaction

STATISTICS = [
    ("reports_det_day", "detections_detection", "date_trunc('day', (taken_at AT TIME ZONE {tz}))"),
    ("reports_det_week", "detections_detection", "date_trunc('week', (taken_at AT TIME ZONE {tz}))"),
    ("reports_det_month", "detections_detection", "date_trunc('month', (taken_at AT TIME ZONE {tz}))"),
    ("reports_det_hour", "detections_detection", "EXTRACT(HOUR FROM (taken_at AT TIME ZONE {tz}))"),
]


def supported(connection):
    return connection.vendor == "postgresql" and connection.pg_version >= 140000


def create_report_statistics(connection, time_zone=None, analyze=False):
    """(Re)create the statistics objects for `time_zone` (default TIME_ZONE); True when created."""
    if not supported(connection):
        return False
    time_zone = time_zone or settings.TIME_ZONE
    zoneinfo.ZoneInfo(time_zone)  # a real zone name, never arbitrary SQL
    literal = "'" + time_zone.replace("'", "''") + "'"
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for name, table, expression in STATISTICS:
                cursor.execute(f"DROP STATISTICS IF EXISTS {name}")
                cursor.execute(f"CREATE STATISTICS {name} ON ({expression.format(tz=literal)}) FROM {table}")
    except DatabaseError:
        return False
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE detections_detection")
    return True


def drop_report_statistics(connection):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _, _ in STATISTICS:
            cursor.execute(f"DROP STATISTICS IF EXISTS {name}")
