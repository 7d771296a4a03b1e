"""The chunk planner (reid.planner) in memory: no database, hand-built rows and profiles."""

import itertools
from datetime import timedelta

import numpy as np

from reid import matching, planner
from reid.bursts import BurstRow
from tests.reid.helpers import basis, hours

RULES = planner.Rules(threshold=0.70, review_threshold=0.55, auto_create=True, top_k=10)


def row(pk, when, vector, cls="doe", deer=None, confidence=0.8, image=None, model="m"):
    return BurstRow(
        pk, "loc", cls, when, image or pk, (10, 10, 50, 50), confidence, deer_id=deer, embedding=vector, model=model
    )


def mixed(a, b, weight):
    v = weight * basis(a) + np.sqrt(1 - weight**2) * basis(b)
    return v.astype(np.float32)


def index_of(*profiles):
    """A ProfileIndex of (key, sex, centroid, sightings)."""
    keys, sexes, centroids, counts = zip(*profiles, strict=True)
    return matching.ProfileIndex(len(centroids[0]), keys, sexes, np.stack(centroids), counts)


def test_a_track_touching_an_assigned_detection_joins_its_deer_and_moves_its_centroid():
    index = index_of(("A", "doe", basis(0), 1), ("B", "doe", basis(1), 1))
    # one burst: an assigned sighting of B (more confident) and of A, then an unassigned one 2 s later
    neighbours = [row("nb", hours(0), basis(1), deer="B", confidence=0.9), row("na", hours(0), basis(0), deer="A")]
    neighbours[1].bbox = (200, 200, 50, 50)  # another animal in the same frame: its own track
    late = row("x", hours(0) + timedelta(seconds=2), basis(2), image="i2")
    found = planner.tracks([late], neighbours, seconds=5)
    assert [(t.members, t.joins.id, t.attempt) for t in found] == [([late], "nb", None)]
    plan = planner.plan_chunk(found, {"m": index}, RULES)
    assert dict(plan.links) == {"B": [late]} and plan.counts == {"burst_linked": 1, "linked": 1}
    assert plan.outcomes == [] and plan.created == {}
    # running mean of B (1 sighting) and the joining embedding, renormalised
    expected = (basis(1) + basis(2)) / np.sqrt(2)
    assert np.allclose(np.frombuffer(plan.centroid("B"), dtype=np.float32), expected, atol=1e-6)


def test_attempts_link_create_and_queue_for_review_in_time_order():
    index = index_of(("A", "doe", basis(0), 3))
    rows = [
        row("link", hours(0), mixed(0, 1, 0.9)),  # 0.90 against A: linked
        row("review", hours(1), mixed(0, 2, 0.6)),  # 0.60 (A has moved a little): review band
        row("new", hours(2), basis(3)),  # nothing alike: a new profile
        row("again", hours(3), mixed(3, 4, 0.95)),  # the new profile, seen again: linked to it
    ]
    keys = itertools.count(100)
    plan = planner.plan_chunk(planner.tracks(rows, [], 5), {"m": index}, RULES, new_key=keys.__next__)
    kinds = [(o.attempt.rep.id, o.kind, o.key) for o in plan.outcomes]
    assert kinds == [("link", "link", "A"), ("review", "review", None), ("new", "create", 100), ("again", "link", 100)]
    assert {key: [r.id for r in members] for key, members in plan.links.items()} == {
        "A": ["link"],
        100: ["new", "again"],
    }
    assert plan.created == {100: ("m", "doe")}
    assert plan.counts == {"attempts": 4, "created": 1, "review": 1, "linked": 3}
    (review,) = plan.reviews
    assert review.candidates[0][0] == "A" and 0.55 <= review.score < 0.70
    assert [key for key, _ in plan.outcomes[3].candidates] == [100, "A"]  # top-K, best first


def test_a_rejected_profile_is_never_offered():
    index = index_of(("A", "doe", basis(0), 1), ("B", "doe", mixed(0, 1, 0.8), 1))
    found = planner.tracks([row("x", hours(0), basis(0))], [], 5)
    plan = planner.plan_chunk(found, {"m": index}, RULES, rejected={"x": {"A", "unknown-key"}})
    (outcome,) = plan.outcomes
    assert outcome.key == "B" and [key for key, _ in outcome.candidates] == ["B"]


def test_an_embedding_of_another_dimension_is_an_error_not_an_attempt():
    index = index_of(("A", "doe", basis(0), 1))
    rows = [row("ok", hours(0), basis(0)), row("short", hours(1), np.ones(8, dtype=np.float32))]
    found = planner.tracks(rows, [], 5)
    assert planner.embedding_models(found) == {"m": 16}
    plan = planner.plan_chunk(found, {"m": index}, RULES)
    assert plan.errors == [
        "Detection short has a 8-dimensional embedding, but profiles of embedding model 'm' have 16 dimensions."
    ]
    assert [o.attempt.rep.id for o in plan.outcomes] == ["ok"] and len(plan.attempts) == 2
