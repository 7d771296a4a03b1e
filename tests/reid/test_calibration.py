"""Self-calibration (issue 11): free constraints, the monotone map, decisions in probability,
reviewer decisions as pairs, the refit job and the review queue's order."""

from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth.models import User

from reid import calibration, constraints, review
from reid.bursts import BurstRow
from reid.constraints import DIFFERENT, SAME
from reid.models import Deer, ReidCalibration, ReidRun, ReviewItem
from reid.selectors import offered_candidates, review_queue
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import T0, latent, noisy, sighting

pytestmark = pytest.mark.django_db


def row(pk, when, loc="A", cls="doe", image=None, bbox=(10, 10, 100, 80)):
    return BurstRow(pk, loc, cls, T0 + timedelta(seconds=when), image or f"img{pk}", bbox, 0.9)


def pairs_of(found, kind):
    keep = found.kind == kind
    return {(min(a, b), max(a, b)) for a, b in zip(found.i[keep], found.j[keep], strict=True)}, set(found.label[keep])


RNG = np.random.default_rng(0)


def test_a_burst_track_is_one_individual():
    rows = [row(1, 0), row(2, 2), row(3, 4), row(4, 3600)]  # three frames of one doe, one an hour later
    pairs, labels = pairs_of(constraints.burst_pairs(rows, RNG), "burst")
    assert pairs == {(0, 1), (0, 2), (1, 2)}
    assert labels == {SAME}


def test_two_boxes_in_one_image_are_two_individuals():
    rows = [row(1, 0, image="x", bbox=(0, 0, 50, 50)), row(2, 0, image="x", bbox=(400, 0, 50, 50)), row(3, 9)]
    pairs, labels = pairs_of(constraints.image_pairs(rows, RNG), "image")
    assert pairs == {(0, 1)}
    assert labels == {DIFFERENT}


def test_a_buck_and_a_doe_are_different_individuals():
    rows = [row(1, 0, cls="buck"), row(2, 50, cls="doe"), row(3, 90, cls="fawn"), row(4, 99, cls="unknown")]
    pairs, labels = pairs_of(constraints.sex_pairs(rows, RNG), "sex")
    assert pairs == {(0, 1)}
    assert labels == {DIFFERENT}


def test_sightings_too_far_apart_for_the_time_between_are_different_individuals(settings):
    settings.REID_MAX_SPEED_KMH = 15
    coordinates = {"A": (29.80, -97.31), "B": (29.80 + 0.18, -97.31), "C": (None, None)}  # B: 20 km north
    rows = [
        row(1, 0, loc="A"),
        row(2, 20 * 60, loc="B"),  # 20 km in 20 min: impossible at 15 km/h
        row(3, 6 * 3600, loc="A"),  # 20 km in ~6 h: possible
        row(4, 6 * 3600 + 60, loc="A"),  # same place: no evidence
    ]
    pairs, labels = pairs_of(constraints.travel_pairs(rows, coordinates, RNG), "travel")
    assert pairs == {(0, 1)}
    assert labels == {DIFFERENT}
    settings.REID_MAX_SPEED_KMH = 100  # 60 km/h needed: possible now
    assert not len(constraints.travel_pairs(rows, coordinates, RNG))
    assert constraints.travel_note(20.0, 1200) == "seen 20 km away 20 min earlier"


def test_pav_and_the_map_are_monotone():
    assert list(calibration.pav([0.1, 0.5, 0.3, 0.9], [1, 1, 1, 1])) == [0.1, 0.4, 0.4, 0.9]
    rng = np.random.default_rng(1)
    same, different = rng.normal(0.6, 0.07, 2000), rng.normal(0.35, 0.06, 2000)
    everything = np.concatenate([rng.normal(0.6, 0.07, 100), rng.normal(0.35, 0.06, 4900)])
    scores, probabilities, prior = calibration.fit_map(same, different, everything)
    assert np.all(np.diff(probabilities) >= 0)
    assert 0.01 < prior < 0.04  # 100 of 5,000 pairs are the same individual
    p = np.interp([0.30, 0.48, 0.70], scores, probabilities)
    assert p[0] < 0.01 and p[2] > 0.99 and 0.0 < p[1] < 1.0
    # the prior moves the map: the same score is less likely "same" when same pairs are rarer
    _, balanced, _ = calibration.fit_map(same, different, None)
    assert np.interp(0.48, scores, balanced) > p[1]


def herd(settings, individuals=6, visits=8, dim=64, noise=0.35):
    """Does seen in bursts of 3 frames, at 3 sites; two of them often together in one image."""
    rng = np.random.default_rng(5)
    sites = [factories.location(latitude=29.8 + 0.001 * k) for k in range(3)]
    vectors = [latent(100 + k, dim) for k in range(individuals)]
    truth = []
    for visit in range(visits):
        for k, vector in enumerate(vectors):
            when = T0 + timedelta(hours=visit * 24 + k * 2)
            site = sites[(visit + k) % 3]
            for frame in range(3):
                det = sighting(
                    site, when + timedelta(seconds=2 * frame), noisy(vector, rng, noise), bbox=(10, 10, 100, 80)
                )
                truth.append((det, k))
        pair_image = factories.image(loc=sites[0], taken_at=T0 + timedelta(hours=visit * 24 + 20), write_file=False)
        for k, x in ((0, 10), (1, 300), (2, 600)):
            det = factories.detection(pair_image, embedding=noisy(vectors[k], rng, noise), bbox=(x, 10, 100, 80))
            truth.append((det, k))
    return truth


def test_without_override_matching_decides_in_probability_from_the_calibration(settings):
    settings.REID_THRESHOLD = None
    settings.REID_REVIEW_THRESHOLD = None
    truth = herd(settings)
    run = run_matching()
    fitted = ReidCalibration.objects.get(embedding_model="test-model")
    assert fitted.enough_evidence
    assert fitted.counts["burst"] > 0 and fitted.counts["image"] > 0
    # below the link threshold a profile of its own (fragments are folded for review): no review band
    assert run.params["calibrated"]["test-model"] == [fitted.link_threshold, fitted.link_threshold, None, True]
    assert run.threshold == fitted.link_threshold
    # the map says high scores are the same individual, low ones not
    assert fitted.probability(0.95) > 0.95 > fitted.probability(0.0)
    deer_of = {}
    for det, label in truth:
        det.refresh_from_db()
        if det.deer_id:
            deer_of.setdefault(label, set()).add(det.deer_id)
    owners = [d for ids in deer_of.values() for d in ids]
    assert len(owners) == len(set(owners))  # no profile holds two individuals


def test_too_little_evidence_queues_for_review_instead_of_creating(settings):
    settings.REID_THRESHOLD = None
    settings.REID_REVIEW_THRESHOLD = None
    loc = factories.location()
    for k in range(3):  # three lone sightings: no pair of evidence at all
        sighting(loc, T0 + timedelta(days=k), latent(k))
    run = run_matching()
    assert not ReidCalibration.objects.get().enough_evidence
    assert Deer.objects.count() == 0
    assert run.review_count == 3
    assert ReviewItem.objects.filter(status="pending").count() == 3


def test_an_explicit_threshold_still_overrides(settings):
    settings.REID_THRESHOLD, settings.REID_REVIEW_THRESHOLD = 0.70, 0.55
    assert calibration.thresholds_for("anything")[:2] == (0.70, 0.55)
    assert not ReidCalibration.objects.exists()


def test_reviewer_decisions_become_pairs(settings):
    loc = factories.location()
    a = [sighting(loc, T0 + timedelta(days=k), latent(1)) for k in range(2)]
    b = [sighting(loc, T0 + timedelta(days=5 + k), latent(2)) for k in range(2)]
    deer_a, deer_b = Deer.objects.create(sex="doe"), Deer.objects.create(sex="doe")
    for det in a:
        det.deer = deer_a
        det.save()
    for det in b:
        det.deer = deer_b
        det.save()
    user = User.objects.create(username="rev")
    new = [sighting(loc, T0 + timedelta(days=10 + k), latent(3 + k)) for k in range(3)]
    items = [
        ReviewItem.objects.create(
            detection=det,
            member_ids=[str(det.id)],
            candidates=[{"deer_id": str(deer_a.id), "score": 0.6}, {"deer_id": str(deer_b.id), "score": 0.5}],
        )
        for det in new
    ]
    review.accept(items[0], deer_a, user)  # same as deer_a
    review.reject(items[1], deer_b, user)  # not deer_b
    review.new_individual(items[2], user)  # neither a nor b
    rows = {str(d.id): n for n, d in enumerate(a + b + new)}
    members = {str(deer_a.id): [0, 1], str(deer_b.id): [2, 3]}
    found = calibration.reviewer_pairs(rows, lambda deer_id: members.get(str(deer_id), []))
    pairs = {(int(i), int(j), int(label)) for i, j, label in zip(found.i, found.j, found.label, strict=True)}
    assert {(4, 0, SAME), (4, 1, SAME)} <= pairs  # accepted: same as deer_a's detections
    assert {(5, 2, DIFFERENT), (5, 3, DIFFERENT)} <= pairs  # rejected
    assert {(6, 0, DIFFERENT), (6, 2, DIFFERENT)} <= pairs  # new individual: none of the shown
    assert not any(i == 4 and label == DIFFERENT for i, _, label in pairs)


def test_the_queue_asks_the_most_uncertain_first_with_probability_and_travel_note(settings):
    here = factories.location(latitude=29.80, longitude=-97.31)
    far = factories.location(latitude=29.98, longitude=-97.31)  # 20 km away
    deer = Deer.objects.create(sex="doe")
    seen = sighting(far, T0 - timedelta(minutes=20), latent(1))
    seen.deer = deer
    seen.save()
    items = []
    for k, uncertainty in enumerate([0.4, 0.05, None, 0.2]):
        det = sighting(here, T0 + timedelta(seconds=k), latent(2 + k))
        items.append(
            ReviewItem.objects.create(
                detection=det,
                member_ids=[str(det.id)],
                uncertainty=uncertainty,
                candidates=[{"deer_id": str(deer.id), "score": 0.5, "probability": 0.55}],
            )
        )
    assert list(review_queue()) == [items[1], items[3], items[0], items[2]]
    candidate = offered_candidates(items[0])[0]
    assert candidate["probability"] == 0.55
    assert candidate["travel_note"] == "seen 20 km away 20 min earlier"


def test_refit_runs_as_a_background_job_when_evidence_grew(settings, run_jobs, django_capture_on_commit_callbacks):
    settings.REID_THRESHOLD = None
    settings.REID_REVIEW_THRESHOLD = None
    herd(settings, visits=4)
    run_matching()
    first = ReidCalibration.objects.get()
    assert calibration.refit_if_needed(["test-model"]) is None  # nothing new
    herd_more = herd(settings, visits=8)  # twice the detections
    assert herd_more
    with django_capture_on_commit_callbacks(execute=True):
        queued = calibration.refit_if_needed(["test-model"])
    assert queued is not None and queued.kind == ReidRun.Kind.CALIBRATE
    run_jobs()
    queued.refresh_from_db()
    assert queued.status == "completed"
    refitted = ReidCalibration.objects.get()
    assert refitted.counts["detections"] > first.counts["detections"]
    assert refitted.fitted_at > first.fitted_at


def test_reviewer_constraints_are_scored_pairwise_not_as_deer_ids():
    from reid.constraints import Pairs
    from reid.replay import constraint_scores

    # the reviewer said: 0~1 same, 0~2 same, 3 is not 0; matching split the animal in two profiles (0,1 | 2)
    pairs = Pairs.of([0, 0], [1, 2], SAME, "reviewer") + Pairs.of([3], [0], DIFFERENT, "reviewer")
    split = np.array([7, 7, 8, 9])
    assert constraint_scores(split, pairs) == {"pairs_precision": 1.0, "pairs_recall": 0.5, "constraint_pairs": 3}
    merged = np.array([7, 7, 7, 7])  # one profile for everything: the "different" pair is a false link
    assert constraint_scores(merged, pairs) == {"pairs_precision": 0.6667, "pairs_recall": 1.0, "constraint_pairs": 3}


def test_the_hard_demo_flavour_has_another_score_scale(settings, tmp_path):
    from demo.ground_truth import HARD_MODEL
    from demo.ranch import generate_ranch
    from detections.models import Detection
    from reid.ground_truth import file_truth

    settings.IMAGE_ROOT = tmp_path / "images"
    settings.GROUND_TRUTH_PATH = tmp_path / "truth.csv"
    generate_ranch(images=200, seed=4, embeddings="hard")
    truth = file_truth()
    rows = [(str(pk), d.get_embedding()) for d in Detection.objects.exclude(embedding=None) for pk in [d.pk]]
    assert rows and {d.embedding_model for d in Detection.objects.exclude(embedding=None)} == {HARD_MODEL}
    labels = np.array([truth[pk] for pk, _ in rows])
    vectors = np.stack([v for _, v in rows])
    scores = vectors @ vectors.T
    a, b = np.triu_indices(len(rows), 1)
    same = labels[a] == labels[b]
    assert 0.45 <= np.median(scores[a, b][same]) <= 0.70
    assert 0.15 <= np.median(scores[a, b][~same]) <= 0.45
    with pytest.raises(ValueError, match="Unknown embedding flavour"):
        generate_ranch(images=10, embeddings="soft")
