"""Filters shared by every list: dates and date-times inside the supported range (core.timeutil).

``SupportedRangeFilterBackend`` is DRF's default filter backend: the FilterSets it generates from a
view's ``filterset_fields`` use these filters for date and date-time fields too, so no query string
reaches the database with a date it cannot hold (a year 570, an offset of -23:52: a 500 on PostgreSQL).
"""

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet

from core.timeutil import outside_supported


class SupportedRange:
    """A form field whose date or date-time must lie in the supported range, so that a day added or a
    zone applied cannot overflow, and whose time zone offset is one the world uses (within ±14:00)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        problem = outside_supported(value, "The date")
        offset = value.utcoffset() if hasattr(value, "utcoffset") else None
        if not problem and offset is not None and abs(offset.total_seconds()) > 14 * 3600:
            problem = f"The time zone offset of {value.isoformat()} is beyond ±14:00."
        if problem:
            raise forms.ValidationError(problem)
        return value


class SupportedDateField(SupportedRange, forms.DateField):
    pass


class SupportedDateTimeField(SupportedRange, django_filters.fields.IsoDateTimeField):
    pass


class DateFilter(django_filters.DateFilter):
    field_class = SupportedDateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SupportedDateTimeField


class FilterSet(RestFilterSet):
    FILTER_DEFAULTS = {
        **RestFilterSet.FILTER_DEFAULTS,
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class SupportedRangeFilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet
