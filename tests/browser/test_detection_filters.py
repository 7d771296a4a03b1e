"""Headless Chromium uses the detections page's filter form as a person does: from the menu, with the
form's defaults, and with one field changed at a time."""

import pytest

from detections.models import Image
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _at(day, hour=6):
    return factories.datetime(2026, 10, day, hour, tzinfo=factories.UTC)


def _image(loc, day, filename):
    img = factories.image(loc, taken_at=_at(day))
    Image.objects.filter(pk=img.pk).update(filename=filename)
    img.filename = filename
    return img


@pytest.fixture
def herd():
    north, south = factories.location("North Feeder"), factories.location("South Plot")
    return {
        "doe_north": factories.detection(_image(north, 3, "IMG_0101.JPG"), "doe"),
        "buck_north": factories.detection(_image(north, 4, "IMG_0102.JPG"), "buck"),
        "doe_south": factories.detection(_image(south, 5, "IMG_0203.JPG"), "doe"),
    }


def _shown(page):
    return set(page.eval_on_selector_all(".det-card", "cards => cards.map(c => c.dataset.id)"))


def _open_from_menu(page, live_server):
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Detections")
    page.wait_for_selector("form.filters")


def test_filter_with_defaults_and_one_class_shows_matching_cards(live_server, page_as_bob, herd):
    page = page_as_bob
    _open_from_menu(page, live_server)
    page.click("form.filters button:text('Filter')")  # every field at its default
    page.wait_for_load_state()
    assert _shown(page) == {str(d.pk) for d in herd.values()}
    assert page.locator("#filter-errors").count() == 0

    page.select_option("form.filters select[name=classification]", "doe")  # Location stays "any"
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert "location=" in page.url
    assert page.locator("#filter-errors").count() == 0, page.inner_text("#filter-errors")
    assert "No detections match" not in page.inner_text("#detections")
    assert _shown(page) == {str(herd["doe_north"].pk), str(herd["doe_south"].pk)}


def test_each_field_changed_alone_narrows_the_list(live_server, page_as_bob, herd):
    page = page_as_bob
    _open_from_menu(page, live_server)
    north = herd["doe_north"].location

    page.select_option("form.filters select[name=location]", str(north.pk))
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert _shown(page) == {str(herd["doe_north"].pk), str(herd["buck_north"].pk)}

    _open_from_menu(page, live_server)
    page.fill("form.filters input[name=start_date]", "2026-10-05")
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert _shown(page) == {str(herd["doe_south"].pk)}

    _open_from_menu(page, live_server)
    page.select_option("form.filters select[name=reviewed]", "true")
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert _shown(page) == set()
    assert "No detections match" in page.inner_text("#detections")


def test_all_detections_of_a_deer_plus_a_class(live_server, page_as_bob, herd):
    deer = factories.deer("doe", name="Freckles")
    for key in ("doe_north", "buck_north"):
        herd[key].deer = deer
        herd[key].save()
    page = page_as_bob
    page.goto(f"{live_server.url}/detections/?deer={deer.pk}")
    page.select_option("form.filters select[name=classification]", "buck")
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert page.locator("#filter-errors").count() == 0
    assert _shown(page) == {str(herd["buck_north"].pk)}
    # the card links to the deer's page, not to the API
    link = page.locator(f"#det-{herd['buck_north'].pk} a.deer-link")
    assert link.get_attribute("href") == f"/deer/{deer.pk}/"


def test_a_viewer_exports_all_matching_and_lands_on_the_job_page(live_server, browser_page, alice, herd):
    from exports.models import ExportJob

    page = browser_page(alice)
    _open_from_menu(page, live_server)
    page.select_option("form.filters select[name=classification]", "doe")
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    assert page.locator("#batch-submit").count() == 0  # a viewer corrects nothing
    label = page.get_attribute(f"#det-{herd['doe_north'].pk} input.select", "aria-label")
    assert label == "Select detection doe, North Feeder, 2026-10-03 01:00 (IMG_0101.JPG)"
    page.check("#all-matching")
    assert page.inner_text("#export-submit") == "Export all 2 matching"
    with page.expect_navigation():
        page.click("#export-submit")
    export = ExportJob.objects.get()
    assert page.url.endswith(f"/exports/{export.id}/")
    assert "ZIP" in page.inner_text("h1")
    assert set(export.params["detection_ids"]) == {str(herd["doe_north"].pk), str(herd["doe_south"].pk)}
