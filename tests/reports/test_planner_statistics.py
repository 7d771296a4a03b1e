"""PostgreSQL planner statistics for the report GROUP BYs (skipped work on SQLite)."""

import json

import pytest
from django.db import connection
from django.db.models import Count

from reports.planner import STATISTICS, create_report_statistics
from reports.selectors import counted_detections, detection_counts, period_expression


@pytest.mark.django_db
def test_statistics_exist_after_migrate_on_postgresql():
    if connection.vendor != "postgresql":
        assert create_report_statistics(connection) is False
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        names = {row[0] for row in cursor.fetchall()}
    assert {name for name, _, _ in STATISTICS} <= names


@pytest.mark.django_db
def test_planner_estimates_few_week_groups_on_postgresql(ranch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert create_report_statistics(connection, analyze=True)
    qs = counted_detections(ranch.start, ranch.end)
    assert sum(detection_counts(qs, "week").values()) == 14
    sql, params = (
        qs.annotate(period=period_expression("week"))
        .values("period")
        .annotate(n=Count("id"))
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    # The statistics object is used: the estimate is the real number of weeks, not one per row.
    assert plan[0]["Plan"]["Plan Rows"] <= 3


@pytest.mark.django_db
def test_partial_series_index_for_independent_events_exists():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "detections_detection")
    index = constraints["det_counted_series"]
    assert index["index"] and index["columns"] == ["location_id", "effective_classification", "taken_at"]
