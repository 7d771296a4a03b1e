"""POST /api/reports/comparison: periods side by side, differences and highlights."""

from datetime import timedelta

import pytest

from tests import factories
from tests.reports.conftest import local

URL = "/api/reports/comparison"
SEP = {"label": "September", "start_date": "2024-09-01", "end_date": "2024-09-30"}
OCT = {"label": "October", "start_date": "2024-10-01", "end_date": "2024-10-31"}
NOV = {"label": "November", "start_date": "2024-11-01", "end_date": "2024-11-30"}


def burst_of(loc, first, cls, n, **fields):
    for i in range(n):  # 2 hours apart: each one its own event
        when = first + timedelta(hours=2 * i)
        factories.detection(factories.image(loc, taken_at=when, write_file=False), cls, **fields)


@pytest.fixture
def rut(db, chicago):
    loc = factories.location("Hayfield")
    burst_of(loc, local(2024, 9, 3, 0), "buck", 20)
    burst_of(loc, local(2024, 9, 10, 0), "doe", 10)
    burst_of(loc, local(2024, 11, 5, 0), "buck", 29)
    burst_of(loc, local(2024, 11, 12, 0), "doe", 10)
    burst_of(loc, local(2024, 11, 20, 0), "fawn", 4)
    burst_of(loc, local(2024, 11, 21, 0), "doe", 3, is_valid=False)
    return loc


def test_periods_side_by_side_with_differences(rut, alice_client):
    response = alice_client.post(URL, {"periods": [SEP, NOV]}, format="json")
    assert response.status_code == 200
    body = response.json()
    sep, nov = body["periods"]
    assert (sep["total_detections"], sep["by_class"]) == (30, {"buck": 20, "doe": 10, "fawn": 0})
    assert (nov["total_detections"], nov["by_class"]) == (43, {"buck": 29, "doe": 10, "fawn": 4})
    assert sep["independent_events"] == 30 and nov["independent_events"] == 43
    assert sep["days"] == 30 and sep["detections_per_day"] == 1.0
    assert nov["ratio"]["bucks_per_doe"] == 2.9
    buck = next(d for d in body["differences"] if d["metric"] == "buck_detections")
    assert buck == {
        "metric": "buck_detections",
        "baseline_label": "September",
        "label": "November",
        "baseline_value": 20,
        "value": 29,
        "absolute_change": 9,
        "percent_change": 45.0,
        "interpretation": "November shows 45% more buck detections than September",
    }


def test_highlights_in_plain_language_largest_change_first(rut, alice_client):
    body = alice_client.post(URL, {"periods": [SEP, NOV]}, format="json").json()
    assert body["highlights"] == [
        "November shows 45% more buck detections than September.",
        "November shows 43% more detections than September.",
        "November shows 43% more independent events than September.",
        "November has 4 fawn detections where September had none.",
    ]


def test_three_periods_compare_each_with_the_first(rut, alice_client):
    body = alice_client.post(URL, {"periods": [SEP, OCT, NOV], "classifications": ["buck"]}, format="json").json()
    assert [p["total_detections"] for p in body["periods"]] == [20, 0, 29]
    totals = [d for d in body["differences"] if d["metric"] == "total_detections"]
    assert [(d["label"], d["percent_change"]) for d in totals] == [("October", -100.0), ("November", 45.0)]
    assert "October shows 100% fewer detections than September." in body["highlights"]


@pytest.mark.django_db
def test_no_data_at_all(alice_client, chicago):
    body = alice_client.post(URL, {"periods": [SEP, NOV]}, format="json").json()
    assert body["empty"] is True
    assert body["highlights"] == ["No detections were recorded in any of the periods."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"periods": [SEP]}, "periods.non_field_errors", "Give between 2 and 5 periods to compare."),
        (
            {"periods": [SEP, OCT, NOV, SEP, OCT, NOV]},
            "periods.non_field_errors",
            "Give between 2 and 5 periods to compare.",
        ),
        ({}, "periods", "periods is required"),
        (
            {"periods": [SEP, {**OCT, "end_date": "2024-09-01"}]},
            "periods.1.start_date",
            "start_date must be before end_date",
        ),
        (
            {"periods": [SEP, {**OCT, "start_date": "2023-01-01", "end_date": "2024-10-01"}]},
            "periods.1.end_date",
            "Date range cannot exceed 1 year",
        ),
        (
            {"periods": [SEP, {**OCT, "end_date": "3000-01-01", "start_date": "2999-12-01"}]},
            "periods.1.start_date",
            "start_date cannot be in the future",
        ),
        ({"periods": [SEP, {**OCT, "label": ""}]}, "periods.1.label", "A period label cannot be blank."),
        ({"periods": [SEP, {**OCT, "label": "September"}]}, "periods", "Each period needs a different label."),
        (
            {"periods": [SEP, {**OCT, "start_date": "01/10/2024"}]},
            "periods.1.start_date",
            "start_date must be a valid date",
        ),
        ({"periods": [SEP, NOV], "location_ids": ["nope"]}, "location_ids.0", "'nope' is not a valid UUID."),
        (
            {"periods": [SEP, NOV], "location_ids": ["6d3f1c2e-0000-4000-8000-000000000000"]},
            "location_ids",
            "Unknown location id(s): 6d3f1c2e-0000-4000-8000-000000000000.",
        ),
    ],
)
def test_bad_comparison_requests(alice_client, chicago, body, field, message):
    response = alice_client.post(URL, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["detail"].startswith(message)
    assert any(m.startswith(message) for m in data["errors"][field])


def test_changes_of_small_counts_come_after_substantial_ones(rut, alice_client):
    loc = rut
    burst_of(loc, local(2024, 9, 20, 0), "pig", 3)  # 3 pigs in September, none in November: -100%
    body = alice_client.post(URL, {"periods": [SEP, NOV]}, format="json").json()
    assert body["highlights"][0] == "November shows 45% more buck detections than September."
    assert body["highlights"][3:] == [
        "November shows 100% fewer pig detections than September.",
        "November has 4 fawn detections where September had none.",
    ]
