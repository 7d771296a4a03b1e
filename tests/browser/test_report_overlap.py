"""Headless Chromium uses the report page's activity-overlap form as a person does: from the menu,
submitted with its defaults (buck against doe over the 91 days up to the last detection), then with
two other groups chosen; the figure shown equals the estimator on the events' times."""

import math

import pytest

from reports import overlap
from tests import factories
from tests.reports.conftest import local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUCK_HOURS = [19, 21, 23, 1, 3, 20, 22, 0, 2, 21]
DOE_HOURS = [6, 7, 18, 19, 6, 8, 17, 7, 19, 20, 5, 6]
COYOTE_HOURS = [22, 23, 2, 3, 4, 22, 1]


def _shoot(loc, hours, name, minute):
    # one record a day: every record is an independent event
    for day, hour in enumerate(hours):
        factories.detection(
            factories.image(loc, taken_at=local(2026, 9, 1 + day, hour, minute), write_file=False), name
        )


@pytest.fixture
def activity(settings):
    settings.TIME_ZONE = "America/Chicago"
    loc = factories.location("Feeder", latitude=29.80, longitude=-97.31)
    _shoot(loc, BUCK_HOURS, "buck", 15)
    _shoot(loc, DOE_HOURS, "doe", 40)
    _shoot(loc, COYOTE_HOURS, "coyote", 5)
    return loc


def _delta(a_hours, a_minute, b_hours, b_minute):
    def sample(hours, minute):
        return overlap.Sample.from_angles([(h * 60 + minute) * 2 * math.pi / 1440 for h in hours])

    return overlap.overlap_figures(sample(a_hours, a_minute), sample(b_hours, b_minute), 1000, 0)["delta"]


def _preview(page):
    page.click("form.report-form button:text('Preview')")
    page.wait_for_load_state()
    assert page.locator("#report-error").count() == 0, page.inner_text("#report-error")
    page.wait_for_selector("[data-figure=overlap_delta]")


def test_overlap_groups_from_the_defaults_then_chosen(live_server, page_as_bob, activity):
    page = page_as_bob
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Reports")
    page.wait_for_selector("form.report-form")
    # The blank form covers the 91 days up to the last detection (12 Sep 2026), buck against doe.
    assert page.input_value("input[name=end_date]") == "2026-09-12"
    assert page.input_value("input[name=start_date]") == "2026-06-14"
    assert page.eval_on_selector("#overlap_a", "s => [...s.selectedOptions].map(o => o.value)") == ["buck"]
    assert page.eval_on_selector("#overlap_b", "s => [...s.selectedOptions].map(o => o.value)") == ["doe"]

    _preview(page)  # every field at its default
    assert "Activity overlap: buck and doe" in page.inner_text("section.overlap")
    assert float(page.inner_text("[data-figure=overlap_delta]")) == _delta(BUCK_HOURS, 15, DOE_HOURS, 40)
    assert page.locator("section.overlap img[alt^='Activity densities of buck and doe']").count() == 1

    page.select_option("#overlap_a", ["coyote"])
    page.select_option("#overlap_b", ["buck"])
    page.fill("#overlap_b_label", "bucks")
    _preview(page)
    assert "Activity overlap: coyote and bucks" in page.inner_text("section.overlap")
    shown = float(page.inner_text("[data-figure=overlap_delta]"))
    assert shown == _delta(COYOTE_HOURS, 5, BUCK_HOURS, 15)
    assert shown != _delta(BUCK_HOURS, 15, DOE_HOURS, 40)
    assert page.locator("section.overlap img[alt^='Activity densities of coyote and bucks']").count() == 1
    # The form keeps the chosen groups.
    assert page.eval_on_selector("#overlap_a", "s => [...s.selectedOptions].map(o => o.value)") == ["coyote"]


def test_an_empty_group_is_shown_as_an_error(live_server, page_as_bob, activity):
    page = page_as_bob
    page.goto(f"{live_server.url}/reports/")
    page.select_option("#overlap_a", [])
    page.click("form.report-form button:text('Preview')")
    page.wait_for_selector("#report-error")
    assert page.inner_text("#report-error") == "Activity overlap: choose at least one class for group a."
    assert page.locator("[data-figure=overlap_delta]").count() == 0
