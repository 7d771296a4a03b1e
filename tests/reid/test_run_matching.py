"""run_matching on the database: links, new profiles, review items, similarity log, errors."""

from datetime import timedelta

import numpy as np
import pytest

from detections.models import Detection
from reid.models import Deer, ReidRun, ReviewItem, SimilarityScore
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import T0, hours, latent, noisy, sighting

pytestmark = pytest.mark.django_db


def blend(a, b, weight):
    v = weight * a + (1 - weight) * b
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_sightings_of_two_does_make_two_profiles_with_statistics():
    rng = np.random.default_rng(1)
    loc = factories.location()
    a, b = latent(1), latent(2)
    dets = [sighting(loc, hours(i), noisy(a if i % 2 else b, rng), confidence=0.5 + i / 100) for i in range(8)]
    run = run_matching()
    assert run.status == ReidRun.Status.COMPLETED and run.kind == "live"
    assert (run.processed_count, run.created_count, run.linked_count) == (8, 2, 8)
    profiles = list(Deer.objects.order_by("first_seen"))
    assert len(profiles) == 2
    first = profiles[0]
    members = Detection.objects.filter(deer=first).order_by("taken_at")
    assert [d.id for d in members] == [d.id for d in dets[0::2]]
    assert first.sex == "doe" and first.sighting_count == 4 and first.embedding_model == "test-model"
    assert first.first_seen == hours(0) and first.last_seen == hours(6)
    assert first.best_detection_id == dets[6].id  # highest confidence
    # the stored centroid is the running mean of the members, renormalised, and close to the latent
    centroid = first.get_centroid()
    assert abs(np.linalg.norm(centroid) - 1) < 1e-5 and centroid @ b > 0.95


def test_every_attempt_logs_its_top_k_under_the_run(settings):
    settings.REID_LOG_TOP_K = 2
    loc = factories.location()
    for i in range(4):
        sighting(loc, hours(i), latent(10 + i))  # four unrelated does
    sighting(loc, hours(10), latent(10))  # matches the first
    run = run_matching()
    scores = SimilarityScore.objects.filter(run=run)
    # attempts 2..5 have 1, 2, 2, 2 candidates (the first had none)
    assert scores.count() == 7
    last = scores.filter(detection__taken_at=hours(10)).order_by("rank")
    assert [s.rank for s in last] == [1, 2] and last[0].matched and not last[1].matched
    assert last[0].score > 0.99 and last[0].threshold_used == 0.70 and last[0].sex_match


def test_score_between_review_and_link_threshold_queues_for_review():
    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), a)
    other = latent(2) - (latent(2) @ a) * a
    other /= np.linalg.norm(other)
    middling = (0.62 * a + np.sqrt(1 - 0.62**2) * other).astype(np.float32)
    assert 0.55 <= float(middling @ a) < 0.70
    queued = sighting(loc, hours(5), middling)
    run = run_matching()
    assert run.review_count == 1 and run.created_count == 1
    item = ReviewItem.objects.get()
    queued.refresh_from_db()
    assert item.detection_id == queued.id and queued.deer_id is None and item.status == "pending"
    assert item.candidates[0]["deer_id"] == str(Deer.objects.get().id)
    assert 0.55 <= item.candidates[0]["score"] < 0.70


def test_without_auto_create_low_scores_are_queued(settings):
    settings.REID_AUTO_CREATE = False
    loc = factories.location()
    sighting(loc, hours(0), latent(1))
    run = run_matching()
    assert run.created_count == 0 and run.review_count == 1 and not Deer.objects.exists()


def test_unknown_class_links_to_any_sex_but_never_creates():
    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), a, classification="buck")
    unknown_match = sighting(loc, hours(3), noisy(a, np.random.default_rng(0), 0.1), classification="unknown")
    unknown_new = sighting(loc, hours(6), latent(2), classification="unknown")
    run = run_matching()
    unknown_match.refresh_from_db()
    unknown_new.refresh_from_db()
    buck = Deer.objects.get()
    assert buck.sex == "buck" and unknown_match.deer_id == buck.id and unknown_new.deer_id is None
    assert run.params["unmatched"] == 1 and Deer.objects.count() == 1


def test_same_sex_only_a_buck_never_joins_a_doe():
    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), a, classification="doe")
    sighting(loc, hours(2), a, classification="buck")
    run_matching()
    assert sorted(Deer.objects.values_list("sex", flat=True)) == ["buck", "doe"]


def test_corrected_classification_decides_the_sex():
    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), a, classification="doe")
    sighting(loc, hours(2), a, classification="doe", corrected_classification="buck")
    run_matching()
    assert sorted(Deer.objects.values_list("sex", flat=True)) == ["buck", "doe"]


def test_invalid_duplicate_and_other_species_are_not_matched():
    loc = factories.location()
    sighting(loc, hours(0), latent(1), is_valid=False)
    sighting(loc, hours(1), latent(2), is_duplicate=True)
    sighting(loc, hours(2), latent(3), classification="raccoon")
    run = run_matching()
    assert run.processed_count == 0 and not Deer.objects.exists()


def test_missing_embedding_is_reported_not_silent():
    loc = factories.location()
    good = sighting(loc, hours(0), latent(1))
    bare = factories.detection(factories.image(loc=loc, taken_at=hours(2), write_file=False), classification="doe")
    run = run_matching(detection_ids=[good.id, bare.id])
    assert run.status == "completed" and run.created_count == 1
    assert f"Detection {bare.id} has no embedding" in run.error
    bare.refresh_from_db()
    assert bare.deer_id is None


def test_embedding_dimension_mismatch_is_reported_and_nothing_is_corrupted():
    loc = factories.location()
    sighting(loc, hours(0), latent(1, dim=64))
    run_matching()
    centroid_before = Deer.objects.get().get_centroid().copy()
    wrong = sighting(loc, hours(3), latent(2, dim=32))
    run = run_matching(detection_ids=[wrong.id])
    assert f"Detection {wrong.id} has a 32-dimensional embedding" in run.error
    assert "64 dimensions" in run.error
    wrong.refresh_from_db()
    assert wrong.deer_id is None and Deer.objects.count() == 1
    np.testing.assert_array_equal(Deer.objects.get().get_centroid(), centroid_before)


def test_a_second_run_links_to_existing_profiles_and_updates_them():
    rng = np.random.default_rng(2)
    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), noisy(a, rng))
    run_matching()
    deer = Deer.objects.get()
    later = sighting(loc, T0 + timedelta(days=3), noisy(a, rng))
    run = run_matching(detection_ids=[later.id])
    deer.refresh_from_db()
    later.refresh_from_db()
    assert run.linked_count == 1 and later.deer_id == deer.id
    assert deer.sighting_count == 2 and deer.last_seen == T0 + timedelta(days=3) and deer.first_seen == hours(0)


def test_rejected_deer_is_never_matched_again():
    from reid.models import RejectedCandidate

    loc = factories.location()
    a = latent(1)
    sighting(loc, hours(0), a)
    run_matching()
    deer = Deer.objects.get()
    again = sighting(loc, hours(5), a)
    RejectedCandidate.objects.create(detection=again, deer=deer)
    run_matching()
    again.refresh_from_db()
    assert again.deer_id not in (None, deer.id) and Deer.objects.count() == 2
    assert not SimilarityScore.objects.filter(detection=again, deer=deer).exists()


def test_dry_run_writes_nothing_but_counts():
    loc = factories.location()
    for i in range(3):
        sighting(loc, hours(i), latent(1))
    run = run_matching(dry_run=True, kind="reprocess", threshold=0.9)
    assert run.dry_run and (run.created_count, run.linked_count) == (1, 3)
    assert not Deer.objects.exists() and not SimilarityScore.objects.exists()
    assert not Detection.objects.exclude(deer=None).exists()
