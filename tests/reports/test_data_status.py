"""The data-status chapter: per deployment effort, outages, timestamp issues, review coverage and
unassigned deer detections, and the images outside every deployment; on the report page."""

from datetime import date, datetime

import pytest

from detections.deployments import clock_offset_set
from detections.models import Deployment, Outage
from reports.data_status import data_status
from tests import factories
from tests.reports.conftest import CHICAGO


def local(month, day, hour=12):
    return datetime(2025, month, day, hour, tzinfo=CHICAGO)


@pytest.fixture
def season(db, chicago):
    feeder, meadow = factories.location("Feeder"), factories.location("Meadow")
    camera = Deployment.objects.create(
        location=feeder, setup_at=local(3, 1, 0), pickup_at=local(3, 11, 0), camera_id="CAM-9"
    )
    Outage.objects.create(deployment=camera, start_at=local(3, 2, 0), end_at=local(3, 4, 0), reason="snow")
    buck = factories.deer("buck", name="Tall")
    img = factories.image(feeder, taken_at=local(3, 5), write_file=False)
    factories.detection(img, "buck", deer=buck, is_reviewed=True)
    factories.detection(img, "doe", is_reviewed=True)
    factories.detection(img, "fawn")
    factories.detection(img, "coyote")
    factories.detection(img, "doe", is_valid=False)  # not counted
    factories.image(feeder, taken_at=local(3, 20), write_file=False)  # after pickup: outside
    factories.image(meadow, taken_at=local(3, 7), write_file=False)  # no deployment: inferred
    clock_offset_set(camera, -1800)
    return camera


def test_per_deployment_figures(season):
    status = data_status(date(2025, 3, 1), date(2025, 3, 31))
    rows = {row["location"]: row for row in status["deployments"]}
    feeder = rows["Feeder"]
    # Mar 1 00:00 .. Mar 11 00:00 is 239 h (DST began Mar 9), minus the 48 h outage: 191 h
    assert feeder["camera_days"] == round(191 / 24, 2)
    assert feeder["outage_days"] == 2.0
    assert [o["reason"] for o in feeder["outages"]] == ["snow"]
    assert feeder["timestamp_issues"] == ["camera clock corrected by -1800 s"]
    assert (feeder["detections"], feeder["reviewed"], feeder["review_coverage"]) == (4, 2, 50.0)
    assert (feeder["deer_detections"], feeder["unassigned"]) == (3, 2)
    meadow = rows["Meadow"]
    assert meadow["deployment_id"] is None and meadow["camera_days"] == 1.0
    assert "inferred" in meadow["timestamp_issues"][0]
    assert status["images_outside"] == {"Feeder": 1}
    assert (status["review_coverage"], status["unassigned_deer"]) == (50.0, 2)


def test_chapter_on_the_report_page(season, client, alice):
    client.force_login(alice)
    page = client.get(
        "/reports/",
        {"submitted": "1", "report_type": "seasonal_activity", "start_date": "2025-03-01", "end_date": "2025-03-31"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    chapter = text[text.index("<h2>Data status</h2>") :]
    assert "1 image outside every deployment (Feeder: 1)" in chapter
    assert "50.0 % of the 4 counted detections were reviewed" in chapter
    assert "CAM-9" in chapter and "snow" in chapter and "camera clock corrected by -1800 s" in chapter
