"""Selectors on independent events (see reports.selectors.event_counts for the definition), one
aggregate query each: event starts by minute of day (activity overlap) and events with their
detections per deer (the Jacobson census bootstrap).
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate

from core.timeutil import as_local_date, local_zone
from detections.models import Location
from reports import selectors
from reports.selectors import _period_sql_on_alias, _uuid, expression_sql_on_alias, previous_same_series

START = '("previous_at" IS NULL OR "previous_at" < "cutoff")'


def _series_sql(qs, minutes, *extra):
    """(sql, params, connection) of the detections with previous_at and cutoff for event starts."""
    minutes = settings.INDEPENDENCE_MINUTES if minutes is None else minutes
    inner = qs.annotate(
        previous_at=previous_same_series(),
        cutoff=ExpressionWrapper(F("taken_at") - timedelta(minutes=minutes), output_field=DateTimeField()),
    ).values_list("taken_at", "effective_classification", "location_id", *extra, "previous_at", "cutoff")
    sql, params = inner.query.sql_with_params()
    return sql, params, connections[qs.db]


def event_minutes(qs, with_date=False, minutes=None):
    """[(class, local date or None, local minute of day 0..1439, event starts)] of the selected detections.

    The local time of an event is the time of its first detection. With with_date the rows are per
    local date too (sun time needs each day's sunrise and sunset).
    """
    sql, params, connection = _series_sql(qs, minutes)
    zone = local_zone()
    parts = [ExtractHour("taken_at", tzinfo=zone), ExtractMinute("taken_at", tzinfo=zone)]
    if with_date:
        parts.append(TruncDate("taken_at", tzinfo=zone))
    compiled = [expression_sql_on_alias(part, "series", connection) for part in parts]
    columns = ", ".join(part_sql for part_sql, _ in compiled)
    part_params = [p for _, part_params in compiled for p in part_params]
    groups = ", ".join(str(i) for i in range(1, len(parts) + 2))
    outer = (
        f'SELECT "effective_classification", {columns}, COUNT(*) FROM ({sql}) "series" WHERE {START} GROUP BY {groups}'
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, (*part_params, *params))
        rows = cursor.fetchall()
    if with_date:
        return [(name, _as_date(day), int(hour) * 60 + int(minute), n) for name, hour, minute, day, n in rows]
    return [(name, None, int(hour) * 60 + int(minute), n) for name, hour, minute, n in rows]


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def events_with_deer(qs, minutes=None):
    """[(location id, class, event number, deer id or None, detections)]: each independent event of
    the selected detections (numbered within its location and class) with its detections per deer."""
    sql, params, connection = _series_sql(qs, minutes, "deer_id")
    numbered = (
        f'SELECT "location_id", "effective_classification", "deer_id", '
        f"SUM(CASE WHEN {START} THEN 1 ELSE 0 END) OVER ("
        f'PARTITION BY "location_id", "effective_classification" ORDER BY "taken_at" '
        f'ROWS UNBOUNDED PRECEDING) AS "event_no" FROM ({sql}) "series"'
    )
    outer = (
        f'SELECT "location_id", "effective_classification", "event_no", "deer_id", COUNT(*) '
        f'FROM ({numbered}) "numbered" GROUP BY 1, 2, 3, 4'
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    return [
        (_uuid(location), name, int(number), _uuid(deer) if deer is not None else None, n)
        for location, name, number, deer, n in rows
    ]


def event_counts_and_minutes(qs, group_by, minute_classes, minutes=None):
    """(selectors.event_counts(qs, group_by), event_minutes rows of `minute_classes`) from one pass of
    the independent-events window: the event starts are computed once (a CTE) and grouped twice
    (UNION ALL), so a report with an overlap chapter does not run the window over the rows again."""
    sql, params, connection = _series_sql(qs, minutes)
    zone = local_zone()
    period_sql, period_params = _period_sql_on_alias(group_by, "starts", connection)
    hour_sql, hour_params = expression_sql_on_alias(ExtractHour("taken_at", tzinfo=zone), "starts", connection)
    minute_sql, minute_params = expression_sql_on_alias(ExtractMinute("taken_at", tzinfo=zone), "starts", connection)
    marks = ", ".join(["%s"] * len(minute_classes)) or "NULL"
    combined = (
        f'WITH "series" AS ({sql}), "starts" AS (SELECT * FROM "series" WHERE {START}) '
        f'SELECT 0, {period_sql}, "effective_classification", "location_id", NULL, NULL, COUNT(*) '
        f'FROM "starts" GROUP BY 2, 3, 4 '
        f'UNION ALL SELECT 1, NULL, "effective_classification", NULL, {hour_sql}, {minute_sql}, COUNT(*) '
        f'FROM "starts" WHERE "effective_classification" IN ({marks}) GROUP BY 3, 5, 6'
    )
    with connection.cursor() as cursor:
        cursor.execute(combined, (*params, *period_params, *hour_params, *minute_params, *minute_classes))
        rows = cursor.fetchall()
    counts = {
        (as_local_date(period), name, _uuid(location_id)): n
        for part, period, name, location_id, _, _, n in rows
        if part == 0
    }
    starts = [(name, None, int(hour) * 60 + int(minute), n) for part, _, name, _, hour, minute, n in rows if part == 1]
    return counts, starts


@dataclass
class ActivityAggregates:
    """The figures of an activity report's selection: detections and independent events per (period,
    class, location), detections per (local hour, class), and event_minutes rows of some classes."""

    detections: dict
    events: dict
    hours: dict
    minute_rows: list


def activity_aggregates(qs, group_by, minute_classes=(), minutes=None):
    """ActivityAggregates of the selected detections. On PostgreSQL one statement (activity_one_pass),
    outside a transaction split in two halves of the locations run at once (_one_pass_in_halves);
    elsewhere three aggregate queries (detections per period, class and location; per hour and class;
    independent events, with the event minutes of `minute_classes` from the same pass of the window)."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return activity_aggregates_separately(qs, group_by, minute_classes, minutes)
    if not connection.in_atomic_block:
        ids = sorted(Location.objects.using(qs.db).values_list("id", flat=True))
        if len(ids) > 1:
            return _one_pass_in_halves(qs, (ids[0::2], ids[1::2]), group_by, minute_classes, minutes)
    return activity_one_pass(qs, group_by, minute_classes, minutes)


def _one_pass_in_halves(qs, halves, group_by, minute_classes, minutes):
    """activity_one_pass of the detections of each half of the locations, the second in a thread with its
    own connection, so PostgreSQL runs the two statements at once (the window function does not run in
    parallel workers); merged, the figures are those of one pass: events never span locations (the window
    is partitioned by location and class). Only outside a transaction: the thread's connection would
    not see uncommitted rows."""

    def second():
        try:
            return activity_one_pass(qs.filter(location_id__in=halves[1]), group_by, minute_classes, minutes)
        finally:
            connections.close_all()  # this thread's connection

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="activity-half")
    try:
        pending = pool.submit(second)
        first = activity_one_pass(qs.filter(location_id__in=halves[0]), group_by, minute_classes, minutes)
        other = pending.result()
    finally:
        pool.shutdown(wait=True)
    hours, starts = dict(first.hours), {}
    for key, n in other.hours.items():
        hours[key] = hours.get(key, 0) + n
    for name, day, minute, n in first.minute_rows + other.minute_rows:
        starts[(name, day, minute)] = starts.get((name, day, minute), 0) + n
    return ActivityAggregates(
        {**first.detections, **other.detections},
        {**first.events, **other.events},
        hours,
        [(name, day, minute, n) for (name, day, minute), n in starts.items()],
    )


def activity_aggregates_separately(qs, group_by, minute_classes=(), minutes=None):
    """ActivityAggregates from three aggregate queries (any database; the PostgreSQL path before
    activity_one_pass, kept as the benchmark's baseline)."""
    minute_classes = list(minute_classes)

    def events_and_minutes():
        if minute_classes:
            return event_counts_and_minutes(qs, group_by, minute_classes, minutes)
        return selectors.event_counts(qs, group_by, minutes), []

    events, rows = events_and_minutes()
    detections, by_hour = selectors.detection_counts(qs, group_by), selectors.detections_by_hour(qs)
    return ActivityAggregates(detections, events, by_hour, rows)


def activity_one_pass(qs, group_by, minute_classes=(), minutes=None):
    """ActivityAggregates in one PostgreSQL statement: the independent-events window runs once over the
    rows (read in order from det_counted_series), each row's local time is computed once, and one
    HashAggregate with two grouping sets counts detections and event starts per (period, class,
    location) and per (class, local hour, local minute); hours are sums of the minutes.

    The same figures as selectors.detection_counts, selectors.event_counts, selectors.detections_by_hour
    and event_minutes (tests/reports/test_activity_one_pass.py), in one scan instead of three. The local
    time is a column of a subquery so the planner hashes the groups (on expressions of taken_at over
    the subquery it chose a sort of every row, three times slower).
    """
    if group_by not in selectors.TRUNC:
        raise ValueError(f"group_by must be one of {', '.join(selectors.TRUNC)}")
    sql, params, connection = _series_sql(qs, minutes)
    minute_classes = set(minute_classes)
    combined = (
        f'SELECT GROUPING("location_id"), DATE_TRUNC(\'{group_by}\', "local") AS "period", '
        f'"effective_classification", "location_id", DATE_PART(\'hour\', "local") AS "hour", '
        f'DATE_PART(\'minute\', "local") AS "minute", COUNT(*), COUNT(*) FILTER (WHERE "start") '
        f'FROM (SELECT "taken_at" AT TIME ZONE %s AS "local", "effective_classification", "location_id", '
        f'{START} AS "start" FROM ({sql}) "series" OFFSET 0) "local_series" '
        f'GROUP BY GROUPING SETS (("period", "effective_classification", "location_id"), '
        f'("effective_classification", "hour", "minute"))'
    )
    with connection.cursor() as cursor:
        cursor.execute(combined, (local_zone().key, *params))
        rows = cursor.fetchall()
    detections, events, hours, minute_rows = {}, {}, {}, []
    for per_hour, period, name, location_id, hour, minute, n, starts in rows:
        if not per_hour:
            key = (as_local_date(period), name, _uuid(location_id))
            detections[key] = n
            if starts:
                events[key] = starts
            continue
        hours[(int(hour), name)] = hours.get((int(hour), name), 0) + n
        if starts and name in minute_classes:
            minute_rows.append((name, None, int(hour) * 60 + int(minute), starts))
    return ActivityAggregates(detections, events, hours, minute_rows)
