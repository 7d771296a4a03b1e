"""Calibration per embedding model: a monotone map score -> P(same individual), and the score
thresholds matching uses, fitted without labels (docs/reid.md, "Calibration").

1. Evidence: pairs of detections known to be the same individual or different ones — the free
   constraints (reid.constraints), reviewer decisions (`reviewer_pairs`) and, when given, the
   ground-truth CSV (`truth_pairs`).
2. The map: the constrained pairs' scores in bins of 0.01; the share of same-individual pairs in
   all the model's (compatible-sex) pairs, the prior, is estimated by EM over a sample of all
   pair scores with the two classes' score histograms fixed (constraint pairs are not a sample of
   all pairs: bursts over-represent "same"); the posterior per bin is then made monotone by
   isotonic regression (pool-adjacent-violators, weighted by the bins' mass).
3. The operating point: the replay (reid.replay) matches the model's detections from scratch at
   every score threshold of a grid; each outcome is scored by its *expected* pairwise precision
   under the map (mean P(same) over the pairs it puts in one profile, on a sample of detections).
   Link threshold = the one of the best expected F1; review threshold down to where the expected
   precision falls below REID_REVIEW_PROBABILITY (0.50) of the link's (`operating_point`).
With too little evidence (fewer than MIN_PAIRS of either class) matching is conservative: nothing
is linked or created, every attempt goes to the review queue.
"""

import numpy as np
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

from core.runner import execute
from detections.models import Detection, Location
from reid import constraints
from reid.constraints import DIFFERENT, SAME, Pairs
from reid.ground_truth import file_truth
from reid.matching import SEX_CODE, UNKNOWN
from reid.models import (
    Deer,
    ProfileAudit,
    ReidCalibration,
    ReidRun,
    RejectedCandidate,
    ReviewAction,
    ReviewItem,
)
from reid.queueing import create_queued_run, enqueue_run
from reid.replay import ReplaySet, replay_once
from reid.selectors import matchable_detections, nominal_thresholds

BINS = np.linspace(-1.0, 1.0, 201)
CENTRES = (BINS[:-1] + BINS[1:]) / 2
MIN_PAIRS = 20  # of each class, before the calibration is trusted
SAMPLE = 2500  # detections whose all-pairs scores estimate the prior and score the replay
GRID = [round(0.20 + 0.01 * i, 2) for i in range(76)]  # replayed score thresholds 0.20..0.95
REFIT_GROWTH = 0.25  # refit when detections or decisions grew by this share since the fit


def pav(values, weights):
    """Weighted isotonic (non-decreasing) regression by pool-adjacent-violators."""
    means, masses, sizes = [], [], []
    for value, weight in zip(values, weights, strict=True):
        means.append(float(value))
        masses.append(float(weight))
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m, w, n = means.pop(), masses.pop(), sizes.pop()
            total = masses[-1] + w
            means[-1] = (means[-1] * masses[-1] + m * w) / total if total else (means[-1] + m) / 2
            masses[-1] = total
            sizes[-1] += n
    return np.repeat(means, sizes)


def fit_map(same_scores, different_scores, all_scores=None, iterations=200):
    """(grid scores, P(same) at each, prior) from the two classes' scores and a sample of all scores."""
    pos = np.histogram(same_scores, BINS)[0].astype(np.float64)
    neg = np.histogram(different_scores, BINS)[0].astype(np.float64)
    h_pos = (pos + 1e-3) / (pos.sum() + 1e-3 * len(pos))
    h_neg = (neg + 1e-3) / (neg.sum() + 1e-3 * len(neg))
    prior = 0.5
    if all_scores is not None and len(all_scores):
        mass = np.histogram(all_scores, BINS)[0].astype(np.float64)
        for _ in range(iterations):  # EM for the prior with the class-conditional histograms fixed
            post = prior * h_pos / (prior * h_pos + (1 - prior) * h_neg)
            prior = float(np.clip(np.sum(mass * post) / mass.sum(), 1e-4, 0.5))
    a, b = prior * pos / max(pos.sum(), 1), (1 - prior) * neg / max(neg.sum(), 1)
    seen = (pos + neg) > 0
    if not np.any(seen):
        return CENTRES.tolist(), np.full(len(CENTRES), prior).tolist(), prior
    posterior = pav((a / np.maximum(a + b, 1e-300))[seen], (a + b)[seen])
    return CENTRES[seen].round(4).tolist(), posterior.round(6).tolist(), prior


def reviewer_pairs(position, members_of_deer):
    """Reviewer decisions as pairs: accept = same as that profile, reject = different, new
    individual = different from every shown candidate, a merge of profiles (ProfileAudit, not
    undone) = each moved detection the same as the profile it joined, a split = each split-off
    detection different from the profile it left (a split also leaves a RejectedCandidate per
    detection: counted once, as "split"). position: {detection id str: row}; members_of_deer(deer
    id) -> row indices of a profile's detections (a sample)."""
    same_i, same_j, diff_i, diff_j = [], [], [], []

    def add(to_i, to_j, detections, deer_id, limit=None):
        rows = [position[str(d)] for d in detections if str(d) in position][:limit]
        for other in members_of_deer(deer_id):
            for row in rows:
                if row != other:
                    to_i.append(row)
                    to_j.append(other)

    decided = ReviewItem.objects.exclude(status=ReviewItem.Status.PENDING)
    for item in decided.filter(status=ReviewItem.Status.NEW_INDIVIDUAL).only("member_ids", "candidates"):
        for candidate in item.candidates:
            add(diff_i, diff_j, item.member_ids or [], candidate.get("deer_id"))
    accepted = ReviewAction.objects.filter(action=ReviewAction.Action.ACCEPT, undone_at=None).exclude(deer=None)
    for linked, deer_id in accepted.values_list("linked_ids", "deer_id"):
        add(same_i, same_j, linked, str(deer_id))
    merge_i, merge_j, split_i, split_j, from_splits = [], [], [], [], set()
    for action, deer_id, moved in (
        ProfileAudit.objects.filter(undone_at=None).exclude(deer=None).values_list("action", "deer_id", "moved")
    ):
        for detections in (moved or {}).values():
            if action == ProfileAudit.Action.MERGE:  # those still there (a later split may have taken them)
                still = Detection.objects.filter(id__in=detections, deer_id=deer_id).values_list("id", flat=True)
                add(merge_i, merge_j, list(still), str(deer_id), limit=5)
            else:
                add(split_i, split_j, detections, str(deer_id), limit=5)
                from_splits.update((str(d), str(deer_id)) for d in detections)
    for detection_id, deer_id in RejectedCandidate.objects.values_list("detection_id", "deer_id"):
        if (str(detection_id), str(deer_id)) not in from_splits:
            add(diff_i, diff_j, [detection_id], str(deer_id))
    return (
        Pairs.of(same_i, same_j, SAME, "reviewer")
        + Pairs.of(diff_i, diff_j, DIFFERENT, "reviewer")
        + Pairs.of(merge_i, merge_j, SAME, "merge")
        + Pairs.of(split_i, split_j, DIFFERENT, "split")
    )


def truth_pairs(labels, rng):
    """Pairs from ground-truth labels (per row, -1 = none): a sample of same and different pairs."""
    rows = np.flatnonzero(labels >= 0)
    if len(rows) < 2:
        return Pairs.empty()
    i = rng.choice(rows, constraints.MAX_PAIRS)
    j = rng.choice(rows, constraints.MAX_PAIRS)
    keep = i != j
    i, j = i[keep], j[keep]
    same = labels[i] == labels[j]
    return Pairs.of(i[same], j[same], SAME, "truth") + Pairs.of(i[~same], j[~same], DIFFERENT, "truth")


class ModelData:
    """The rows (BurstRows) of one embedding model out of a ReplaySet, their embeddings and a sample."""

    def __init__(self, data, model, seed=0):
        self.data, self.model = data, model
        self.index = np.array([n for n, r in enumerate(data.rows) if r.model == model], dtype=np.int64)
        self.rows = [data.rows[n] for n in self.index]
        self.embeddings = np.stack([r.embedding for r in self.rows]).astype(np.float32)
        self.embeddings /= np.linalg.norm(self.embeddings, axis=1, keepdims=True)
        rng = np.random.default_rng(seed)
        self.sample = np.sort(rng.choice(len(self.rows), min(SAMPLE, len(self.rows)), replace=False))
        sex = np.array([SEX_CODE[r.cls] for r in self.rows])[self.sample]
        sample_embeddings = self.embeddings[self.sample]
        self.sample_scores = sample_embeddings @ sample_embeddings.T
        a, b = np.triu_indices(len(self.sample), 1)
        allowed = (sex[a] == sex[b]) | (sex[a] == UNKNOWN) | (sex[b] == UNKNOWN)  # pairs matching can link
        self.pair_a, self.pair_b = a[allowed], b[allowed]

    def all_scores(self):
        return self.sample_scores[self.pair_a, self.pair_b]


def evidence(md, labels=None, seed=0):
    """Every pair of evidence for the rows of `md`: free constraints, reviewer decisions, truth."""
    rng = np.random.default_rng(seed)
    coordinates = {
        pk: (lat, lon)
        for pk, lat, lon in Location.objects.exclude(latitude=None)
        .exclude(longitude=None)
        .values_list("id", "latitude", "longitude")
    }
    pairs = constraints.free_pairs(md.rows, coordinates, seed)
    position = {str(r.id): n for n, r in enumerate(md.rows)}
    members = {}
    for pk, deer_id in _assigned(md):
        members.setdefault(str(deer_id), []).append(position[pk])

    def members_of(deer_id):
        found = members.get(str(deer_id), [])
        return found[:: max(1, len(found) // 5)][:5]

    pairs = pairs + reviewer_pairs(position, members_of)
    if labels is not None:
        pairs = pairs + truth_pairs(labels[md.index], rng)
    return pairs


def _assigned(md):

    ids = [r.id for r in md.rows]
    found = []
    for start in range(0, len(ids), 5000):
        part = Detection.objects.filter(id__in=ids[start : start + 5000]).exclude(deer=None)
        found += [(str(pk), deer) for pk, deer in part.values_list("id", "deer_id")]
    return found


def expected_figures(md, probability, profiles):
    """Expected pairwise precision / recall of `profiles` (per row of the ReplaySet) on the sample."""
    p = profiles[md.index][md.sample]
    same_profile = (p[md.pair_a] == p[md.pair_b]) & (p[md.pair_a] >= 0)
    prob = probability(md.all_scores())
    linked = int(same_profile.sum())
    found = float(prob[same_profile].sum())
    precision = found / linked if linked else 1.0
    recall = found / float(prob.sum()) if prob.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def operating_point(curve):
    """(link threshold, review threshold) from {threshold: expected figures}.

    Link: the threshold of the best *expected* pairwise F1 under the calibrated map (ties: the
    lowest). Review: from there down the grid while the expected precision stays at least
    REID_REVIEW_PROBABILITY (0.50) of the precision at the link threshold — relative, because the
    map under-rates the lower tail of same-individual scores (its "same" evidence, burst tracks,
    scores higher than sightings days apart), so the expected precision of a good outcome reads
    0.4-0.9 rather than 0.99; below the cliff it collapses. Calibrated matching itself has no review
    band (fragments are folded for review instead: reid.fold); the review threshold is what an
    explicit band would use, and what the analysis shows."""
    grid = sorted(curve)
    if not grid or max(curve[t]["f1"] for t in grid) <= 0:
        return None, None
    link = min(grid, key=lambda t: (-curve[t]["f1"], t))
    ceiling = curve[link]["precision"]
    review = link
    for t in reversed([u for u in grid if u < link]):
        if curve[t]["precision"] < settings.REID_REVIEW_PROBABILITY * ceiling:
            break
        review = t
    return link, review


def fit(model, data=None, labels=None, save=True):
    """Fit (and store) the ReidCalibration of embedding model `model`; returns it."""
    if data is None:
        truth = (file_truth() if settings.GROUND_TRUTH_PATH else None) or {}
        data = ReplaySet(truth)
        labels = data.label if truth else None
    md = ModelData(data, model)
    pairs = evidence(md, labels)
    scores = pairs.scores(md.embeddings)
    same, different = scores[pairs.label == SAME], scores[(pairs.label == DIFFERENT) & (pairs.kind != "sex")]
    grid, probs, prior = fit_map(same, different, md.all_scores())
    calibration = ReidCalibration.objects.filter(embedding_model=model).first() or ReidCalibration(
        embedding_model=model
    )
    calibration.scores, calibration.probabilities, calibration.prior = grid, probs, prior
    calibration.enough_evidence = len(same) >= MIN_PAIRS and len(different) >= MIN_PAIRS
    curve = {}
    if calibration.enough_evidence:
        for t in GRID:
            curve[t] = expected_figures(md, calibration.probability, replay_once(data, t, review_threshold=1.0))
    link, review = operating_point(curve) if curve else (None, None)
    calibration.enough_evidence = calibration.enough_evidence and link is not None
    calibration.link_threshold, calibration.review_threshold = link, review
    calibration.curve = {f"{t:.2f}": figures for t, figures in curve.items()}
    calibration.counts = {
        **pairs.counts(),
        "same": int(len(same)),
        "different": int(len(different)),
        "detections": len(md.rows),
        "decisions": _decisions(),
    }
    if save:
        calibration.save()
    return calibration


def _decisions():
    """Reviewer decisions so far: decided queue items, rejections (splits leave one per detection), merges."""
    return (
        ReviewItem.objects.exclude(status=ReviewItem.Status.PENDING).count()
        + RejectedCandidate.objects.count()
        + ProfileAudit.objects.filter(action=ProfileAudit.Action.MERGE, undone_at=None).count()
    )


def models_of(detections):
    return sorted(set(detections.exclude(embedding_model="").values_list("embedding_model", flat=True)))


CONSERVATIVE = (1.01, -1.0)  # nothing reaches the link threshold, everything is in the review band


def thresholds_for(model):
    """(link, review, auto_create, calibration) score rules for one model: the explicit
    REID_THRESHOLD / REID_REVIEW_THRESHOLD override when set, else the model's calibration (fitted
    now when it has none), else conservative (everything to the review queue, nothing created)."""
    if settings.REID_THRESHOLD is not None:
        review = settings.REID_REVIEW_THRESHOLD
        review = settings.REID_THRESHOLD if review is None else review
        return settings.REID_THRESHOLD, min(review, settings.REID_THRESHOLD), None, None
    calibration = ReidCalibration.objects.filter(embedding_model=model).first()
    if calibration is None:
        with transaction.atomic():
            calibration = fit(model)
    if not calibration.enough_evidence:
        return *CONSERVATIVE, False, calibration
    return calibration.link_threshold, calibration.review_threshold, None, calibration


def needs_refit(calibration, detections, decisions):
    """Enough new evidence since the fit: detections or decisions grew by REFIT_GROWTH."""
    counts = calibration.counts or {}
    grew = detections > (1 + REFIT_GROWTH) * counts.get("detections", 0)
    decided = decisions >= max(10, (1 + REFIT_GROWTH) * counts.get("decisions", 0))
    return grew or (decided and decisions != counts.get("decisions", 0))


def deer_count(model):
    return Deer.objects.filter(embedding_model=model).count()


def maps(models):
    """{embedding model: ReidCalibration with evidence enough} for `models`."""
    return {
        c.embedding_model: c for c in ReidCalibration.objects.filter(embedding_model__in=models, enough_evidence=True)
    }


def p(maps_, model, score):
    """P(same individual) of a score under the model's calibration, rounded; None without one."""
    found = maps_.get(model)
    if found is None or score is None or not np.isfinite(score):
        return None
    return round(float(found.probability(score)), 4)


def uncertainty(maps_, model, score):
    probability = p(maps_, model, score)
    return None if probability is None else round(abs(probability - 0.5), 4)


def refit_run(run):
    """Carry out a queued calibrate ReidRun: refit the models named in its params (all by default)."""

    def work(r):
        names = r.params.get("models") or models_of(matchable_detections(unassigned=False))
        r.total_count = len(names)
        fitted = {}
        for name in names:
            found = fit(name)
            fitted[name] = [found.link_threshold, found.review_threshold, found.enough_evidence]
            r.processed_count += 1
        r.params = {**r.params, "fitted": fitted}

    return execute(run, work)


def refit_if_needed(models):
    """Queue one calibrate run for the models among `models` whose evidence grew enough since
    their fit (needs_refit); returns the run or None. With Redis down nothing is queued."""
    stale = []
    decisions = _decisions()
    for found in ReidCalibration.objects.filter(embedding_model__in=list(models)):
        detections = matchable_detections(unassigned=False).filter(embedding_model=found.embedding_model).count()
        if needs_refit(found, detections, decisions):
            stale.append(found.embedding_model)
    if not stale or ReidRun.objects.filter(kind=ReidRun.Kind.CALIBRATE, status__in=("queued", "running")).exists():
        return None
    run = create_queued_run(ReidRun.Kind.CALIBRATE, nominal_thresholds()[0], params={"models": stale})
    try:
        enqueue_run(run)
    except RedisError:
        return None
    return run
