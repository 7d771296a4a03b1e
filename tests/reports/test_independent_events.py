"""Independence grouping: same class, same location, more than INDEPENDENCE_MINUTES apart."""

from datetime import date

import pytest

from reports.activity import build_activity_report
from tests import factories
from tests.reports.conftest import local


def shot(loc, when, cls, **fields):
    factories.detection(factories.image(loc, taken_at=when, write_file=False), cls, **fields)


@pytest.fixture
def site(db, chicago):
    return factories.location("Feeder")


def events(day=date(2024, 10, 15)):
    return build_activity_report(day, date(2024, 10, 16), "day")["summary"]["independent_events"]


def test_a_chain_of_close_detections_is_one_event(site):
    for minute in (0, 20, 40):  # each gap 20 min, 40 min from first to last
        shot(site, local(2024, 10, 15, 6, minute), "doe")
    assert events() == 1


def test_a_gap_of_exactly_the_threshold_is_the_same_event_and_one_minute_more_is_a_new_one(site):
    shot(site, local(2024, 10, 15, 6, 0), "doe")
    shot(site, local(2024, 10, 15, 6, 30), "doe")  # exactly 30: same event
    shot(site, local(2024, 10, 15, 7, 1), "doe")  # 31 after the previous: new event
    assert events() == 2


def test_other_class_or_other_location_starts_its_own_event(site):
    other = factories.location("Creek")
    shot(site, local(2024, 10, 15, 6, 0), "doe")
    shot(site, local(2024, 10, 15, 6, 5), "buck")
    shot(other, local(2024, 10, 15, 6, 5), "doe")
    assert events() == 3


def test_the_threshold_comes_from_settings(site, settings):
    shot(site, local(2024, 10, 15, 6, 0), "doe")
    shot(site, local(2024, 10, 15, 6, 20), "doe")
    assert events() == 1
    settings.INDEPENDENCE_MINUTES = 10
    assert events() == 2


def test_invalid_and_duplicate_detections_do_not_bridge_events(site):
    shot(site, local(2024, 10, 15, 6, 0), "doe")
    shot(site, local(2024, 10, 15, 6, 25), "doe", is_valid=False)
    shot(site, local(2024, 10, 15, 6, 50), "doe", is_duplicate=True)
    shot(site, local(2024, 10, 15, 7, 10), "doe")  # 70 min after the last counted one
    assert events() == 2


def test_corrected_class_is_used_for_grouping(site):
    shot(site, local(2024, 10, 15, 6, 0), "doe")
    shot(site, local(2024, 10, 15, 6, 10), "buck", corrected_classification="doe")
    assert events() == 1
