"""Effort: camera-days of the deployments' operating time minus outages, against hand-computed hours.

America/Chicago: DST starts on Sunday 2025-03-09 (that local day has 23 hours).
"""

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from detections.deployments import images_outside
from detections.models import Deployment, Outage
from reports import effort, selectors
from tests import factories
from tests.reports.conftest import CHICAGO


def local(month, day, hour=0):
    return datetime(2025, month, day, hour, tzinfo=CHICAGO)


@pytest.fixture
def survey(db, chicago):
    """A: Mar 1..15 with a week's outage over the DST change; B: open since Mar 1 noon;
    C: no deployment, images on Mar 2 and Mar 4; D: the DST weekend only."""
    a, b, c, d = (factories.location(name) for name in ("A", "B", "C", "D"))
    dep_a = Deployment.objects.create(location=a, setup_at=local(3, 1), pickup_at=local(3, 15))
    Outage.objects.create(deployment=dep_a, start_at=local(3, 3), end_at=local(3, 10), reason="battery")
    Deployment.objects.create(location=b, setup_at=local(3, 1, 12))
    factories.image(c, taken_at=local(3, 2, 9), write_file=False)
    factories.image(c, taken_at=local(3, 4, 18), write_file=False)
    Deployment.objects.create(location=d, setup_at=local(3, 8), pickup_at=local(3, 10))
    return a, b, c, d


def test_camera_days_by_location_hand_computed(survey):
    a, b, c, d = survey
    days = selectors.camera_days_by_location(date(2025, 3, 1), date(2025, 3, 3))
    # A: Mar 1 and 2 (the outage starts Mar 3 00:00); B: 12 h + 2 days; C: inferred Mar 2..4, clipped to
    # Mar 2..3; D: not yet set up.
    assert days == pytest.approx({a.id: 2.0, b.id: 2.5, c.id: 2.0})


def test_outage_and_dst_hours(survey):
    a, b, c, d = survey
    days = selectors.camera_days_by_location(date(2025, 3, 1), date(2025, 3, 31), [a.id, d.id])
    # A: 14 days minus the lost DST hour = 335 h; outage Mar 3..10 = 7 days minus that hour = 167 h -> 168 h.
    assert days[a.id] == pytest.approx(168 / 24)
    # D: Mar 8 00:00 .. Mar 10 00:00 is 47 hours.
    assert days[d.id] == pytest.approx(47 / 24)
    clipped = selectors.camera_days_by_location(date(2025, 3, 5), date(2025, 3, 12), [a.id])
    # window Mar 5..13 00:00: 191 h deployed, outage Mar 5..10 = 119 h -> 72 h
    assert clipped[a.id] == pytest.approx(3.0)


def test_open_deployment_runs_until_now_not_beyond(survey, chicago):
    a, b, c, d = survey
    today = datetime.now(chicago).date()
    Deployment.objects.filter(location=b).update(setup_at=datetime.now(chicago) - timedelta(hours=36))
    days = selectors.camera_days_by_location(today - timedelta(days=5), today + timedelta(days=30), [b.id])
    assert days[b.id] == pytest.approx(1.5, abs=0.01)  # up to now, never the future days of the window


def test_operation_matrix_agrees_with_database(survey):
    a, b, c, d = survey
    locations, days, matrix = effort.operation_matrix(date(2025, 3, 1), date(2025, 3, 16))
    rows = dict(zip(locations, matrix, strict=True))
    assert len(days) == 16
    expected_a = [1, 1] + [0] * 7 + [1] * 5 + [0, 0]  # Mar 3..9 out, Mar 10..14 running, picked up Mar 15
    assert rows[a.id].tolist() == pytest.approx(expected_a)
    assert rows[d.id][7:9].tolist() == pytest.approx([1.0, 23 / 24])  # Mar 8, and the 23-hour Mar 9
    totals = selectors.camera_days_by_location(date(2025, 3, 1), date(2025, 3, 16))
    for location_id, row in rows.items():
        assert float(np.sum(row)) == pytest.approx(totals[location_id])


def test_images_outside_every_deployment_are_flagged(survey):
    a, b, c, d = survey
    during_outage = factories.image(a, taken_at=local(3, 5, 12), write_file=False)
    after_pickup = factories.image(a, taken_at=local(3, 20, 12), write_file=False)
    at_pickup = factories.image(a, taken_at=local(3, 15), write_file=False)  # half-open: pickup is outside
    before_setup = factories.image(d, taken_at=local(3, 7, 23), write_file=False)
    outside = set(images_outside().values_list("id", flat=True))
    assert outside == {after_pickup.id, at_pickup.id, before_setup.id}
    assert during_outage.id not in outside  # a camera that was "out" but took a picture: inside its deployment
    # C has no deployment: its images are covered by the inferred one
    assert not images_outside().filter(location=c).exists()


def test_inferred_deployments_are_stored_by_the_command(survey):
    from django.core.management import call_command

    a, b, c, d = survey
    before = selectors.camera_days_by_location(date(2025, 3, 1), date(2025, 3, 31))
    call_command("infer_deployments")
    made = Deployment.objects.get(location=c)
    assert made.inferred and (made.setup_at, made.pickup_at) == (local(3, 2), local(3, 5))
    assert Deployment.objects.filter(inferred=True).count() == 1  # locations with deployments are left alone
    assert selectors.camera_days_by_location(date(2025, 3, 1), date(2025, 3, 31)) == pytest.approx(before)
