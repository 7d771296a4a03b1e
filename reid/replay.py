"""Replay matching from scratch, in memory, to score thresholds against labels.

What would `reid_match --reset --threshold T` produce? The replay answers it without touching the
database: it takes the detections a reset run would match (`replay_detections`, the services'
selection without "unassigned"), in the same order and chunks of `reid.planner.CHUNK`, and plans
each chunk with the live service's own planner (reid.planner): the chunk's burst tracks together
with the detections already linked in earlier chunks (a track touching one joins its deer without
scoring), every other track a matching attempt decided by the real engine (the run's review band,
`REID_AUTO_CREATE`, `REID_LOG_TOP_K`). Attempts in the review band, or of unknown sex below it,
stay unassigned, as in a real run.

The outcome is scored as pairwise precision / recall / F1 over the labelled detections: a pair
of detections of one individual is a true pair; the run gets it right when both are in one
profile. Counts come from the contingency table profile x individual (sum of n(n-1)/2), not
from a loop over pairs. Unassigned detections are in no pair (they cost recall).

Bounded: at most MAX_DETECTIONS detections. When more are matchable, the replay takes the
detections of whole labelled individuals, in a fixed random order, until the cap; the result
says so (`sampled`). Differences from a real reset run, by design: profiles a reset keeps (named
ones, reviewer-confirmed links) and rejected candidates are not replayed — the replay starts from
nothing, so that reviewer labels score the matching rather than themselves.
"""

import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import numpy as np
from django.conf import settings

from detections.models import Detection
from reid import matching, planner
from reid.selectors import burst_rows, matchable_detections, nominal_thresholds

MAX_DETECTIONS = 20_000
SAMPLE_SEED = 0


def replay_detections():
    """The detections `reid_match --reset` matches: reid.services.matchable_detections, assigned or not."""
    return matchable_detections(unassigned=False)


class ReplaySet:
    """The detections to replay (BurstRows in taken_at order, cut into chunks) and their labels."""

    def __init__(self, labels, cap=MAX_DETECTIONS):
        """labels: {detection id as str: individual}. Keeps at most `cap` detections."""
        ordered = [str(pk) for pk in replay_detections().order_by("taken_at", "id").values_list("id", flat=True)]
        self.matchable, self.cap = len(ordered), cap
        self.sampled = len(ordered) > cap
        if self.sampled:
            ordered = _sample_individuals(ordered, labels, cap)
        self.rows = _load_rows(ordered)
        names = sorted({labels[r.id] for r in self.rows if labels.get(r.id) is not None})
        code = {name: i for i, name in enumerate(names)}
        self.label = np.array([code.get(labels.get(r.id), -1) for r in self.rows], dtype=np.int64)
        self.individuals = len(names)
        self.chunks = [
            range(start, min(start + planner.CHUNK, len(self.rows)))
            for start in range(0, len(self.rows), planner.CHUNK)
        ]
        self.position = {r.id: i for i, r in enumerate(self.rows)}
        self._tracks, self._places = {}, {}

    @property
    def labelled(self):
        return int(np.sum(self.label >= 0))

    def describe(self):
        return {
            "detections": len(self.rows),
            "labelled_detections": self.labelled,
            "individuals": self.individuals,
            "matchable_detections": self.matchable,
            "sampled": self.sampled,
            "cap": self.cap,
        }

    def tracks(self, c, linked):
        """The planner's tracks (reid.planner.tracks) of chunk c grouped with the detections of earlier
        chunks already linked (ids in `linked`) that may share a burst with it: what
        reid.services._load_neighbours finds in the database, found here in the rows before the chunk."""
        chunk = [self.rows[i] for i in self.chunks[c]]
        window = timedelta(seconds=settings.REID_BURST_SECONDS)
        lo = chunk[0].taken_at - window
        if c not in self._places:
            self._places[c] = {(r.location_id, r.cls) for r in chunk}
        places = self._places[c]
        neighbours = []
        i = self.chunks[c].start - 1
        while i >= 0 and self.rows[i].taken_at >= lo:
            r = self.rows[i]
            if r.id in linked and (r.location_id, r.cls) in places:
                neighbours.append(r.id)
            i -= 1
        key = (c, tuple(neighbours))
        if key not in self._tracks:  # grouping depends on the threshold only through the neighbours
            copies = [replace(self.rows[self.position[pk]], deer_id=True) for pk in neighbours]
            self._tracks[key] = planner.tracks(chunk, copies, settings.REID_BURST_SECONDS)
        return self._tracks[key]


def _sample_individuals(ordered, labels, cap):
    """Detections of whole labelled individuals, in a fixed random order, up to `cap` (taken_at order kept)."""
    members = defaultdict(list)
    for pk in ordered:
        label = labels.get(pk)
        if label is not None:
            members[label].append(pk)
    names, chosen = sorted(members), set()
    for i in np.random.default_rng(SAMPLE_SEED).permutation(len(names)):
        group = members[names[i]]
        if len(chosen) + len(group) <= cap:
            chosen.update(group)
    return [pk for pk in ordered if pk in chosen]


def _load_rows(ids):
    rows = {}
    for start in range(0, len(ids), 5000):
        for row in burst_rows(Detection.objects.filter(id__in=ids[start : start + 5000])):
            row.id = str(row.id)  # the labels' key
            rows[row.id] = row
    return [rows[pk] for pk in ids]


def replay_once(data, threshold, review_threshold=None):
    """Match `data` from scratch at `threshold`; returns the profile of each row (-1 = none)."""
    review = nominal_thresholds()[1] if review_threshold is None else review_threshold
    rules = planner.Rules(threshold, min(review, threshold), settings.REID_AUTO_CREATE, settings.REID_LOG_TOP_K)
    profile = {}  # detection id -> profile number
    indexes = {}  # embedding model -> ProfileIndex
    new_key = itertools.count().__next__
    for c in range(len(data.chunks)):
        found = data.tracks(c, profile)
        for model_name, dim in planner.embedding_models(found).items():
            if model_name not in indexes:
                indexes[model_name] = matching.ProfileIndex(dim)
        plan = planner.plan_chunk(found, indexes, rules, new_key=new_key, deer_of=lambda row: profile[row.id])
        for number, members in plan.links.items():
            for member in members:
                profile[member.id] = number
    return np.array([profile.get(r.id, -1) for r in data.rows], dtype=np.int64)


def _pairs(counts):
    counts = counts.astype(np.float64)
    return float(np.sum(counts * (counts - 1) / 2))


def pairwise_scores(profiles, labels):
    """Pairwise precision, recall, F1 of `profiles` (per detection, -1 = none) against `labels`
    (per detection, -1 = unlabelled), from the profile x individual contingency table."""
    labelled = labels >= 0
    true_pairs = _pairs(np.bincount(labels[labelled]))
    both = labelled & (profiles >= 0)
    p, lab = profiles[both], labels[both]
    n_labels = int(labels.max()) + 1 if len(labels) else 1
    _, cells = np.unique(p * n_labels + lab, return_counts=True)
    _, rows = np.unique(p, return_counts=True)
    same_both, predicted = _pairs(cells), _pairs(rows)
    precision = same_both / predicted if predicted else 1.0
    recall = same_both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def score_replay(data, profiles):
    figures = pairwise_scores(profiles, data.label)
    sizes = np.bincount(profiles[profiles >= 0]) if np.any(profiles >= 0) else np.zeros(0, dtype=np.int64)
    figures.update(
        profiles=int(np.sum(sizes > 0)),
        largest=int(sizes.max()) if len(sizes) else 0,
        linked=int(np.sum(profiles >= 0)),
    )
    return figures


def replay_curve(data, thresholds, review_threshold=None):
    """{threshold: figures} for every threshold."""
    return {t: score_replay(data, replay_once(data, t, review_threshold)) for t in thresholds}


NEAR_BEST = 0.015  # F1 within this of the best counts as near-equal
NEIGHBOURHOOD = 0.02  # a threshold's safety: its worst F1 within +-0.02


def recommend(curve):
    """The recommended threshold from {threshold: figures} on a fine grid (0.01).

    Of the thresholds whose F1 is within NEAR_BEST of the best, the one whose neighbourhood is
    safest: the highest worst-case F1 over the grid points within +-NEIGHBOURHOOD (a slightly wrong
    threshold, or data a little different from the labelled part, then still does well); ties go
    to the higher threshold, because a false link merges individuals while a missed one leaves a
    profile a reviewer can merge. So the recommendation is never more than NEAR_BEST below the
    best F1, and never on the edge of the cliff where profiles start absorbing several individuals.
    """
    grid = sorted(curve)
    best = max(curve[t]["f1"] for t in grid)

    def worst_near(t):
        return min(curve[u]["f1"] for u in grid if abs(u - t) <= NEIGHBOURHOOD + 1e-9)

    near = [t for t in grid if curve[t]["f1"] >= best - NEAR_BEST - 1e-9]
    chosen = max(near, key=lambda t: (round(worst_near(t), 4), t))
    return _recommendation(curve, chosen, rule="f1")


PRECISION_TARGET = 0.98


def recommend_for_precision(curve, target=PRECISION_TARGET):
    """The recommendation from labels that are not a random sample: review-queue decisions.

    Those label only the attempts matching found ambiguous, so recall on them says nothing about
    recall overall (replayed above the threshold in use they are queued again; below it they are
    linked, merged or not), and the best F1 on them sits below the cliff. Precision on them is
    measurable, and pessimistic (they are the hard cases): the recommendation is the lowest grid
    threshold from which precision stays at or above `target`, plus NEIGHBOURHOOD of room. None
    when even the highest threshold misses the target.
    """
    grid = sorted(curve)
    if curve[grid[-1]]["precision"] < target:
        return None
    start = grid[-1]
    for t in reversed(grid):
        if curve[t]["precision"] < target:
            break
        start = t
    chosen = min((t for t in grid if t >= start + NEIGHBOURHOOD - 1e-9), default=grid[-1])
    return {**_recommendation(curve, chosen, rule="precision"), "precision_from": start}


def _recommendation(curve, chosen, rule):
    grid = sorted(curve)
    best = max(curve[t]["f1"] for t in grid)
    worst = min(curve[u]["f1"] for u in grid if abs(u - chosen) <= NEIGHBOURHOOD + 1e-9)
    return {
        "threshold": chosen,
        **curve[chosen],
        "rule": rule,
        "worst_within_0_02": round(worst, 4),
        "best_f1": best,
        "best_threshold": max(t for t in grid if curve[t]["f1"] == best),
    }


def constraint_scores(profiles, pairs):
    """Pairwise precision / recall of `profiles` (per row, -1 = none) on constraint pairs
    (reid.constraints.Pairs: i, j, label 1 = same individual, 0 = different)."""
    together = (profiles[pairs.i] == profiles[pairs.j]) & (profiles[pairs.i] >= 0)
    same = pairs.label == 1
    linked, found = int(together.sum()), int((together & same).sum())
    return {
        "pairs_precision": round(found / linked, 4) if linked else None,
        "pairs_recall": round(found / int(same.sum()), 4) if same.any() else None,
        "constraint_pairs": len(pairs),
    }
