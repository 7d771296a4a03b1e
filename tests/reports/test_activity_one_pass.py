"""The activity figures of one statement (PostgreSQL) equal those of the separate selectors, and the
ranch's own expected figures."""

from collections import Counter

import pytest
from django.db import connection

from reports import event_selectors, selectors

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="GROUPING SETS: PostgreSQL only")


@pytest.mark.parametrize("group_by", ["day", "week", "month"])
def test_one_pass_equals_the_separate_selectors(ranch, group_by):
    qs = selectors.counted_detections(ranch.start, ranch.end)
    one = event_selectors.activity_one_pass(qs, group_by, ["buck", "doe"])
    events, minutes = event_selectors.event_counts_and_minutes(qs, group_by, ["buck", "doe"])
    assert one.detections == selectors.detection_counts(qs, group_by)
    assert one.events == events
    assert one.hours == selectors.detections_by_hour(qs)
    assert sorted(one.minute_rows) == sorted(minutes)
    assert one.detections and one.events and one.minute_rows  # not equal by being empty


def test_one_pass_against_the_shots(ranch):
    qs = selectors.counted_detections(ranch.start, ranch.end)
    one = event_selectors.activity_one_pass(qs, "week", ["buck"])
    assert sum(one.detections.values()) == len(ranch.counted(ranch.start, ranch.end)) == 14
    assert sum(one.events.values()) == len(ranch.events(ranch.start, ranch.end))
    by_hour = Counter((s.when.hour, s.effective) for s in ranch.counted(ranch.start, ranch.end))
    assert one.hours == dict(by_hour)
    buck_starts = Counter(
        s.when.hour * 60 + s.when.minute for s in ranch.events(ranch.start, ranch.end) if s.effective == "buck"
    )
    assert {minute: n for _, _, minute, n in one.minute_rows} == dict(buck_starts)
    assert {name for name, *_ in one.minute_rows} == {"buck"}


def test_activity_aggregates_use_the_one_pass_on_postgresql(ranch, django_assert_num_queries):
    qs = selectors.counted_detections(ranch.start, ranch.end)
    with django_assert_num_queries(1):
        aggregates = event_selectors.activity_aggregates(qs, "month", ["doe"])
    assert sum(aggregates.detections.values()) == 14


def test_unknown_grouping_is_refused(ranch):
    with pytest.raises(ValueError, match="group_by"):
        event_selectors.activity_one_pass(selectors.counted_detections(ranch.start, ranch.end), "fortnight")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("group_by", ["day", "week"])
def test_outside_a_transaction_two_halves_of_the_locations_give_the_one_pass(ranch, group_by):
    qs = selectors.counted_detections(ranch.start, ranch.end)
    assert not connection.in_atomic_block
    halves = event_selectors._one_pass_in_halves(
        qs, ([ranch.hay.pk], [ranch.sanctuary.pk, ranch.nowhere.pk]), group_by, ["buck", "doe"], None
    )
    one = event_selectors.activity_one_pass(qs, group_by, ["buck", "doe"])
    assert (halves.detections, halves.events, halves.hours) == (one.detections, one.events, one.hours)
    assert sorted(halves.minute_rows) == sorted(one.minute_rows)
    assert {key[2] for key in halves.detections} == {ranch.hay.pk, ranch.sanctuary.pk, ranch.nowhere.pk}
    merged = event_selectors.activity_aggregates(qs, group_by, ["buck", "doe"])  # the halves, by location id
    assert (merged.detections, merged.events, merged.hours) == (one.detections, one.events, one.hours)
    assert sorted(merged.minute_rows) == sorted(one.minute_rows)
