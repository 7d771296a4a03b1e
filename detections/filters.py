"""django-filter FilterSets for the image and detection lists (API and staff UI)."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from rest_framework.filters import OrderingFilter

from core.filters import DateFilter, FilterSet, IsoDateTimeFilter
from core.timeutil import day_start
from detections.models import Classification, Detection, Image, Location

FILENAME_IMAGE_IDS = 2000  # a file-name search matching at most this many images filters by their ids


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error instead of being ignored."""

    widget = forms.TextInput
    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

    def to_python(self, value):
        text = str(value).strip().lower() if value not in (None, "") else ""
        if text == "":
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(f"'{value}' is not a boolean; use true or false.")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ClassificationInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """`classification=buck,doe` (comma separated, each a known class)."""


class TakenRangeMixin(FilterSet):
    """start_date / end_date: local dates in TIME_ZONE, both inclusive; taken_after / taken_before: instants."""

    start_date = DateFilter(method="filter_start_date", help_text="YYYY-MM-DD, inclusive (local date)")
    end_date = DateFilter(method="filter_end_date", help_text="YYYY-MM-DD, inclusive (local date)")
    taken_after = IsoDateTimeFilter(field_name="taken_at", lookup_expr="gte")
    taken_before = IsoDateTimeFilter(field_name="taken_at", lookup_expr="lt")
    location = django_filters.ModelMultipleChoiceFilter(
        field_name="location",
        queryset=Location.objects.all(),
        distinct=False,
        help_text="location id; repeat for several",
    )

    def filter_start_date(self, queryset, name, value):
        return queryset.filter(taken_at__gte=day_start(value))

    def filter_end_date(self, queryset, name, value):
        return queryset.filter(taken_at__lt=day_start(value + timedelta(days=1)))


class ImageFilter(TakenRangeMixin):
    status = django_filters.ChoiceFilter(choices=Image.Status.choices)
    has_detections = BooleanFilter(method="filter_has_detections")
    filename = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Image
        fields = ["location", "status", "filename"]

    def filter_has_detections(self, queryset, name, value):
        has = Exists(Detection.objects.filter(image=OuterRef("pk")))
        return queryset.filter(has) if value else queryset.exclude(has)


class DetectionFilter(TakenRangeMixin):
    classification = ClassificationInFilter(
        field_name="effective_classification",
        choices=Classification.choices,
        help_text="effective class (corrected, else model); comma separated",
    )
    model_classification = ClassificationInFilter(field_name="classification", choices=Classification.choices)
    min_confidence = django_filters.NumberFilter(field_name="confidence", lookup_expr="gte", min_value=0, max_value=1)
    max_confidence = django_filters.NumberFilter(field_name="confidence", lookup_expr="lte", min_value=0, max_value=1)
    reviewed = BooleanFilter(field_name="is_reviewed")
    valid = BooleanFilter(field_name="is_valid")
    duplicate = BooleanFilter(field_name="is_duplicate")
    corrected = BooleanFilter(field_name="corrected_classification", lookup_expr="isnull", exclude=True)
    deer = django_filters.UUIDFilter(field_name="deer")
    has_deer = BooleanFilter(field_name="deer", lookup_expr="isnull", exclude=True)
    has_embedding = BooleanFilter(field_name="embedding", lookup_expr="isnull", exclude=True)
    embedding_model = django_filters.CharFilter()
    image = django_filters.UUIDFilter(field_name="image")
    burst = django_filters.UUIDFilter()
    filename = django_filters.CharFilter(
        method="filter_filename", max_length=255, help_text="part of the image file name"
    )

    class Meta:
        model = Detection
        fields = ["location", "image", "deer", "burst", "embedding_model"]

    def filter_filename(self, queryset, name, value):
        """Detections of images whose file name contains `value` (any case). A rare name is looked up
        among the images first (a trigram index on PostgreSQL) and its few image ids filter the
        detections, so the sort's index is not walked past a million rows to find a handful."""
        images = Image.objects.filter(filename__icontains=value).values_list("id", flat=True)
        few = list(images[: FILENAME_IMAGE_IDS + 1])
        if len(few) <= FILENAME_IMAGE_IDS:
            return queryset.filter(image_id__in=few)
        return queryset.filter(image__filename__icontains=value)  # common: the page's first rows match soon


class StableOrderingFilter(OrderingFilter):
    """OrderingFilter that always ends with the primary key, so pages never overlap or skip rows."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and ordering[-1].lstrip("-") not in ("id", "pk"):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


# the detections page's sort choices: value -> (label, ordering); the primary key keeps pages stable
PAGE_SORTS = {
    "-taken_at": ("newest first", ("-taken_at", "-id")),
    "taken_at": ("oldest first", ("taken_at", "id")),
    "-confidence": ("highest confidence", ("-confidence", "-taken_at", "-id")),
    "confidence": ("lowest confidence", ("confidence", "-taken_at", "-id")),
    "location": ("location", ("location__name", "-taken_at", "-id")),
    "class": ("class", ("effective_classification", "-taken_at", "-id")),
}
DEFAULT_PAGE_SORT = "-taken_at"


def page_ordering(value):
    """(sort key, ordering) for the page's `sort` parameter; an unknown or empty value sorts newest first."""
    key = value if value in PAGE_SORTS else DEFAULT_PAGE_SORT
    return key, PAGE_SORTS[key][1]
