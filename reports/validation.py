"""Validation of report and export requests (SPEC §5), shared by exports and reports.

Rules, checked in this order, with these exact messages:

* VR-001 start_date >= end_date               -> "start_date must be before end_date"
* VR-002 (end_date - start_date).days > 365   -> "Date range cannot exceed 1 year"
* VR-003 group_by not in day, week, month     -> "group_by must be one of: day, month, week"
* VR-004 start_date after today               -> "start_date cannot be in the future"
* VR-005 end_date after today                 -> "end_date cannot be in the future"
* then, for a date no rule above refused, the supported range (core.timeutil.outside_supported)
                                              -> "start_date must be between 1970-01-01 and 2100-12-31 (got ...)."

"Today" is the local date in settings.TIME_ZONE. A serializer collects every violation (field
errors such as a malformed date or an unknown field first, then the VR rules that can be checked)
and raises one ValidationError whose dict is ordered so that its first message is the first
failure; core.api_errors turns it into ``{"detail": first, "errors": {field: [messages]}}``.

Public names (stable): ReportQuerySerializer, PeriodSerializer, DateRangeSerializer,
StrictSerializer, DateField, IdListField, ClassificationListField, GROUP_BY_CHOICES,
VR_001..VR_005, local_today, date_rule_errors.
"""

import re
from datetime import date, datetime

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.utils import html
from rest_framework.utils.serializer_helpers import BindingDict

from core import serializers as core_serializers
from core.timeutil import local_today, outside_supported
from core.vocabulary import CLASSIFICATIONS

VR_001 = "start_date must be before end_date"
VR_002 = "Date range cannot exceed 1 year"
VR_003 = "group_by must be one of: day, month, week"
VR_004 = "start_date cannot be in the future"
VR_005 = "end_date cannot be in the future"

GROUP_BY_CHOICES = ("day", "week", "month")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_RANGE_DAYS = 365


def date_rule_errors(start_date=None, end_date=None, group_by=empty, today=None):
    """VR-001..VR-005 and the supported range in order, as a list of (field, message); a None date
    skips its rules.

    Pass group_by=empty (the default) to skip VR-003, e.g. for comparison periods.
    """
    today = today or local_today()
    found = []
    if start_date is not None and end_date is not None:
        if start_date >= end_date:
            found.append(("start_date", VR_001))
        elif (end_date - start_date).days > MAX_RANGE_DAYS:
            found.append(("end_date", VR_002))
    if group_by is not empty and group_by not in GROUP_BY_CHOICES:
        found.append(("group_by", VR_003))
    if start_date is not None and start_date > today:
        found.append(("start_date", VR_004))
    if end_date is not None and end_date > today:
        found.append(("end_date", VR_005))
    refused = {name for name, _ in found}
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        problem = outside_supported(value, name) if value is not None and name not in refused else None
        if problem:
            found.append((name, problem))
    return found


# --- fields ---------------------------------------------------------------------------------------


class DateField(serializers.DateField):
    """A YYYY-MM-DD date whose messages name the field and echo the bad value."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, datetime) or not isinstance(value, (str, date)):
            raise ValidationError(f"{self.field_name} must be a date string in YYYY-MM-DD format.")
        if isinstance(value, date):
            return value
        text = value.strip()
        try:
            if ISO_DATE.fullmatch(text):  # the usual form, without strptime's locale and regex set-up
                return date(int(text[:4]), int(text[5:7]), int(text[8:]))
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValidationError(
                f"{self.field_name} must be a valid date in YYYY-MM-DD format (got '{value[:40]}')."
            ) from None

    def validate_empty_values(self, data):
        if data is empty and self.required:
            raise ValidationError(f"{self.field_name} is required (YYYY-MM-DD).")
        if data is None or data == "":
            if self.required or not self.allow_null:
                raise ValidationError(f"{self.field_name} is required (YYYY-MM-DD).")
        return super().validate_empty_values(data)


class _ListField(serializers.ListField):
    """A list that also accepts repeated or comma-separated query parameters."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            if self.field_name not in dictionary:
                return empty
            return [
                part.strip() for raw in dictionary.getlist(self.field_name) for part in raw.split(",") if part.strip()
            ]
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data):
        if isinstance(data, (str, dict)) or not hasattr(data, "__iter__"):
            raise ValidationError(f"{self.field_name} must be a list.")
        return super().to_internal_value(data)


class IdListField(_ListField):
    """A list of distinct UUIDs (min_length/max_length as given); duplicates are an error."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "child", core_serializers.StrictUUIDField(error_messages={"invalid": "'{value}' is not a valid UUID."})
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, (list, tuple)) and self.max_length is not None and len(data) > self.max_length:
            # Say so before parsing thousands of values.
            raise ValidationError(
                f"Too many ids in {self.field_name}: {len(data)} given, at most {self.max_length} are allowed."
            )
        if isinstance(data, (list, tuple)) and self.min_length is not None and len(data) < self.min_length:
            raise ValidationError(f"Give at least {self.min_length} id(s) in {self.field_name}.")
        values = super().to_internal_value(data)
        seen, duplicates = set(), []
        for value in values:
            if value in seen:
                duplicates.append(str(value))
            seen.add(value)
        if duplicates:
            raise ValidationError(f"Duplicate ids in {self.field_name}: {', '.join(duplicates[:5])}.")
        return values


class ClassificationListField(_ListField):
    """Effective classes (case-insensitive), de-duplicated, order kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        result = []
        for value in values:
            name = value.strip().lower()
            if name not in CLASSIFICATIONS:
                raise ValidationError(
                    f"'{value[:40]}' is not a known classification; use any of: {', '.join(CLASSIFICATIONS)}."
                )
            if name not in result:
                result.append(name)
        return result


# --- serializers ----------------------------------------------------------------------------------


def _shallow_copy(field):
    """What copy.copy makes of a field (a new instance sharing its attribute values), more cheaply."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class StrictSerializer(core_serializers.StrictSerializer):
    """core.serializers.StrictSerializer (unknown fields rejected, every violation in one error
    dict, cross-field rules in ``rule_errors``) for requests that are only validated.

    Validation only: fields are bound once per class (see ``fields``).
    """

    @cached_property
    def fields(self):
        """The declared fields, bound to this serializer: shallow copies, bound once per class.

        DRF deep-copies every declared field for every instance, then binds the copies. These
        serializers only validate: a field's per-instance state is what bind() sets (name, label,
        source: the same for every instance of a class; parent), while validators, messages and
        list children are read-only and can be shared. So each class binds copies of its declared
        fields once, and an instance takes shallow copies of those and becomes their parent, which
        makes a rejection several times cheaper to build. (get_fields() is not consulted.)
        """
        fields = BindingDict(self)
        for name, template in self._bound_templates().items():
            field = _shallow_copy(template)
            field.parent = self
            fields.fields[name] = field
        return fields

    @classmethod
    def _bound_templates(cls):
        templates = cls.__dict__.get("_field_templates")
        if templates is None:
            templates = {}
            for name, field in cls._declared_fields.items():
                templates[name] = _shallow_copy(field)
                templates[name].bind(field_name=name, parent=None)
                _ = templates[name].validators  # built once here, shared by the copies
            cls._field_templates = templates
        return templates


class DateRangeSerializer(StrictSerializer):
    """start_date and end_date (both required) with VR-001, VR-002, VR-004, VR-005."""

    start_date = DateField()
    end_date = DateField()

    def rule_errors(self, values, errors):
        return date_rule_errors(values.get("start_date"), values.get("end_date"))


class PeriodSerializer(DateRangeSerializer):
    """One comparison period: {label, start_date, end_date}."""

    label = serializers.CharField(
        max_length=100,
        error_messages={
            "required": "Each period needs a label.",
            "blank": "A period label cannot be blank.",
        },
    )


class ReportQuerySerializer(StrictSerializer):
    """start_date, end_date, group_by, location_ids, classifications: SPEC §5, all rules in order.

    Works on a JSON body or on request.query_params (lists may be repeated or comma-separated).
    validated_data: start_date/end_date (date), group_by (str), location_ids (list[UUID]),
    classifications (list[str]).
    """

    start_date = DateField()
    end_date = DateField()
    group_by = serializers.CharField(required=False, default="month", allow_blank=True)
    location_ids = IdListField(required=False, default=list, max_length=100)
    classifications = ClassificationListField(required=False, default=list)

    def rule_errors(self, values, errors):
        return date_rule_errors(values.get("start_date"), values.get("end_date"), values.get("group_by", "month"))
