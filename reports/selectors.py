"""Report selectors: every figure is an aggregate query in the database.

All figures count valid, non-duplicate detections by their effective classification, in the
half-open window [start 00:00, end+1 00:00) of TIME_ZONE. Each function runs one query (the
individuals two) and returns aggregated rows only: never one row per detection.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Max, Min
from django.db.models.expressions import Window
from django.db.models.functions import ExtractHour, Lag, TruncDay, TruncMonth, TruncWeek

from core.timeutil import as_local_date, day_bounds, local_zone
from detections.models import Detection, Location
from reports import effort

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def counted_detections(start, end, location_ids=None, classifications=None):
    """Valid, non-duplicate detections taken between the inclusive local dates start..end."""
    low, high = day_bounds(start, end)
    qs = Detection.objects.filter(is_valid=True, is_duplicate=False, taken_at__gte=low, taken_at__lt=high)
    if location_ids:
        qs = qs.filter(location_id__in=location_ids)
    if classifications:
        qs = qs.filter(effective_classification__in=classifications)
    return qs.order_by()


def period_expression(group_by):
    return TRUNC[group_by]("taken_at", tzinfo=local_zone())


def totals_by_class(qs):
    """{class: detections}"""
    rows = qs.values("effective_classification").annotate(n=Count("id")).order_by()
    return {row["effective_classification"]: row["n"] for row in rows}


def detection_counts(qs, group_by):
    """{(period key date, class, location id): detections} in one GROUP BY.

    Totals by class, by period and by location are sums over these few aggregated rows (at most
    periods x classes x locations), so the detections are scanned once for all three.
    """
    rows = (
        qs.annotate(period=period_expression(group_by))
        .values_list("period", "effective_classification", "location_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(as_local_date(period), name, location_id): n for period, name, location_id, n in rows}


def previous_same_series():
    """taken_at of the previous detection of the same class at the same location."""
    return Window(
        Lag("taken_at"),
        partition_by=[F("location_id"), F("effective_classification")],
        # No tie-break on id: detections at the same instant are 0 minutes apart, so their order
        # cannot change which ones start an event (and the sort is cheaper).
        order_by=[F("taken_at").asc()],
    )


def event_counts(qs, group_by, minutes=None):
    """{(period key date, class, location id): independent events}.

    A detection starts an independent event when the previous detection of the same effective
    class at the same location (among the selected detections) is more than `minutes`
    (INDEPENDENCE_MINUTES) earlier, or when there is none. The window function runs in the
    ORM-built inner query (fed in order by the partial index det_counted_series, no sort); a thin
    outer query keeps the event starts, truncates only those to periods and groups them.
    (Aggregating a window-filtered queryset directly would group before the window is evaluated.)
    """
    minutes = settings.INDEPENDENCE_MINUTES if minutes is None else minutes
    inner = qs.annotate(
        previous_at=previous_same_series(),
        cutoff=ExpressionWrapper(F("taken_at") - timedelta(minutes=minutes), output_field=DateTimeField()),
    ).values_list("taken_at", "effective_classification", "location_id", "previous_at", "cutoff")
    sql, params = inner.query.sql_with_params()
    connection = connections[qs.db]
    period_sql, period_params = _period_sql_on_alias(group_by, "series", connection)
    outer = (
        f'SELECT {period_sql}, "effective_classification", "location_id", COUNT(*) '
        f'FROM ({sql}) "series" WHERE "previous_at" IS NULL OR "previous_at" < "cutoff" GROUP BY 1, 2, 3'
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, (*period_params, *params))
        rows = cursor.fetchall()
    return {(as_local_date(period), name, _uuid(location_id)): n for period, name, location_id, n in rows}


def _period_sql_on_alias(group_by, alias, connection):
    """The SQL of period_expression(group_by) applied to `alias`.taken_at instead of the table's."""
    return expression_sql_on_alias(period_expression(group_by), alias, connection)


def expression_sql_on_alias(expression, alias, connection):
    """(sql, params) of an expression of Detection.taken_at, applied to `alias`.taken_at instead."""
    query = Detection.objects.all().query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(expression.resolve_expression(query))
    quote = connection.ops.quote_name
    column = f"{quote(Detection._meta.db_table)}.{quote('taken_at')}"
    if column not in sql:
        raise RuntimeError(f"Unexpected period SQL: {sql}")
    return sql.replace(column, f"{quote(alias)}.{quote('taken_at')}"), params


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def detections_by_hour(qs):
    """{(local hour 0..23, class): detections}"""
    rows = (
        qs.annotate(hour=ExtractHour("taken_at", tzinfo=local_zone()))
        .values("hour", "effective_classification")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["hour"], row["effective_classification"]): row["n"] for row in rows}


def camera_days_by_location(start, end, location_ids=None):
    """{location id: camera-days operated between the inclusive local dates start..end}: the
    deployments' operating time minus outages, summed in the database (reports.effort)."""
    return effort.camera_days_between(start, end, location_ids)


def locations_by_id(ids):
    return {loc.id: loc for loc in Location.objects.filter(id__in=list(ids))}


def individuals_seen(qs, limit=10):
    """(number of individuals, top `limit` rows with detections and first/last sighting in range)."""
    linked = qs.filter(deer__isnull=False)
    rows = (
        linked.values("deer_id", "deer__name", "deer__sex")
        .annotate(detections=Count("id"), first_seen=Min("taken_at"), last_seen=Max("taken_at"))
        .order_by("-detections", "first_seen")
    )
    top = list(rows[:limit]) if limit else []
    count = linked.values("deer_id").distinct().count()
    return count, top
