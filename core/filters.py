"""Filters shared by every list: dates and date-times inside the supported range (core.timeutil).

``SupportedRangeFilterBackend`` is DRF's default filter backend: the FilterSets it generates from a
view's ``filterset_fields`` use these filters for date and date-time fields too, so no query string
reaches the database with a date it cannot hold (a year 570, an offset of -23:52: a 500 on PostgreSQL).

Every FilterSet built on ``FilterSet`` here reads an empty value as "any": a form submitted with its
defaults sends ``location=&classification=doe``, and ``location=`` must not be an invalid id.
"""

import django_filters
from django import forms
from django.db import models
from django.http import QueryDict
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


def without_empty(data):
    """A copy of the query `data` without empty values (``a=&a=x`` keeps ``a=x``; ``b=`` goes)."""
    if data is None:
        return None
    cleaned = QueryDict(mutable=True)
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else data[key]
        if not isinstance(values, (list, tuple)):
            values = [values]
        kept = [value for value in values if not (isinstance(value, str) and value.strip() == "")]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned


class FilterSet(RestFilterSet):
    """The project's FilterSet: supported date ranges, and empty values mean "any"."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(without_empty(data), *args, **kwargs)

    FILTER_DEFAULTS = {
        **RestFilterSet.FILTER_DEFAULTS,
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class SupportedRangeFilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet
