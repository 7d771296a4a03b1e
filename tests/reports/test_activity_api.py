"""GET /api/reports/activity: same numbers as the selectors, SPEC §5 validation, seasons."""

import pytest
from rest_framework.test import APIClient

from reports.activity import build_activity_report
from tests import factories
from tests.reports.conftest import local

URL = "/api/reports/activity"


def test_answers_the_report_for_a_date_range(ranch, alice_client):
    response = alice_client.get(URL, {"start_date": "2024-12-28", "end_date": "2025-01-08", "group_by": "week"})
    assert response.status_code == 200
    body = response.json()
    expected = build_activity_report(ranch.start, ranch.end, "week")
    for key in ("summary", "periods", "hours", "locations", "individuals", "insights", "previous"):
        assert body[key] == expected[key], key
    assert body["summary"]["total_detections"] == 14
    assert body["group_by"] == "week"


def test_locations_and_classes_as_repeated_or_comma_separated_parameters(ranch, alice_client):
    query = f"start_date=2024-12-28&end_date=2025-01-08&location_ids={ranch.hay.pk}&classifications=buck,fawn"
    body = alice_client.get(f"{URL}?{query}").json()
    assert body["summary"]["by_class"] == {"buck": 5, "fawn": 1}
    query = (
        f"start_date=2024-12-28&end_date=2025-01-08&location_ids={ranch.hay.pk}"
        f"&location_ids={ranch.nowhere.pk}&classifications=coyote&classifications=FAWN"
    )
    assert alice_client.get(f"{URL}?{query}").json()["summary"]["by_class"] == {"fawn": 1, "coyote": 2}


@pytest.mark.django_db
def test_season_and_year_resolve_to_dates(alice_client, chicago):
    loc = factories.location()
    factories.detection(factories.image(loc, taken_at=local(2024, 8, 31, 23, 59), write_file=False), "buck")
    factories.detection(factories.image(loc, taken_at=local(2024, 9, 1, 0, 1), write_file=False), "buck")
    factories.detection(factories.image(loc, taken_at=local(2025, 1, 31, 23, 0), write_file=False), "doe")
    factories.detection(factories.image(loc, taken_at=local(2025, 2, 1, 0, 30), write_file=False), "doe")
    body = alice_client.get(URL, {"season": "rut", "year": 2024}).json()
    assert (body["start_date"], body["end_date"], body["season"]) == ("2024-09-01", "2025-01-31", "rut")
    assert body["summary"]["by_class"] == {"buck": 1, "doe": 1}
    assert [p["label"] for p in body["periods"]] == ["Sep 2024", "Oct 2024", "Nov 2024", "Dec 2024", "Jan 2025"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field, message",
    [
        ("start_date=2024-10-01&end_date=2024-10-01", "start_date", "start_date must be before end_date"),
        ("start_date=2023-01-01&end_date=2024-01-03", "end_date", "Date range cannot exceed 1 year"),
        (
            "start_date=2024-01-01&end_date=2024-02-01&group_by=hour",
            "group_by",
            "group_by must be one of: day, month, week",
        ),
        ("start_date=2999-01-01&end_date=2999-02-01", "start_date", "start_date cannot be in the future"),
        ("start_date=2024-01-01&end_date=2999-01-01&group_by=day", "end_date", "Date range cannot exceed 1 year"),
        (
            "start_date=2024-02-30&end_date=2024-03-01",
            "start_date",
            "start_date must be a valid date in YYYY-MM-DD format (got '2024-02-30').",
        ),
        ("end_date=2024-03-01", "start_date", "start_date is required (YYYY-MM-DD), or give season and year instead."),
        ("start_date=2024-01-01&end_date=2024-02-01&colour=red", "colour", "Unknown field 'colour'"),
        ("start_date=2024-01-01&end_date=2024-02-01&location_ids=12", "location_ids.0", "'12' is not a valid UUID."),
        (
            "start_date=2024-01-01&end_date=2024-02-01&classifications=zebra",
            "classifications",
            "'zebra' is not a known classification",
        ),
        (
            "start_date=2024-01-01&end_date=2024-02-01&location_ids=6d3f1c2e-0000-4000-8000-000000000000",
            "location_ids",
            "Unknown location id(s): 6d3f1c2e-0000-4000-8000-000000000000.",
        ),
        (
            "season=monsoon&year=2024",
            "season",
            "Invalid season: monsoon. Valid values: fall, rut, spring, summer, winter",
        ),
        ("season=rut", "year", "year is required with season, for example season=rut&year=2024."),
        ("season=rut&year=soon", "year", "year must be a whole number such as 2024."),
        (
            "season=rut&year=2024&start_date=2024-01-01",
            "season",
            "Give either start_date and end_date, or season and year, not both.",
        ),
    ],
)
def test_bad_requests_say_what_is_wrong(alice_client, chicago, query, field, message):
    response = alice_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith(message)
    assert any(m.startswith(message) for m in body["errors"][field])


@pytest.mark.django_db
def test_first_failure_in_rule_order_is_the_detail(alice_client, chicago):
    body = alice_client.get(f"{URL}?start_date=2999-02-01&end_date=2999-01-01&group_by=year").json()
    assert body["detail"] == "start_date must be before end_date"
    assert body["errors"]["group_by"] == ["group_by must be one of: day, month, week"]
    assert "start_date cannot be in the future" in body["errors"]["start_date"]


@pytest.mark.django_db
def test_exactly_365_days_is_accepted(alice_client, chicago):
    response = alice_client.get(URL, {"start_date": "2023-01-01", "end_date": "2024-01-01", "group_by": "week"})
    assert response.status_code == 200
    assert response.json()["empty"] is True


@pytest.mark.django_db
def test_login_required():
    assert APIClient().get(URL, {"start_date": "2024-01-01", "end_date": "2024-02-01"}).status_code in (401, 403)
