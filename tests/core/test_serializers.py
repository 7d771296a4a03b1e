"""StrictSerializer: unknown fields are a 400 in one message style, with every other violation."""

import pytest
from django.http import QueryDict
from rest_framework import serializers

from core.serializers import NOT_AN_OBJECT, StrictModelSerializer, StrictSerializer
from reid.models import Deer


class Box(StrictSerializer):
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1, required=False)

    def rule_errors(self, values, errors):
        if values.get("width", 0) > 100 and "height" not in values:
            return [("height", "A wide box needs a height.")]
        return []


def errors_of(serializer):
    assert not serializer.is_valid()
    return serializer.errors


def test_unknown_fields_are_rejected_naming_the_allowed_ones():
    assert errors_of(Box(data={"width": 3, "colour": "red"})) == {
        "colour": ["Unknown field 'colour'. Allowed fields: height, width."]
    }


def test_field_errors_come_first_then_unknown_fields_then_rules():
    errors = errors_of(Box(data={"width": 0, "depth": 1}))
    assert list(errors) == ["width", "depth"]
    errors = errors_of(Box(data={"width": 101, "depth": 1}))
    assert list(errors) == ["depth", "height"]
    assert errors["height"] == ["A wide box needs a height."]


def test_a_body_that_is_not_an_object_is_one_message():
    assert errors_of(Box(data=[1, 2])) == {"non_field_errors": [NOT_AN_OBJECT]}


def test_form_posts_may_carry_their_csrf_token():
    form = Box(data=QueryDict("width=3&csrfmiddlewaretoken=abc"))
    assert form.is_valid(), form.errors
    assert form.validated_data == {"width": 3}


class DeerNameSerializer(StrictModelSerializer):
    class Meta:
        model = Deer
        fields = ["name", "sex"]


@pytest.mark.django_db
def test_the_model_variant_is_strict_too_and_still_saves():
    assert errors_of(DeerNameSerializer(data={"name": "Bruno", "antlers": 8})) == {
        "antlers": ["Unknown field 'antlers'. Allowed fields: name, sex."]
    }
    form = DeerNameSerializer(data={"name": "Bruno", "sex": "buck"})
    assert form.is_valid(), form.errors
    assert Deer.objects.get(pk=form.save().pk).name == "Bruno"
