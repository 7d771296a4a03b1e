"""Headless Chromium works through the re-ID review queue and opens the analysis page."""

import numpy as np
import pytest

from reid.backfill import run_backfill
from reid.models import Deer, ReviewItem
from reid.services import run_matching
from tests import factories
from tests.reid.conftest import at_cosine
from tests.reid.helpers import hours, latent, sighting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_queue_in_the_browser(live_server, page_as_bob):
    loc = factories.location("Hayfield")
    a = latent(1)
    sighting(loc, hours(0), a, write_file=True)
    sighting(loc, hours(1), at_cosine(a, 0.1, 2), write_file=True)
    run_matching()
    queued = sighting(loc, hours(5), at_cosine(a, 0.65, 3), write_file=True)
    run_matching()
    first = Deer.objects.get(first_seen=hours(0))
    page = page_as_bob
    page.goto(f"{live_server.url}/reid/review/")
    page.wait_for_selector("#review-item")
    assert page.inner_text("#remaining") == "1"
    # the detection's crop is a real image beside the candidates' crops
    assert page.evaluate("document.querySelector('.query img').naturalWidth") > 0
    assert page.locator("figure.candidate").count() == 2
    page.screenshot(path=str(factories.artifact_path("reid-review.png")))
    page.locator("figure.candidate").first.get_by_role("button", name="Not this one").click()
    page.wait_for_selector("#review-item")
    assert page.locator("figure.candidate").count() == 1  # the rejected deer is not offered again
    page.get_by_role("button", name="Undo my last decision").click()
    page.wait_for_selector("figure.candidate >> nth=1")
    page.locator("figure.candidate").first.get_by_role("button", name="Same deer").click()
    page.wait_for_selector("#empty")
    queued.refresh_from_db()
    assert queued.deer_id == first.id and ReviewItem.objects.get().status == "accepted"


def test_analysis_page_in_the_browser(live_server, page_as_bob):
    rng = np.random.default_rng(0)
    loc = factories.location("Sanctuary")
    for i in range(6):
        v = latent(1 + i % 2) + rng.normal(size=64) * 0.02
        sighting(loc, hours(i), (v / np.linalg.norm(v)).astype(np.float32))
    run_matching()
    run_backfill()
    page = page_as_bob
    page.goto(f"{live_server.url}/reid/analysis/")
    page.wait_for_selector("table.table")
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("table.table tbody tr").count() == 14
    page.screenshot(path=str(factories.artifact_path("reid-analysis.png")), full_page=True)
