"""Turning the services' Django ValidationErrors into DRF ones (which the API answers with 400)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError


def as_drf(error):
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


@contextmanager
def service_errors():
    """Re-raise a service's Django ValidationError as a DRF ValidationError (400)."""
    try:
        yield
    except DjangoValidationError as error:
        raise as_drf(error) from error
