"""Headless Chromium on a result larger than the page counts: "N+" first, then the exact statistics
arrive by htmx, and the keyboard focus stays on the first card."""

import pytest

from detections import views
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statistics_of_a_large_result_load_after_the_page(live_server, page_as_bob, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 2)  # three detections are "more than the cap"
    loc = factories.location("Bottomland")
    dets = [
        factories.detection(factories.image(loc, taken_at=factories.datetime(2024, 10, day, tzinfo=factories.UTC)))
        for day in (1, 2, 3)
    ]
    page = page_as_bob
    page.goto(f"{live_server.url}/detections/")
    page.wait_for_selector("#review-progress .progress")  # the fragment replaced "counting…"
    assert page.inner_text("#total-count") == "3"
    assert page.inner_text("#matching-count") == "3"  # "2+" became the exact number
    page.check("#all-matching")
    assert page.inner_text("#export-submit") == "Export all 3 matching"
    assert page.locator(f"#det-{dets[2].pk}.focused").count() == 1  # loading the statistics moved no focus
