"""Report request serializers: the shared SPEC §5 rules (reports.validation) plus seasons."""

from datetime import date

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.utils import html

from detections.models import Location
from reports.seasons import season_dates, season_names
from reports.validation import (
    ClassificationListField,
    DateField,
    IdListField,
    PeriodSerializer,
    ReportQuerySerializer,
    StrictSerializer,
    date_rule_errors,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def known_locations(value):
    """The ids unchanged when every location exists; otherwise a 400 naming the unknown ones."""
    found = {str(pk) for pk in Location.objects.filter(id__in=value).values_list("id", flat=True)}
    missing = [str(v) for v in value if str(v) not in found]
    if missing:
        raise ValidationError(f"Unknown location id(s): {', '.join(missing[:5])}.")
    return value


def _plain(data):
    """A mutable copy of a QueryDict or dict (lists of a QueryDict are kept)."""
    return data.copy() if hasattr(data, "copy") else dict(data)


class ActivityQuerySerializer(ReportQuerySerializer):
    """GET /api/reports/activity: start_date+end_date, or season+year, plus group_by, location_ids,
    classifications. `season=rut&year=2024` means 2024-09-01..2025-01-31."""

    start_date = DateField(required=False)
    end_date = DateField(required=False)
    season = serializers.CharField(required=False)
    year = serializers.IntegerField(
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "invalid": "year must be a whole number such as 2024.",
            "min_value": f"year must be between {MIN_YEAR} and {MAX_YEAR}.",
            "max_value": f"year must be between {MIN_YEAR} and {MAX_YEAR}.",
        },
    )

    def validate_location_ids(self, value):
        return known_locations(value)

    def to_internal_value(self, data):
        if not isinstance(data, dict) and not html.is_html_input(data):
            raise ValidationError({"non_field_errors": ["Expected a JSON object with named fields."]})
        season = data.get("season")
        if season is not None or data.get("year") is not None:
            data = self._with_season_dates(data, season)
        elif data.get("start_date") in (None, "") or data.get("end_date") in (None, ""):
            missing = [name for name in ("start_date", "end_date") if data.get(name) in (None, "")]
            raise ValidationError(
                {name: [f"{name} is required (YYYY-MM-DD), or give season and year instead."] for name in missing}
            )
        values = super().to_internal_value(data)
        values.pop("year", None)
        return values

    def _with_season_dates(self, data, season):
        if data.get("start_date") or data.get("end_date"):
            raise ValidationError({"season": ["Give either start_date and end_date, or season and year, not both."]})
        if not season:
            raise ValidationError(
                {"season": [f"season is required with year; use one of: {', '.join(season_names())}."]}
            )
        name = str(season).strip().lower()
        if name not in season_names():
            raise ValidationError(
                {"season": [f"Invalid season: {str(season)[:40]}. Valid values: {', '.join(season_names())}"]}
            )
        if data.get("year") in (None, ""):
            raise ValidationError({"year": ["year is required with season, for example season=rut&year=2024."]})
        try:
            year = self.fields["year"].run_validation(data.get("year"))
        except ValidationError as exc:
            raise ValidationError({"year": exc.detail}) from None
        start, end = season_dates(name, year)
        data = _plain(data)
        data["season"], data["start_date"], data["end_date"] = name, start.isoformat(), end.isoformat()
        return data


class ComparisonRequestSerializer(StrictSerializer):
    """POST /api/reports/comparison: 2-5 labelled periods, each obeying SPEC §5."""

    periods = PeriodSerializer(
        many=True,
        min_length=2,
        max_length=5,
        error_messages={
            "min_length": "Give between 2 and 5 periods to compare.",
            "max_length": "Give between 2 and 5 periods to compare.",
            "not_a_list": "periods must be a list of (label, start_date, end_date) objects.",
            "empty": "Give between 2 and 5 periods to compare.",
            "required": "periods is required: 2 to 5 (label, start_date, end_date) objects.",
        },
    )
    location_ids = IdListField(required=False, default=list, max_length=100)
    classifications = ClassificationListField(required=False, default=list)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_location_ids(self, value):
        return known_locations(value)

    def rule_errors(self, values, errors):
        labels = [p["label"] for p in values.get("periods") or []]
        if len(set(labels)) != len(labels):
            return [("periods", "Each period needs a different label.")]
        return []


class OccupancyQuerySerializer(StrictSerializer):
    """GET /api/reports/occupancy: the detection-history matrix of the given classes."""

    start_date = DateField()
    end_date = DateField()
    classifications = ClassificationListField(
        error_messages={"required": "classifications is required: the class(es) the history is about, e.g. buck."}
    )
    location_ids = IdListField(required=False, default=list, max_length=100)
    occasion_days = serializers.IntegerField(
        required=False,
        default=7,
        min_value=1,
        max_value=366,
        error_messages={"invalid": "occasion_days must be a whole number of days from 1 to 366."},
    )
    min_camera_days = serializers.FloatField(required=False, default=0.0, min_value=0.0, max_value=366.0)
    output = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")

    def validate_location_ids(self, value):
        return known_locations(value)

    def validate_classifications(self, value):
        if not value:
            raise ValidationError("Give at least one class in classifications, e.g. buck.")
        return value

    def rule_errors(self, values, errors):
        found = date_rule_errors(values.get("start_date"), values.get("end_date"))
        days, start, end = values.get("occasion_days"), values.get("start_date"), values.get("end_date")
        if days and start and end and start < end and days > (end - start).days + 1:
            found.append(("occasion_days", "occasion_days cannot be longer than the date range."))
        return found


TIME_BASES = ("clock", "sun")
MAX_RESAMPLES = 10000


class OverlapQuerySerializer(StrictSerializer):
    """GET /api/reports/overlap: group a (classes a, start_date..end_date) against group b (classes b,
    the same dates or b_start_date..b_end_date: two seasons), at location_ids, in clock or sun time."""

    start_date = DateField()
    end_date = DateField()
    b_start_date = DateField(required=False)
    b_end_date = DateField(required=False)
    a = ClassificationListField(min_length=1, error_messages={"empty": "a needs at least one classification."})
    b = ClassificationListField(min_length=1, error_messages={"empty": "b needs at least one classification."})
    a_label = serializers.CharField(required=False, allow_blank=True, max_length=60)
    b_label = serializers.CharField(required=False, allow_blank=True, max_length=60)
    location_ids = IdListField(required=False, default=list, max_length=100)
    time_basis = serializers.ChoiceField(
        choices=TIME_BASES,
        required=False,
        default="clock",
        error_messages={"invalid_choice": "time_basis must be clock or sun."},
    )
    resamples = serializers.IntegerField(required=False, default=1000, min_value=0, max_value=MAX_RESAMPLES)
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)

    def validate_location_ids(self, value):
        return known_locations(value)

    def rule_errors(self, values, errors):
        found = date_rule_errors(values.get("start_date"), values.get("end_date"))
        if ("b_start_date" in values) != ("b_end_date" in values):
            found.append(("b_start_date", "Give both b_start_date and b_end_date, or neither."))
        elif "b_start_date" in values:
            found += [
                ("b_" + name, message)
                for name, message in date_rule_errors(values["b_start_date"], values["b_end_date"])
            ]
        return found


class PdfOverlapSerializer(OverlapQuerySerializer):
    """The activity-overlap groups of a PDF request (its "overlap" object): the fields of
    OverlapQuerySerializer without the dates, locations, resamples and seed, which are the report's
    (its start_date..end_date and location_ids; 1,000 resamples, seed 0, as on the report page)."""

    start_date = None
    end_date = None
    location_ids = None
    resamples = None
    seed = None

    def rule_errors(self, values, errors):
        if ("b_start_date" in values) != ("b_end_date" in values):
            return [("b_start_date", "Give both b_start_date and b_end_date, or neither.")]
        if "b_start_date" in values:
            return [
                ("b_" + name, message)
                for name, message in date_rule_errors(values["b_start_date"], values["b_end_date"])
            ]
        return []


OVERLAP_REQUEST_FIELDS = ("a", "b", "a_label", "b_label", "b_start_date", "b_end_date", "time_basis")


def overlap_request(data):
    """The JSON form of chosen overlap groups (validated OverlapQuerySerializer or PdfOverlapSerializer
    data) as the PDF request's "overlap" object: the fields given, dates as YYYY-MM-DD."""
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in data.items()
        if name in OVERLAP_REQUEST_FIELDS and value not in (None, "")
    }


def overlap_for_report(chosen, start_date, end_date, location_ids):
    """The overlap request of an activity report (the form report_for_params takes) from a PDF
    request's "overlap" object (as overlap_request wrote it) and the report's dates and locations."""
    data = {
        "start_date": start_date,
        "end_date": end_date,
        "location_ids": list(location_ids or []),
        "time_basis": chosen.get("time_basis", "clock"),
        "resamples": 1000,
        "seed": 0,
        "a": list(chosen["a"]),
        "b": list(chosen["b"]),
    }
    data.update({name: chosen[name] for name in ("a_label", "b_label") if chosen.get(name)})
    for name in ("b_start_date", "b_end_date"):
        if chosen.get(name):
            data[name] = date.fromisoformat(chosen[name]) if isinstance(chosen[name], str) else chosen[name]
    return data


def overlap_groups(data):
    """(group a, group b) dicts for reports.overlap_report from validated OverlapQuerySerializer data."""
    a = {
        "label": data.get("a_label") or " + ".join(data["a"]),
        "classifications": data["a"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
    }
    b = {
        "label": data.get("b_label") or " + ".join(data["b"]),
        "classifications": data["b"],
        "start_date": data.get("b_start_date") or data["start_date"],
        "end_date": data.get("b_end_date") or data["end_date"],
    }
    if a["label"] == b["label"]:
        a["label"], b["label"] = f"{a['label']} (a)", f"{b['label']} (b)"
    return a, b


CENSUS_MIN_DAYS, CENSUS_MAX_DAYS = 7, 31


class CensusQuerySerializer(StrictSerializer):
    """GET /api/reports/census: a census window start_date..end_date (inclusive, 7 to 31 days)."""

    start_date = DateField()
    end_date = DateField()
    location_ids = IdListField(required=False, default=list, max_length=100)
    resamples = serializers.IntegerField(required=False, default=1000, min_value=0, max_value=MAX_RESAMPLES)
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)

    def validate_location_ids(self, value):
        return known_locations(value)

    def rule_errors(self, values, errors):
        found = date_rule_errors(values.get("start_date"), values.get("end_date"))
        return found or census_window_errors(values.get("start_date"), values.get("end_date"))


def census_window_errors(start, end):
    """[(field, message)] when a census window is not 7 to 31 days long."""
    if not start or not end:
        return []
    days = (end - start).days + 1
    if CENSUS_MIN_DAYS <= days <= CENSUS_MAX_DAYS:
        return []
    message = (
        f"A census window covers {CENSUS_MIN_DAYS} to {CENSUS_MAX_DAYS} days (typically 10-14); this one has {days}."
    )
    return [("end_date", message)]
