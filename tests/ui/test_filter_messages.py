"""Filter errors said with the form's labels; From after To said plainly instead of 0 results."""

import pytest

from core.form_messages import date_order_error, human_errors
from tests import factories

pytestmark = pytest.mark.django_db


def test_from_after_to_says_so_on_the_detections_page(client, alice):
    factories.detection(classification="doe")
    client.force_login(alice)
    response = client.get("/detections/", {"start_date": "2024-11-30", "end_date": "2024-11-01"})
    text = response.content.decode()
    assert "From (2024-11-30) is after To (2024-11-01), so no day can match" in text
    assert 'id="filter-errors"' in text


def test_field_errors_use_the_labels():
    assert human_errors({"min_confidence": ["Enter a number."], "start_date": ["Enter a valid date."]}) == [
        "Min confidence: Enter a number.",
        "From: Enter a valid date.",
    ]
    assert date_order_error({"start_date": "2024-01-02", "end_date": "2024-01-02"}) is None
    assert date_order_error({"start_date": "junk", "end_date": "2024-01-01"}) is None
