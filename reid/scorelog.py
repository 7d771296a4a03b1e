"""Writing the similarity log fast: one executemany of plain tuples instead of model instances
(a backfill writes millions of rows; Django's bulk_create spends most of its time preparing values)."""

from django.db import connection
from django.utils import timezone

from reid.models import ReidAttempt, SimilarityScore

_COLUMNS = (
    "run_id",
    "detection_id",
    "deer_id",
    "score",
    "rank",
    "sex_match",
    "matched",
    "threshold_used",
    "calculated_at",
)
BATCH = 10000


def db_uuid(value):
    """A UUID as the database stores it (hex on SQLite, native on PostgreSQL)."""
    return SimilarityScore._meta.get_field("detection").target_field.get_db_prep_value(value, connection)


def write_scores(rows):
    """rows: (run_id, detection_id, deer_id, score, rank, sex_match, matched, threshold_used) with the
    ids already converted by db_uuid. Appends calculated_at (now) to each row."""
    if not rows:
        return 0
    now = SimilarityScore._meta.get_field("calculated_at").get_db_prep_value(timezone.now(), connection)
    table = connection.ops.quote_name(SimilarityScore._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [(*row, now) for row in rows[start : start + BATCH]])
    return len(rows)


_ATTEMPT_COLUMNS = (
    "run_id",
    "detection_id",
    "classification",
    "best_score",
    "second_score",
    "best_deer_id",
    "own_deer_id",
)


def write_attempts(rows):
    """rows: (run_id, detection_id, classification, best, second, best_deer_id, own_deer_id), ids
    converted by db_uuid (None allowed for the scores and deer)."""
    if not rows:
        return 0
    table = connection.ops.quote_name(ReidAttempt._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _ATTEMPT_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_ATTEMPT_COLUMNS))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)
