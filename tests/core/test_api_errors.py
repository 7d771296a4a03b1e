"""The API error handler: one 400 shape for DRF and Django validation errors, 503 for Redis down."""

import redis
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError

from core.api_errors import QUEUE_UNAVAILABLE, exception_handler


def test_django_validation_error_with_fields_is_a_400_in_the_api_shape():
    error = DjangoValidationError({"embedding": "An embedding of all zeros cannot be compared.", "name": ["Too long."]})
    response = exception_handler(error, {})
    assert response is not None, "a Django ValidationError must not fall through to a 500"
    assert response.status_code == 400
    assert response.data == {
        "detail": "An embedding of all zeros cannot be compared.",
        "errors": {"embedding": ["An embedding of all zeros cannot be compared."], "name": ["Too long."]},
    }


def test_django_validation_error_without_fields_lands_in_non_field_errors():
    response = exception_handler(DjangoValidationError(["First problem.", "Second problem."]), {})
    assert response.status_code == 400
    assert response.data == {
        "detail": "First problem.",
        "errors": {"non_field_errors": ["First problem.", "Second problem."]},
    }


def test_django_validation_error_params_are_filled_in():
    error = DjangoValidationError("%(value)s is not allowed.", params={"value": "elk"})
    assert exception_handler(error, {}).data["detail"] == "elk is not allowed."


def test_drf_validation_error_is_flattened_with_its_first_message():
    response = exception_handler(DRFValidationError({"periods": [{}, {"label": ["Each period needs a label."]}]}), {})
    assert response.status_code == 400
    assert response.data == {
        "detail": "Each period needs a label.",
        "errors": {"periods[1].label": ["Each period needs a label."]},
    }


def test_other_api_errors_keep_drf_detail_and_redis_down_is_503():
    assert exception_handler(NotFound("No such job."), {}).data == {"detail": "No such job."}
    response = exception_handler(redis.exceptions.ConnectionError("refused"), {})
    assert response.status_code == 503
    assert response.data == {"detail": QUEUE_UNAVAILABLE}


def test_unknown_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None
