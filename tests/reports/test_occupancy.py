"""The detection-history matrix against one built by hand, naive occupancy, and the API (JSON, CSV, 400s)."""

from datetime import date, datetime

import pytest

from detections.models import Deployment, Outage
from reports.occupancy import detection_history, history_csv
from tests import factories
from tests.reports.conftest import CHICAGO


def local(day, hour=0, month=4):
    return datetime(2025, month, day, hour, tzinfo=CHICAGO)


@pytest.fixture
def stations(db, chicago):
    """Apr 1..14 in occasions of 5 days: o1 = Apr 1-5, o2 = Apr 6-10, o3 = Apr 11-14 (4 days)."""
    a, b, c, d = (factories.location(name) for name in ("A", "B", "C", "D"))
    dep_a = Deployment.objects.create(location=a, setup_at=local(1), pickup_at=local(15))
    Outage.objects.create(deployment=dep_a, start_at=local(6), end_at=local(11))  # all of o2
    Deployment.objects.create(location=b, setup_at=local(8))  # from o2's third day, still running
    Deployment.objects.create(location=c, setup_at=local(1), pickup_at=local(3))
    Deployment.objects.create(location=d, setup_at=local(1, month=3), pickup_at=local(20, month=3))  # before
    for loc, day, label, valid in [
        (a, 2, "buck", True),
        (a, 7, "buck", True),  # during the outage: o2 stays NA
        (b, 9, "buck", True),
        (b, 12, "doe", True),  # another class
        (c, 2, "buck", False),  # invalid: not a detection
        (d, 2, "buck", True),  # D picked up in March: no effort, not a station
    ]:
        factories.detection(factories.image(loc, taken_at=local(day, 21), write_file=False), label, is_valid=valid)
    return a, b, c, d


HAND_BUILT = {"A": [1, None, 0], "B": [None, 1, 0], "C": [0, None, None]}


def test_matrix_equals_the_hand_built_one(stations):
    doc = detection_history(date(2025, 4, 1), date(2025, 4, 14), ["buck"], occasion_days=5)
    assert {s["name"]: s["history"] for s in doc["stations"]} == HAND_BUILT
    assert [(o["name"], o["start_date"], o["days"]) for o in doc["occasions"]] == [
        ("o1", "2025-04-01", 5),
        ("o2", "2025-04-06", 5),
        ("o3", "2025-04-11", 4),
    ]
    effort = {s["name"]: s["camera_days"] for s in doc["stations"]}
    assert effort["A"] == [5.0, 0.0, 4.0] and effort["B"] == [0.0, 3.0, 4.0]
    assert (doc["sites_surveyed"], doc["sites_detected"], doc["naive_occupancy"]) == (3, 2, 0.667)
    assert history_csv(doc) == "station,o1,o2,o3\nA,1,NA,0\nB,NA,1,0\nC,0,NA,NA\n"


def test_minimum_effort_turns_short_occasions_into_na(stations):
    doc = detection_history(date(2025, 4, 1), date(2025, 4, 14), ["buck"], occasion_days=5, min_camera_days=4)
    histories = {s["name"]: s["history"] for s in doc["stations"]}
    assert histories["B"] == [None, None, 0]  # o2 had 3 camera-days
    assert histories["C"] == [None, None, None]  # 2 camera-days
    assert doc["naive_occupancy"] == 0.5  # A detected; A and B surveyed


def test_api_json_csv_and_refusals(stations, alice_client):
    params = {"start_date": "2025-04-01", "end_date": "2025-04-14", "classifications": "buck", "occasion_days": 5}
    doc = alice_client.get("/api/reports/occupancy", params).json()
    assert {s["name"]: s["history"] for s in doc["stations"]} == HAND_BUILT
    download = alice_client.get("/api/reports/occupancy", params | {"output": "csv"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert download.content.decode() == "station,o1,o2,o3\nA,1,NA,0\nB,NA,1,0\nC,0,NA,NA\n"
    for bad, field in [
        ({"classifications": ""}, "classifications"),
        ({"occasion_days": 0}, "occasion_days"),
        ({"occasion_days": 30}, "occasion_days"),
        ({"start_date": "2025-04-20"}, "start_date"),
        ({"output": "xlsx"}, "output"),
    ]:
        response = alice_client.get("/api/reports/occupancy", params | bad)
        assert response.status_code == 400 and field in response.json()["errors"], (bad, response.json())


def test_report_page_offers_the_download(stations, client, alice):
    client.force_login(alice)
    page = client.get(
        "/reports/",
        {"submitted": "1", "report_type": "seasonal_activity", "start_date": "2025-04-01", "end_date": "2025-04-14"},
    ).content.decode()
    form = page[page.index("<h2>Occupancy inputs</h2>") :]
    assert 'action="/api/reports/occupancy"' in form
    assert 'name="start_date" value="2025-04-01"' in form and 'name="end_date" value="2025-04-14"' in form
