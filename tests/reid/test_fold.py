"""Fragments folded into their nearest profile provisionally (reid.fold), the reviewer's answers to
them, merges and splits as pairwise evidence, and the recommendation in probability terms (issue 11)."""

from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from detections.models import Detection
from reid import calibration, fold, review
from reid.constraints import DIFFERENT, SAME
from reid.matching import SEX_CODE
from reid.models import Deer, ReidCalibration, RejectedCandidate, ReviewItem
from reid.profile_audit import undo_change
from reid.profiles import deer_merge, deer_recompute, deer_split
from tests import factories
from tests.reid.helpers import T0, latent, noisy, sighting

pytestmark = pytest.mark.django_db
RNG = np.random.default_rng(3)


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_plan_folds_takes_the_nearest_established_profile_of_a_compatible_sex_not_rejected():
    centroids = np.stack([unit([1, 0, 0]), unit([0, 1, 0]), unit([0, 0, 1]), unit([0.9, 0.1, 0]), unit([0.1, 0.9, 0])])
    doe, buck = SEX_CODE["doe"], SEX_CODE["buck"]
    sexes = [doe, doe, buck, doe, buck]
    sizes = [10, 10, 10, 1, 2]
    foldable = [True, True, True, True, True]
    found = dict(fold.plan_folds(centroids, sexes, sizes, foldable))
    assert set(found) == {3, 4}  # established profiles are never folded
    assert found[3][0][0] == 0  # the nearest doe
    assert found[4][0][0] == 2  # a buck fragment: only the buck profile, although doe 1 is nearer
    assert [c for c, _ in found[4]] == [2]
    again = dict(fold.plan_folds(centroids, sexes, sizes, foldable, rejected={3: {0}}))
    assert again[3][0][0] == 1  # a rejected holder is never offered again
    assert fold.plan_folds(centroids, sexes, sizes, [True, True, True, False, False]) == []


def herd_with_fragment(settings, fragment_days=20, fragment_name=""):
    """Two does of 4 sightings each over 30 days, and a one-sighting fragment of doe A."""
    loc = factories.location()
    a, b = latent(1), latent(2)
    deer_a = Deer.objects.create(sex="doe", embedding_model="test-model")
    deer_b = Deer.objects.create(sex="doe", embedding_model="test-model")
    for k in range(4):
        sighting(loc, T0 + timedelta(days=10 * k), noisy(a, RNG), deer=deer_a)
        sighting(loc, T0 + timedelta(days=10 * k, hours=1), noisy(b, RNG), deer=deer_b)
    piece = Deer.objects.create(sex="doe", embedding_model="test-model", name=fragment_name)
    lone = sighting(loc, T0 + timedelta(days=fragment_days), noisy(a, RNG, 0.8), deer=piece)
    for deer in (deer_a, deer_b, piece):
        deer_recompute(deer)
    return deer_a, deer_b, piece, lone


def test_a_settled_fragment_is_held_provisionally_by_its_nearest_profile_and_queued(settings):
    deer_a, deer_b, piece, lone = herd_with_fragment(settings)
    centroid_before = bytes(Deer.objects.get(pk=deer_a.pk).centroid)
    assert fold.fold_model("test-model") == 1
    lone.refresh_from_db()
    assert lone.deer_id == deer_a.pk
    assert not Deer.objects.filter(pk=piece.pk).exists()
    item = ReviewItem.objects.get(detection=lone)
    assert item.status == ReviewItem.Status.PENDING and item.provisional_deer_id == deer_a.pk
    assert item.candidates[0]["deer_id"] == str(deer_a.pk)
    deer_a.refresh_from_db()
    assert deer_a.sighting_count == 5  # it counts as a sighting ...
    assert bytes(deer_a.centroid) == centroid_before  # ... but does not move the centroid
    deer_recompute(deer_a)
    assert bytes(deer_a.centroid) == centroid_before  # not on a recompute either, while it is only held


def test_a_recent_or_named_fragment_is_left_alone(settings):
    herd_with_fragment(settings, fragment_days=28)  # 2 days before the latest sighting: not settled
    assert fold.fold_model("test-model") == 0
    Deer.objects.all().delete()
    Detection.objects.all().delete()
    herd_with_fragment(settings, fragment_name="Scar")  # someone named it
    assert fold.fold_model("test-model") == 0


def test_accept_keeps_a_folded_fragment_and_undo_holds_it_again(settings):
    deer_a, _, _, lone = herd_with_fragment(settings)
    fold.fold_model("test-model")
    item = ReviewItem.objects.get(detection=lone)
    user = User.objects.create(username="rev")
    review.accept(item, deer_a, user)
    lone.refresh_from_db()
    assert lone.deer_id == deer_a.pk
    pairs = calibration.reviewer_pairs({str(lone.id): 0, "x": 1}, lambda deer_id: [1])
    assert (0, 1, SAME) in set(zip(pairs.i.tolist(), pairs.j.tolist(), pairs.label.tolist(), strict=True))
    review.undo(item, user)
    lone.refresh_from_db()
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.PENDING and lone.deer_id == deer_a.pk  # held again


def test_reject_or_new_individual_undoes_the_provisional_link(settings):
    deer_a, _, _, lone = herd_with_fragment(settings)
    fold.fold_model("test-model")
    item = ReviewItem.objects.get(detection=lone)
    user = User.objects.create(username="rev")
    review.reject(item, deer_a, user)
    lone.refresh_from_db()
    assert lone.deer_id is None
    assert RejectedCandidate.objects.filter(detection=lone, deer=deer_a).exists()
    assert Deer.objects.get(pk=deer_a.pk).sighting_count == 4
    review.undo(item, user)  # the rejection undone: held again
    lone.refresh_from_db()
    assert lone.deer_id == deer_a.pk
    _, deer = review.new_individual(ReviewItem.objects.get(pk=item.pk), user)
    lone.refresh_from_db()
    assert lone.deer_id == deer.pk != deer_a.pk
    assert Deer.objects.get(pk=deer_a.pk).sighting_count == 4


def test_merges_and_splits_are_pairwise_evidence(settings):
    loc = factories.location()
    one, two = Deer.objects.create(sex="doe"), Deer.objects.create(sex="doe")
    first = [sighting(loc, T0 + timedelta(days=k), latent(1), deer=one) for k in range(2)]
    second = [sighting(loc, T0 + timedelta(days=5 + k), latent(1), deer=two) for k in range(2)]
    user = User.objects.create(username="rev")
    deer_merge(one, [two], user=user)  # the reviewer says: the same animal
    rows = {str(d.id): n for n, d in enumerate(first + second)}
    members = {str(one.id): [0, 1, 2, 3]}
    found = calibration.reviewer_pairs(rows, lambda deer_id: members.get(str(deer_id), []))
    merge = found.kind == "merge"
    got = set(zip(found.i[merge].tolist(), found.j[merge].tolist(), strict=True))
    assert {(2, 0), (2, 1), (3, 0), (3, 1)} <= got and set(found.label[merge]) == {SAME}
    split_off = deer_split(one, [second[0].id, second[1].id], user=user)  # ... no: two animals after all
    members = {str(one.id): [0, 1], str(split_off.id): [2, 3]}
    found = calibration.reviewer_pairs(rows, lambda deer_id: members.get(str(deer_id), []))
    split = found.kind == "split"
    assert {(2, 0), (2, 1), (3, 0), (3, 1)} <= set(zip(found.i[split].tolist(), found.j[split].tolist(), strict=True))
    assert set(found.label[split]) == {DIFFERENT}
    assert not (found.kind == "reviewer").any()  # the split's rejections are not counted twice
    assert not (found.kind == "merge").any()  # the merged detections left again: the later split wins
    from reid.models import ProfileAudit

    undo_change(ProfileAudit.objects.filter(action="split").get(), user)
    found = calibration.reviewer_pairs(rows, lambda deer_id: members.get(str(deer_id), []))
    assert not (found.kind == "split").any()  # an undone split is no evidence


def test_the_analysis_states_its_recommendation_in_probability(settings, alice, alice_client, scores):
    ReidCalibration.objects.create(
        embedding_model="test-model",
        scores=[0.0, 0.5, 0.7, 1.0],
        probabilities=[0.0, 0.2, 0.9, 1.0],
        prior=0.05,
        enough_evidence=True,
        link_threshold=0.7,
        review_threshold=0.6,
        curve={"0.70": {"precision": 0.93, "recall": 0.9, "f1": 0.915}},
    )
    body = alice_client.get("/api/reid/analysis").json()
    assert "recommended_threshold" in body and "calibration" in body  # the existing fields stay
    (rec,) = body["recommended_probability"]
    assert rec["embedding_model"] == "test-model"
    assert rec["link"]["score_threshold"] == 0.7 and rec["link"]["p_same_at_score"] == 0.9
    assert rec["review"]["probability"] == settings.REID_REVIEW_PROBABILITY
    assert rec["review"]["score_threshold"] == 0.6 and rec["review"]["p_same_at_score"] == pytest.approx(0.55)
    assert rec["expected_at_link"]["precision"] == 0.93
    if body["recommended"]:
        assert "p_same_at_threshold" in body["recommended"]
    client = Client()
    client.force_login(alice)
    page = client.get("/reid/analysis/").content.decode()
    assert "Calibrated operating point for" in page and "score" in page


def test_the_queue_and_the_page_show_a_provisional_link(settings, bob, bob_client):
    deer_a, _, _, lone = herd_with_fragment(settings)
    fold.fold_model("test-model")
    (entry,) = bob_client.get("/api/reid/review").json()["results"]
    assert entry["provisional_deer"] == str(deer_a.pk)
    assert entry["detection"]["deer_id"] == str(deer_a.pk)
    client = Client()
    client.force_login(bob)
    html = client.get("/reid/review/").content.decode()
    assert 'id="provisional"' in html and "(holds it provisionally)" in html


def test_after_a_reset_what_is_left_of_a_profile_follows_its_individual(settings):
    from reid.services import reset_automatic_matches

    deer_a, _, _, lone = herd_with_fragment(settings)
    fold.fold_model("test-model")
    user = User.objects.create(username="rev")
    review.accept(ReviewItem.objects.get(detection=lone), deer_a, user)
    reset_automatic_matches()  # deer_a keeps only the accepted sighting
    lone.refresh_from_db()
    assert lone.deer_id == deer_a.pk and Deer.objects.get(pk=deer_a.pk).sighting_count == 1
    rebuilt = [Deer.objects.create(sex="doe", embedding_model="test-model") for _ in range(2)]  # as a re-match
    for det in Detection.objects.filter(deer=None):
        vector = np.frombuffer(bytes(det.embedding), dtype=np.float32)
        det.deer = rebuilt[0] if vector @ latent(1) > vector @ latent(2) else rebuilt[1]
        det.save()
    for deer in Deer.objects.all():
        deer_recompute(deer)
    assert fold.fold_model("test-model") == 1
    lone.refresh_from_db()
    assert lone.deer_id == rebuilt[0].pk and not Deer.objects.filter(pk=deer_a.pk).exists()
    assert ReviewItem.objects.get(detection=lone).status == ReviewItem.Status.ACCEPTED  # the decision is kept
