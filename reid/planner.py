"""Planning one chunk of matching, free of the database.

A chunk's unassigned detections are grouped into burst tracks together with the already assigned
detections that may share a burst with them (`tracks`): a track that holds an assigned detection
joins the deer of its most confident one without scoring; every other track is one matching
attempt. `plan_chunk` decides the attempts with the engine (reid.matching.match_batch), one batch
per embedding model, and returns the Plan: the detections joining each profile, the profiles
created, the attempts for the review queue and every attempt's top-K candidates for the log.
Detections that join a deer through a burst move its centroid afterwards (a running mean).

Live matching (reid.services) reads the inputs from the database and writes the plan back; the
replay (reid.replay) calls the same functions in memory, at many thresholds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from reid import matching
from reid.bursts import group_bursts

CHUNK = 2000  # detections planned at once, by the live service and the replay alike


class Rules(NamedTuple):
    threshold: float
    review_threshold: float
    auto_create: bool
    top_k: int


class Attempt:
    """One matching attempt: a burst track of unassigned detections, represented by its most confident
    detection, compared by the mean of its members' normalised embeddings."""

    def __init__(self, members):
        self.members = members
        self.rep = max(members, key=lambda r: (r.confidence, -r.taken_at.timestamp()))
        self.model = self.rep.model
        vectors = [m.embedding for m in members if m.embedding is not None and m.model == self.model]
        self.embedding = matching.normalise_rows(np.mean(matching.normalise_rows(np.stack(vectors)), axis=0))
        self.sex = self.rep.cls


class Track(NamedTuple):
    """A burst track with unassigned detections (`members`): they join the deer of `joins`, the track's
    most confident assigned detection, or, when it has none, are decided as `attempt`."""

    members: list
    joins: object
    attempt: Attempt | None


def tracks(rows, neighbours, seconds):
    """The Tracks of `rows` (unassigned BurstRows) grouped with `neighbours` (assigned ones), in time order."""
    found = []
    for track in group_bursts(rows + neighbours, seconds):
        todo = [r for r in track if r.deer_id is None]
        if not todo:
            continue
        assigned = [r for r in track if r.deer_id is not None]
        if assigned:
            found.append(Track(todo, max(assigned, key=lambda r: r.confidence), None))
        else:
            found.append(Track(todo, None, Attempt(todo)))
    return found


def embedding_models(found):
    """{embedding model: the dimension of its first attempt} for the attempts of `found` tracks: the
    profile indexes plan_chunk needs (an empty index takes that dimension)."""
    dims = {}
    for track in found:
        if track.attempt is not None and track.attempt.model not in dims:
            dims[track.attempt.model] = len(track.attempt.embedding)
    return dims


@dataclass
class Batch:
    """The attempts of one embedding model, decided together."""

    model: str
    index: matching.ProfileIndex
    attempts: list
    decisions: matching.Decisions


class Outcome(NamedTuple):
    attempt: Attempt
    kind: str  # matching.LINK | REVIEW | CREATE | UNMATCHED
    score: float | None  # the best allowed score
    candidates: list  # [(profile key, score)], best first, at most top_k
    key: object  # the profile linked or created, else None


@dataclass
class Plan:
    links: dict = field(default_factory=lambda: defaultdict(list))  # profile key -> rows joining it
    created: dict = field(default_factory=dict)  # key of a new profile -> (embedding model, sex)
    columns: dict = field(default_factory=dict)  # profile key -> (index, column) of each linked profile in memory
    attempts: list = field(default_factory=list)  # every attempt of the chunk, decided or not
    batches: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: defaultdict(int))

    @cached_property
    def outcomes(self):
        """Every decided attempt with its top-K candidates, in the order they were decided."""
        found = []
        for batch in self.batches:
            keys = batch.index.keys
            for attempt, decision in zip(batch.attempts, batch.decisions, strict=True):
                candidates = [(keys[c], float(s)) for c, s in zip(decision.top_cols, decision.top_scores, strict=True)]
                key = keys[decision.col] if decision.col is not None else None
                found.append(Outcome(attempt, decision.kind, decision.score, candidates, key))
        return found

    @property
    def reviews(self):
        return [outcome for outcome in self.outcomes if outcome.kind == matching.REVIEW]

    def centroid(self, key):
        """The centroid of a linked profile after the chunk, as float32 bytes."""
        index, col = self.columns[key]
        return index._centroids[col].astype(np.float32).tobytes()


def plan_chunk(found, indexes, rules, rejected=None, new_key=None, deer_of=attrgetter("deer_id")):
    """Decide the `found` tracks of one chunk; returns the Plan.

    rules: Rules, or {embedding model: Rules} (each model's calibrated thresholds);
    indexes: {embedding model: ProfileIndex}, one for each of embedding_models(found), updated in place
    (links and new profiles move their centroids); rejected: {detection id: profile keys a reviewer
    rejected for it}; new_key(): the key of a new profile; deer_of(row): the deer of an assigned row.
    """
    plan = Plan()
    joined = defaultdict(list)  # profile key -> rows joining it through a burst
    by_model = defaultdict(list)
    for track in found:
        if track.attempt is None:
            key = deer_of(track.joins)
            plan.links[key].extend(track.members)
            joined[key].extend(track.members)
            plan.counts["burst_linked"] += len(track.members)
        else:
            plan.attempts.append(track.attempt)
            by_model[track.attempt.model].append(track.attempt)
    for model_name, attempts in by_model.items():
        index = indexes[model_name]
        good = []
        for attempt in attempts:
            if len(attempt.embedding) != index.dim:
                plan.errors.append(
                    f"Detection {attempt.rep.id} has a {len(attempt.embedding)}-dimensional embedding, but profiles "
                    f"of embedding model '{model_name}' have {index.dim} dimensions."
                )
            else:
                good.append(attempt)
        if good:
            model_rules = rules[model_name] if isinstance(rules, dict) else rules
            _decide(plan, model_name, index, good, model_rules, rejected, new_key)
    plan.counts["linked"] = sum(len(members) for members in plan.links.values())
    _absorb(plan, joined, indexes)
    return plan


def _decide(plan, model_name, index, attempts, rules, rejected, new_key):
    decisions = matching.match_batch(
        index,
        np.stack([a.embedding for a in attempts]),
        [a.sex for a in attempts],
        rules.threshold,
        rules.review_threshold,
        auto_create=rules.auto_create,
        top_k=rules.top_k,
        rejected=_rejected_columns(attempts, index, rejected),
        new_key=new_key,
        weights=[len(a.members) for a in attempts],
    )
    plan.batches.append(Batch(model_name, index, attempts, decisions))
    create = matching.KINDS.index(matching.CREATE)
    for row in np.flatnonzero(decisions.col >= 0):  # linked or created
        col = int(decisions.col[row])
        key = index.keys[col]
        plan.columns[key] = (index, col)
        plan.links[key].extend(attempts[row].members)
        if decisions.kind[row] == create:
            plan.created[key] = (model_name, attempts[row].sex)
    tally = np.bincount(decisions.kind, minlength=len(matching.KINDS))
    plan.counts["attempts"] += len(attempts)
    for name, kind in (("created", matching.CREATE), ("review", matching.REVIEW), ("unmatched", matching.UNMATCHED)):
        if tally[matching.KINDS.index(kind)]:
            plan.counts[name] += int(tally[matching.KINDS.index(kind)])


def _rejected_columns(attempts, index, rejected):
    """{row: columns of `index` never to offer it} from {detection id: rejected profile keys}."""
    if not rejected:
        return None
    col_of = {key: col for col, key in enumerate(index.keys)}
    columns = defaultdict(set)
    for row, attempt in enumerate(attempts):
        for member in attempt.members:
            for key in rejected.get(member.id, ()):
                if key in col_of:
                    columns[row].add(col_of[key])
    return columns


def _absorb(plan, joined, indexes):
    """Detections that join a deer through a burst move its centroid, after the chunk's decisions."""
    if not joined:
        return
    for index in indexes.values():
        for col, key in enumerate(index.keys):
            if key in joined:
                plan.columns[key] = (index, col)
    for key, members in joined.items():
        if key not in plan.columns:
            continue  # not in memory: the caller recomputes it
        index, col = plan.columns[key]
        for member in members:
            if member.embedding is not None and len(member.embedding) == index.dim:
                index.absorb(col, matching.normalise_rows(member.embedding))
