"""Headless Chromium reviews detections from the keyboard and with the batch form."""

import pytest

from detections.models import Detection
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_review_corrects_the_focused_card_and_moves_on(live_server, page_as_bob):
    loc = factories.location("Hayfield")
    older = factories.detection(
        factories.image(loc, taken_at=factories.datetime(2024, 10, 1, 6, tzinfo=factories.UTC)), "doe"
    )
    newer = factories.detection(
        factories.image(loc, taken_at=factories.datetime(2024, 10, 2, 6, tzinfo=factories.UTC)), "doe"
    )
    page = page_as_bob
    page.goto(f"{live_server.url}/detections/")
    page.wait_for_selector(f"#det-{newer.pk}.focused")
    page.keyboard.press("b")  # newest first: the focused card is `newer`
    page.wait_for_selector(f"#det-{newer.pk}.reviewed")
    assert page.inner_text(f"#det-{newer.pk} .label") == "buck"
    page.wait_for_selector(f"#det-{older.pk}.focused")  # focus moved on
    page.keyboard.press("x")
    page.wait_for_selector(f"#det-{older.pk}.invalid")
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.effective_classification, newer.is_reviewed) == ("buck", True)
    assert (older.is_valid, older.is_reviewed) == (False, True)
    page.screenshot(path=str(factories.artifact_path("detection-review.png")))


def test_batch_form_applies_to_selected_cards(live_server, page_as_bob):
    loc = factories.location("Sanctuary")
    dets = [factories.detection(factories.image(loc), "unknown") for _ in range(3)]
    page = page_as_bob
    page.goto(f"{live_server.url}/detections/")
    page.check(f"#det-{dets[0].pk} input.select")
    page.check(f"#det-{dets[2].pk} input.select")
    assert page.inner_text("#selected-count") == "2"
    page.select_option("#batch-form select[name=action]", "class:fawn")
    page.click("#batch-submit")
    page.wait_for_selector(".messages")
    assert "Reviewed 2 detections" in page.inner_text(".messages")
    labels = dict(Detection.objects.values_list("pk", "effective_classification"))
    assert [labels[d.pk] for d in dets] == ["fawn", "unknown", "fawn"]
