"""GET /api/reports/overlap: independent events from the database, clock and sun time, validation."""

import math
from datetime import timedelta

import numpy as np
import pytest
from astral import Observer
from astral.sun import sun

from reports import overlap
from reports.overlap_report import sun_angles
from tests import factories
from tests.reports.conftest import CHICAGO, local

URL = "/api/reports/overlap"


def shoot(loc, when, name):
    factories.detection(factories.image(loc, taken_at=when, write_file=False), name)


@pytest.fixture
def activity(db, chicago):
    """Bucks at dusk and night, does at dawn and dusk; every record 2 h apart (each its own event),
    plus one extra buck detection 10 minutes after each buck record (same event, not counted)."""
    loc = factories.location("Feeder", latitude=29.80, longitude=-97.31)
    buck_hours, doe_hours = [19, 21, 23, 1, 3, 20, 22, 0, 2], [6, 7, 18, 19, 6, 8, 17, 7, 19, 20, 5]
    for day, hour in enumerate(buck_hours):
        when = local(2024, 10, 1 + day, hour, 15)
        shoot(loc, when, "buck")
        shoot(loc, when + timedelta(minutes=10), "buck")
    for day, hour in enumerate(doe_hours):
        shoot(loc, local(2024, 10, 1 + day, hour, 40), "doe")
    return loc, buck_hours, doe_hours


def angles(hours, minute):
    return [(h * 60 + minute) * 2 * math.pi / 1440 for h in hours]


def test_overlap_of_bucks_and_does_equals_the_estimator_on_their_event_times(activity, alice_client):
    loc, buck_hours, doe_hours = activity
    body = alice_client.get(
        URL, {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "doe", "resamples": 100}
    ).json()
    assert [g["events"] for g in body["groups"]] == [9, 11]  # the 10-minute repeats are one event each
    assert [g["label"] for g in body["groups"]] == ["buck", "doe"]
    a = overlap.Sample.from_angles(angles(buck_hours, 15))
    b = overlap.Sample.from_angles(angles(doe_hours, 40))
    expected = overlap.overlap_figures(a, b, resamples=100, seed=0)
    assert body["overlap"] == expected
    assert body["overlap"]["estimator"] == "Dhat1"
    assert body["overlap"]["ci_low"] <= body["overlap"]["delta"] <= body["overlap"]["ci_high"]
    assert len(body["curve"]["a"]) == len(body["curve"]["hours"]) == 97


def test_two_seasons_of_one_class(activity, alice_client):
    body = alice_client.get(
        URL,
        {
            "start_date": "2024-10-01",
            "end_date": "2024-10-05",
            "b_start_date": "2024-10-06",
            "b_end_date": "2024-10-20",
            "a": "buck",
            "b": "buck",
            "resamples": 0,
        },
    ).json()
    assert [g["events"] for g in body["groups"]] == [5, 4]
    assert [g["label"] for g in body["groups"]] == ["buck (a)", "buck (b)"]
    assert body["overlap"]["delta"] is not None and body["overlap"]["ci_low"] is None


def test_sun_time_maps_sunrise_to_six_and_sunset_to_eighteen(chicago):
    observer = Observer(latitude=29.8, longitude=-97.3)
    day = local(2024, 6, 21).date()
    times = sun(observer, day, tzinfo=CHICAGO)
    midnight = local(2024, 6, 21, 0, 0)

    def clock(t):
        return (t - midnight).total_seconds() / 86400 * 2 * math.pi

    rise, sets = clock(times["sunrise"]), clock(times["sunset"])
    result = sun_angles([day] * 3, np.array([rise + 1e-9, (rise + sets) / 2, sets + 1e-9]), 29.8, -97.3)
    assert result == pytest.approx([math.pi / 2, math.pi, 3 * math.pi / 2], abs=1e-6)


def test_sun_time_report_names_its_reference_point(activity, alice_client):
    body = alice_client.get(
        URL,
        {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "doe", "time_basis": "sun"},
    ).json()
    assert body["time_basis"] == "sun"
    assert body["sun_reference"] == {"latitude": 29.8, "longitude": -97.31}
    assert body["overlap"]["delta"] is not None


def test_no_records_in_a_group_gives_an_empty_report(activity, alice_client):
    body = alice_client.get(URL, {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "coyote"})
    assert body.status_code == 200
    assert body.json()["empty"] is True and body.json()["overlap"]["delta"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ({"start_date": "2024-10-01", "end_date": "2024-10-31", "b": "doe"}, "a"),
        ({"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "moose", "b": "doe"}, "a"),
        ({"start_date": "2024-10-31", "end_date": "2024-10-01", "a": "buck", "b": "doe"}, "start_date"),
        (
            {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "doe", "time_basis": "x"},
            "time_basis",
        ),
        (
            {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "doe", "resamples": 10**6},
            "resamples",
        ),
        (
            {"start_date": "2024-10-01", "end_date": "2024-10-31", "a": "buck", "b": "doe", "b_end_date": "2024-11-01"},
            "b_start_date",
        ),
    ],
)
def test_bad_requests_are_400_naming_the_field(alice_client, query, field):
    response = alice_client.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_one_event_in_a_group_gives_no_estimate_and_no_chart(db, chicago, tmp_path):
    from reports.charts import report_charts
    from reports.documents import report_for_params
    from tests.reports.test_pdf_report import params

    loc = factories.location("Feeder")
    shoot(loc, local(2024, 10, 2, 6, 0), "buck")
    for day in (2, 3, 4):
        shoot(loc, local(2024, 10, day, 19, 0), "doe")
    report = report_for_params(params(start_date="2024-10-01", end_date="2024-10-31"))
    assert report["overlap"]["overlap"]["delta"] is None and report["overlap"]["curve"]["a"] is None
    assert "overlap" not in report_charts(report)
