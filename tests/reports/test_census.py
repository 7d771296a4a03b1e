"""The Jacobson census: the method's arithmetic on a hand example, the figures from the database,
the bootstrap interval and the window's validation."""

from datetime import timedelta

import numpy as np
import pytest

from reports.census import bootstrap_population, census_figures
from tests import factories
from tests.reports.conftest import local

URL = "/api/reports/census"


def test_arithmetic_on_a_hand_example():
    # 2 unique bucks in 4 buck photos, 6 doe photos, 3 fawn photos:
    # PCF = 2/4 = 0.5; does = 6 x 0.5 = 3; fawns = 3 x 0.5 = 1.5; population = 2 + 3 + 1.5 = 6.5;
    # buck:doe = 2/3; fawn:doe = 1.5/3 = 0.5 (= 3/6).
    figures = census_figures(2, 4, 6, 3)
    assert figures["correction_factor"] == 0.5
    assert figures["does"] == 3.0
    assert figures["fawns"] == 1.5
    assert figures["population"] == 6.5
    assert figures["bucks_per_doe"] == pytest.approx(2 / 3)
    assert figures["fawns_per_doe"] == 0.5
    # The form: bucks + bucks x (does/bucks ratio) + does x (fawns/does ratio)
    assert figures["population"] == pytest.approx(2 + 2 * (6 / 4) + 3 * (3 / 6))


def test_no_buck_no_estimate():
    figures = census_figures(0, 0, 6, 3)
    assert figures["population"] is None and figures["bucks_per_doe"] is None
    assert census_figures(1, 2, 0, 0)["population"] == 1.0  # bucks only: no does, no fawns


def test_bootstrap_resamples_whole_events():
    # Three events: buck event with bucks 0 and 1 (3 photos), a doe event (4 photos), a fawn event (2).
    photos = np.array([[3, 0, 0], [0, 4, 0], [0, 0, 2]], dtype=float)
    incidence = np.array([[1, 1], [0, 0], [0, 0]], dtype=float)
    interval = bootstrap_population(photos, incidence, resamples=400, seed=3)
    assert interval == bootstrap_population(photos, incidence, resamples=400, seed=3)
    # A resample with the buck event k times, the doe event m, the fawn event j: 2 (1 + 4m/3k + 2j/3k):
    # never below 2 (bucks only), at most 2 (1 + 8/3 + 0) = 9.33 (k=1, m=2) and the like.
    assert 2.0 <= interval["low"] <= interval["high"] <= 2 * (1 + 4 * 2 / 3 + 2 * 2 / 3) + 1e-9
    assert bootstrap_population(photos, np.zeros((3, 0)), 100, 0) is None


@pytest.fixture
def census(db, chicago):
    """Two feeders over a 14-day window: bucks Ten-point and Split-brow, one doe profile."""
    north, south = factories.location("North feeder"), factories.location("South feeder")
    ten, split = factories.deer(sex="buck", name="Ten-point"), factories.deer(sex="buck", name="Split-brow")
    doe = factories.deer(sex="doe", name="Old doe")

    def shot(loc, day, hour, name, deer=None, minute=0):
        image = factories.image(loc, taken_at=local(2024, 10, day, hour, minute), write_file=False)
        factories.detection(image, name, deer=deer)

    shot(north, 2, 6, "buck", ten)
    shot(north, 2, 6, "buck", ten, minute=5)  # same event
    shot(south, 5, 19, "buck", split)
    shot(north, 9, 20, "buck")  # a buck without a profile: a photo, not a unique buck
    for day in (2, 3, 4, 6, 8, 10):
        shot(south, day, 7, "doe", doe if day == 3 else None)
    shot(north, 4, 7, "fawn")
    shot(north, 11, 7, "fawn")
    shot(north, 20, 7, "buck", factories.deer(sex="buck"))  # outside the window
    return north, south


def test_census_report_from_profiles_and_photos(census, alice_client):
    body = alice_client.get(URL, {"start_date": "2024-10-01", "end_date": "2024-10-14", "resamples": 300}).json()
    c = body["census"]
    assert (c["unique_bucks"], c["buck_photos"], c["doe_photos"], c["fawn_photos"]) == (2, 4, 6, 2)
    # PCF 0.5: does 3, fawns 1, population 2 + 3 + 1 = 6
    assert (c["correction_factor"], c["does"], c["fawns"], c["population"]) == (0.5, 3.0, 1.0, 6.0)
    assert c["bucks_per_doe"] == 0.67 and c["fawns_per_doe"] == 0.33
    assert body["unique_does"] == 1
    assert body["independent_events"] == 3 + 6 + 2  # the two Ten-point photos are one event
    assert body["interval"]["low"] <= 6.0 <= body["interval"]["high"]
    assert body["days"] == 14 and body["notes"] == []
    assert len(body["assumptions"]) >= 3


def test_a_location_filter_limits_the_census(census, alice_client):
    north, _ = census
    body = alice_client.get(
        URL, {"start_date": "2024-10-01", "end_date": "2024-10-14", "location_ids": str(north.pk), "resamples": 0}
    ).json()
    assert (body["census"]["unique_bucks"], body["census"]["doe_photos"]) == (1, 0)
    assert body["interval"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, end, field",
    [
        ("2024-10-01", "2024-10-03", "end_date"),
        ("2024-10-01", "2024-11-15", "end_date"),
        ("2024-10-14", "2024-10-01", "start_date"),
    ],
)
def test_windows_outside_7_to_31_days_are_refused(alice_client, start, end, field):
    response = alice_client.get(URL, {"start_date": start, "end_date": end})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_short_window_is_noted(census, alice_client):
    start = local(2024, 10, 1).date()
    body = alice_client.get(URL, {"start_date": start, "end_date": start + timedelta(days=7), "resamples": 0}).json()
    assert body["notes"] and "8 days" in body["notes"][0]
