"""The strict request serializer base: unknown fields are a 400, never silently ignored.

Every violation of a request lands in one error dict, in the order it should be reported: field
errors first (in declaration order), then unknown fields, then the cross-field rules a subclass
lists in ``rule_errors``. core.api_errors turns it into ``{"detail": first, "errors": {...}}``.

Input fields that DRF reads too loosely: StrictUUIDField (a UUID is a string; DRF turns the number 1
into 00000000-0000-0000-0000-000000000001) and BoundedIntegerField (at most MAX_INTEGER, which every
integer column holds; DRF's IntegerField has no upper bound).
"""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.utils import html

NOT_AN_OBJECT = "Expected a JSON object with named fields."
MAX_INTEGER = 2**31 - 1
IGNORED_FIELDS = {"csrfmiddlewaretoken"}  # sent by HTML forms, never a field


def unknown_field(name, allowed):
    return f"Unknown field '{str(name)[:40]}'. Allowed fields: {', '.join(sorted(allowed))}."


class StrictMixin:
    """Rejects unknown fields and reports every violation in one ValidationError.

    Subclasses add cross-field rules in ``rule_errors(values, errors)``, returning (field, message)
    pairs in the order the rules must be reported.
    """

    def to_internal_value(self, data):
        if not isinstance(data, dict) and not html.is_html_input(data):
            raise ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
        errors, values = {}, {}
        for field in self._writable_fields:
            validate_method = getattr(self, "validate_" + field.field_name, None)
            try:
                value = field.run_validation(field.get_value(data))
                if validate_method is not None:
                    value = validate_method(value)
            except ValidationError as exc:
                errors[field.field_name] = exc.detail
            except DjangoValidationError as exc:
                errors[field.field_name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(values, field.source_attrs, value)
        known = set(self.fields)
        for name in data:
            if name not in known and name not in IGNORED_FIELDS:
                errors[str(name)] = [unknown_field(name, known)]
        for field_name, message in self.rule_errors(values, errors):
            detail = errors.setdefault(field_name, [])
            if isinstance(detail, list):
                detail.append(message)
        if errors:
            raise ValidationError(errors)
        return values

    def rule_errors(self, values, errors):
        return []


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string (any of the forms DRF reads), never as a number."""

    def to_internal_value(self, data):
        if not isinstance(data, (str, uuid.UUID)):
            self.fail("invalid", value=str(data)[:40])
        return super().to_internal_value(data)


class BoundedIntegerField(serializers.IntegerField):
    """An IntegerField whose max_value is at most MAX_INTEGER (the default when none is given)."""

    def __init__(self, **kwargs):
        kwargs["max_value"] = min(kwargs.get("max_value", MAX_INTEGER), MAX_INTEGER)
        super().__init__(**kwargs)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass
