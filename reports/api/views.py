from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.activity import build_activity_report
from reports.api.serializers import (
    ActivityQuerySerializer,
    CensusQuerySerializer,
    ComparisonRequestSerializer,
    OccupancyQuerySerializer,
    OverlapQuerySerializer,
    overlap_groups,
)
from reports.cache import cached_report
from reports.census import build_census_report
from reports.comparison import build_comparison_report
from reports.occupancy import detection_history, history_csv
from reports.overlap_report import build_overlap_report


class ActivityReportView(APIView):
    """Seasonal activity report for a date range or a season, aggregated in the database."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive (or use season+year)"),
            OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("season", str, description="rut, spring, summer, fall or winter"),
            OpenApiParameter("year", int, description="year the season starts in"),
            OpenApiParameter("group_by", str, description="day, week (ISO) or month (default)"),
            OpenApiParameter("location_ids", str, description="location UUIDs, repeated or comma-separated"),
            OpenApiParameter("classifications", str, description="effective classes, repeated or comma-separated"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        data = validated_query(ActivityQuerySerializer, request)
        report = cached_report("activity", data, lambda: activity_report_for(data))
        if data.get("season"):
            report["season"] = data["season"]
        return Response(report)


def validated_query(serializer_class, request):
    """The validated query parameters of `request` (a 400 through core.api_errors when invalid)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CachedReportView(APIView):
    """GET: validate the query with `serializer_class`, then answer `build(data)` through the report cache."""

    kind = serializer_class = None

    @staticmethod
    def build(data):
        raise NotImplementedError

    def get(self, request):
        data = validated_query(self.serializer_class, request)
        return Response(cached_report(self.kind, data, lambda: self.build(data)))


def activity_report_for(data):
    return build_activity_report(
        data["start_date"],
        data["end_date"],
        data.get("group_by") or "month",
        data.get("location_ids"),
        data.get("classifications"),
    )


class ComparisonReportView(APIView):
    """2-5 periods side by side with differences against the first and plain-language highlights."""

    @extend_schema(request=ComparisonRequestSerializer, responses={200: dict})
    def post(self, request):
        serializer = ComparisonRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = build_comparison_report(
            data["periods"],
            data.get("location_ids"),
            data.get("classifications"),
            title=data.get("title") or None,
        )
        return Response(report)


def overlap_report_for(data):
    group_a, group_b = overlap_groups(data)
    return build_overlap_report(
        group_a, group_b, data["time_basis"], data["resamples"], data["seed"], data.get("location_ids")
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive: group a (and b)"),
            OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("a", str, description="classes of group a, repeated or comma-separated"),
            OpenApiParameter("b", str, description="classes of group b"),
            OpenApiParameter("b_start_date", str, description="group b's own dates (two seasons)"),
            OpenApiParameter("b_end_date", str, description="group b's own end date"),
            OpenApiParameter("a_label", str, description="label of group a"),
            OpenApiParameter("b_label", str, description="label of group b"),
            OpenApiParameter("location_ids", str, description="location UUIDs, repeated or comma-separated"),
            OpenApiParameter("time_basis", str, description="clock (default) or sun"),
            OpenApiParameter("resamples", int, description="bootstrap resamples, 0..10000 (default 1000)"),
            OpenApiParameter("seed", int, description="bootstrap seed (default 0)"),
        ],
        responses={200: dict},
    )
)
class OverlapReportView(CachedReportView):
    """Activity overlap (Delta-hat with a smoothed-bootstrap CI) of two groups of independent events."""

    kind, serializer_class, build = "overlap", OverlapQuerySerializer, staticmethod(overlap_report_for)


def census_report_for(data):
    return build_census_report(
        data["start_date"], data["end_date"], data.get("location_ids"), data["resamples"], data["seed"]
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="first day of the census window (YYYY-MM-DD)"),
            OpenApiParameter("end_date", str, description="last day (7 to 31 days in all; typically 10-14)"),
            OpenApiParameter("location_ids", str, description="the census cameras' location UUIDs"),
            OpenApiParameter("resamples", int, description="bootstrap resamples, 0..10000 (default 1000)"),
            OpenApiParameter("seed", int, description="bootstrap seed (default 0)"),
        ],
        responses={200: dict},
    )
)
class CensusReportView(CachedReportView):
    """Jacobson et al. (1997) camera census of deer for a census window, with a bootstrap interval."""

    kind, serializer_class, build = "census", CensusQuerySerializer, staticmethod(census_report_for)


class OccupancyView(APIView):
    """Detection-history matrix (camtrapR layout) per class, with effort per occasion and naive occupancy."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive; occasions count from it"),
            OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("classifications", str, description="the class(es) detected, e.g. buck (required)"),
            OpenApiParameter("occasion_days", int, description="days per occasion, 1..366 (default 7)"),
            OpenApiParameter("min_camera_days", float, description="below this effort an occasion is NA (default 0)"),
            OpenApiParameter("location_ids", str, description="location UUIDs, repeated or comma-separated"),
            OpenApiParameter("output", str, enum=["json", "csv"], description="csv: camtrapR's layout"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        data = validated_query(OccupancyQuerySerializer, request)
        document = detection_history(
            data["start_date"],
            data["end_date"],
            data["classifications"],
            data["occasion_days"],
            data.get("location_ids"),
            data["min_camera_days"],
        )
        if data["output"] == "csv":
            name = f"detection-history-{'-'.join(data['classifications'])}-{data['start_date']}.csv"
            response = HttpResponse(history_csv(document), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return Response(document)
