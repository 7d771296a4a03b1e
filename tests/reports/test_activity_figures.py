"""Every figure of the activity report against values computed from the test's own shots."""

from collections import Counter
from datetime import date, timedelta

import pytest

from reports.activity import build_activity_report
from tests.reports.conftest import CHICAGO


def test_totals_by_effective_class_exclude_invalid_and_duplicates(ranch):
    report = build_activity_report(ranch.start, ranch.end, "week")
    expected = ranch.by_class(ranch.start, ranch.end)
    assert report["summary"]["by_class"] == expected
    # Written out as well, so that a wrong helper cannot hide a wrong selector.
    assert expected == {"buck": 5, "doe": 4, "fawn": 3, "coyote": 2}
    assert report["summary"]["total_detections"] == 14
    assert report["classes"] == ["buck", "doe", "fawn", "coyote"]
    assert report["empty"] is False


def test_buck_doe_fawn_ratio(ranch):
    ratio = build_activity_report(ranch.start, ranch.end, "week")["summary"]["ratio"]
    assert (ratio["buck"], ratio["doe"], ratio["fawn"]) == (5, 4, 3)
    assert ratio["text"] == "1 : 0.8 : 0.6"
    assert ratio["bucks_per_doe"] == 1.25
    assert ratio["fawns_per_doe"] == 0.75


def test_iso_weeks_clipped_at_both_edges_across_new_year(ranch):
    periods = build_activity_report(ranch.start, ranch.end, "week")["periods"]
    assert [(p["label"], p["start_date"], p["end_date"]) for p in periods] == [
        ("2024-W52", "2024-12-28", "2024-12-29"),
        ("2025-W01", "2024-12-30", "2025-01-05"),
        ("2025-W02", "2025-01-06", "2025-01-08"),
    ]
    for p in periods:
        start, end = date.fromisoformat(p["start_date"]), date.fromisoformat(p["end_date"])
        expected = ranch.by_class(start, end)
        assert {k: v for k, v in p["by_class"].items() if v} == expected
        assert p["detections"] == sum(expected.values())
        assert p["events"] == len(ranch.events(ranch.start, ranch.end)) - len(
            [s for s in ranch.events(ranch.start, ranch.end) if not start <= s.local_day <= end]
        )
    assert [p["detections"] for p in periods] == [7, 5, 2]
    assert [p["events"] for p in periods] == [4, 4, 2]


def test_days_in_local_time_including_empty_days(ranch):
    periods = build_activity_report(ranch.start, ranch.end, "day")["periods"]
    assert len(periods) == 12
    counts = Counter(s.local_day for s in ranch.counted(ranch.start, ranch.end))
    for p in periods:
        assert p["detections"] == counts.get(date.fromisoformat(p["start_date"]), 0)
    by_day = {p["start_date"]: p["detections"] for p in periods}
    # 23:30 and 23:45 local on Dec 29 are Dec 30 in UTC, but count on the 29th.
    assert by_day["2024-12-29"] == 2 and by_day["2024-12-30"] == 0
    assert by_day["2024-12-31"] == 1 and by_day["2025-01-01"] == 2
    assert by_day["2025-01-04"] == 0 and by_day["2025-01-05"] == 0


def test_months_across_new_year(ranch):
    periods = build_activity_report(ranch.start, ranch.end, "month")["periods"]
    assert [(p["label"], p["start_date"], p["end_date"], p["detections"]) for p in periods] == [
        ("Dec 2024", "2024-12-28", "2024-12-31", 8),
        ("Jan 2025", "2025-01-01", "2025-01-08", 6),
    ]


def test_independent_events_total(ranch):
    summary = build_activity_report(ranch.start, ranch.end, "week")["summary"]
    assert summary["independent_events"] == len(ranch.events(ranch.start, ranch.end)) == 10


def test_activity_by_local_hour(ranch):
    hours = build_activity_report(ranch.start, ranch.end, "week")["hours"]
    expected = Counter(s.when.astimezone(CHICAGO).hour for s in ranch.counted(ranch.start, ranch.end))
    assert [row["hour"] for row in hours] == list(range(24))
    assert {row["hour"]: row["detections"] for row in hours if row["detections"]} == dict(expected)
    assert hours[6]["by_class"]["buck"] == 3
    assert hours[23]["detections"] == 3


def test_locations_with_camera_days_and_rate(ranch):
    rows = {row["name"]: row for row in build_activity_report(ranch.start, ranch.end, "week")["locations"]}
    assert set(rows) == {"Hayfield", "Sanctuary", "Creek (no GPS)"}
    for loc in (ranch.hay, ranch.sanctuary, ranch.nowhere):
        row = rows[loc.name]
        detections = len(ranch.counted(ranch.start, ranch.end, locations=[loc]))
        days = ranch.camera_days(loc, ranch.start, ranch.end)
        assert row["detections"] == detections
        assert row["camera_days"] == days
        assert row["detections_per_100_camera_days"] == round(detections * 100 / days, 1)
        events = len(ranch.events(ranch.start, ranch.end, locations=[loc]))
        assert row["events"] == events
        assert row["events_per_100_camera_days"] == round(events * 100 / days, 1)
    # Effort (issue 12): no deployments, so the inferred one: Sanctuary's camera is taken to run from its
    # first image's day (Dec 29) to its last (Jan 2), 5 camera-days, days without images included.
    assert rows["Sanctuary"]["camera_days"] == 5
    assert rows["Sanctuary"]["detections_per_100_camera_days"] == 60.0
    assert rows["Creek (no GPS)"]["latitude"] is None and rows["Creek (no GPS)"]["longitude"] is None


def test_individuals_with_first_and_last_sighting_in_range(ranch):
    report = build_activity_report(ranch.start, ranch.end, "week")
    assert report["summary"]["individuals_seen"] == 2
    big, lady = report["individuals"]
    assert (big["name"], big["sex"], big["detections"]) == ("Big Ten", "buck", 5)
    assert big["first_seen"].startswith("2024-12-28T06:10:00")  # the Dec 27 sighting is outside the range
    assert big["last_seen"].startswith("2025-01-01T00:10:00")
    assert (lady["name"], lady["detections"]) == ("Lady", 2)
    assert lady["last_seen"].startswith("2025-01-06T05:00:00")


def test_peak_period_and_change_against_previous_period(ranch):
    report = build_activity_report(ranch.start, ranch.end, "week")
    assert report["summary"]["peak_period"]["label"] == "2024-W52"
    assert report["summary"]["peak_period"]["detections"] == 7
    previous = report["previous"]
    length = (ranch.end - ranch.start).days + 1
    assert previous["start_date"] == (ranch.start - timedelta(days=length)).isoformat()
    assert previous["end_date"] == "2024-12-27"
    assert previous["total_detections"] == 1  # the buck of Dec 27
    assert previous["percent_change"] == 1300.0
    assert previous["by_class"]["buck"] == {"previous": 1, "current": 5, "percent_change": 400.0}
    assert previous["by_class"]["doe"]["percent_change"] is None


def test_location_and_class_filters(ranch):
    report = build_activity_report(
        ranch.start, ranch.end, "week", location_ids=[ranch.hay.pk], classifications=["buck", "fawn"]
    )
    expected = ranch.by_class(ranch.start, ranch.end, locations=[ranch.hay], classes=["buck", "fawn"])
    assert report["summary"]["by_class"] == expected == {"buck": 5, "fawn": 1}
    assert [row["name"] for row in report["locations"]] == ["Hayfield"]
    assert report["filters"]["locations"] == ["Hayfield"]


def test_correction_moves_a_detection_between_classes(ranch):
    from detections.models import Detection

    detection = Detection.objects.get(classification="coyote", taken_at=ranch.shots[-5].when)
    detection.corrected_classification = "pig"
    detection.save()
    by_class = build_activity_report(ranch.start, ranch.end, "week")["summary"]["by_class"]
    assert by_class["coyote"] == 1 and by_class["pig"] == 1


@pytest.mark.django_db
def test_range_without_data_is_a_clear_empty_report(chicago):
    report = build_activity_report(date(2023, 3, 1), date(2023, 5, 31), "month")
    assert report["empty"] is True
    assert report["summary"]["total_detections"] == 0
    assert report["summary"]["peak_period"] is None
    assert [p["detections"] for p in report["periods"]] == [0, 0, 0]
    assert report["insights"] == [
        "No detections were recorded between 1 Mar 2023 and 31 May 2023 for the selected filters."
    ]


def test_daylight_saving_days_are_whole_local_days(db, chicago):
    """Nov 3 2024 has 25 hours in Chicago; 00:30 and 23:30 local are both on that day."""
    from tests import factories
    from tests.reports.conftest import local

    loc = factories.location()
    for when in (
        local(2024, 11, 2, 23, 30),
        local(2024, 11, 3, 0, 30),
        local(2024, 11, 3, 23, 30),
        local(2024, 11, 4, 0, 30),
    ):
        factories.detection(factories.image(loc, taken_at=when, write_file=False), "doe")
    periods = build_activity_report(date(2024, 11, 2), date(2024, 11, 4), "day")["periods"]
    assert [(p["start_date"], p["detections"]) for p in periods] == [
        ("2024-11-02", 1),
        ("2024-11-03", 2),
        ("2024-11-04", 1),
    ]
    hours = build_activity_report(date(2024, 11, 2), date(2024, 11, 4), "day")["hours"]
    assert hours[23]["detections"] == 2 and hours[0]["detections"] == 2
