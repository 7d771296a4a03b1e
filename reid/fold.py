"""Folding fragments: a profile of one or two sightings that nothing joined is put under review,
held provisionally by its nearest established profile (docs/reid.md, "Fragments").

Below the calibrated link threshold matching starts a profile of its own for the attempt. On
embeddings where a single sighting can be very noisy (a poor crop, a low-confidence box) that
makes a fragment of an individual already known. A fragment that is still below FOLD_BELOW
sightings FOLD_SETTLED_DAYS after its last sighting — while the model kept seeing deer — is far
more likely such a sighting than a new individual seen once (a new individual keeps being seen
and grows its profile): its detections move to the nearest established profile (FOLD_BELOW
sightings or more, a compatible sex, not rejected for them) *provisionally* — they count as that
deer's sightings, but its centroid does not move — and a review item asks the reviewer: accept
keeps them there, reject or "new individual" undoes the provisional link.

`plan_folds` is pure numpy; `fold_replay` applies it to a replayed outcome, `fold_model` to the
database (called at the end of a calibrated matching run).
"""

from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Min

from detections.models import Detection
from reid import calibration
from reid.matching import SEX_CODE, UNKNOWN
from reid.models import Deer, MatchLock, RejectedCandidate, ReviewItem

FOLD_BELOW = 3  # a profile with fewer sightings is a fragment
FOLD_SETTLED_DAYS = 7  # ... once the model's data go on this long after its last sighting
TOP_K = 5  # candidates shown with a folded fragment


def plan_folds(centroids, sexes, sizes, foldable, rejected=None, top_k=TOP_K):
    """[(fragment row, [(holder row, score), ...] best first)] for the rows of `foldable`.

    centroids: (n, dim) normalised; sexes: n sex codes; sizes: n sighting counts; foldable: n
    booleans (a fragment that may be folded); rejected: {row: rows never to hold it}. Holders are the
    established rows (sizes >= FOLD_BELOW) of the fragment's sex (an unknown sex takes any)."""
    sizes, sexes = np.asarray(sizes), np.asarray(sexes)
    established = np.flatnonzero(sizes >= FOLD_BELOW)
    fragments = np.flatnonzero(np.asarray(foldable) & (sizes < FOLD_BELOW))
    if not len(established) or not len(fragments):
        return []
    scores = centroids[fragments] @ centroids[established].T
    a, b = sexes[fragments, None], sexes[None, established]
    scores[(a != b) & (a != UNKNOWN) & (b != UNKNOWN)] = -np.inf  # the sex rule of matching
    found = []
    for n, row in enumerate(fragments):
        for col in (rejected or {}).get(int(row), ()):
            scores[n, established == col] = -np.inf
        order = np.argsort(-scores[n], kind="stable")[:top_k]
        order = order[np.isfinite(scores[n, order])]
        if len(order):
            found.append((int(row), [(int(established[c]), float(scores[n, c])) for c in order]))
    return found


def fold_replay(data, profiles, settled_days=FOLD_SETTLED_DAYS):
    """A replayed outcome (a profile number per row of the ReplaySet, -1 = none) with its settled
    fragments moved to their nearest established profile, as fold_model does in the database."""
    assigned = profiles >= 0
    if not assigned.any():
        return profiles
    keys, inverse = np.unique(profiles[assigned], return_inverse=True)
    embeddings = np.stack([r.embedding for r in data.rows]).astype(np.float32)[assigned]
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    sums = np.zeros((len(keys), embeddings.shape[1]))
    np.add.at(sums, inverse, embeddings)
    centroids = (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)
    sizes = np.bincount(inverse, minlength=len(keys))
    times = np.array([r.taken_at.timestamp() for r in data.rows])[assigned]
    last = np.full(len(keys), -np.inf)
    np.maximum.at(last, inverse, times)
    codes = np.array([SEX_CODE[r.cls] for r in data.rows])[assigned]
    sexes = np.full(len(keys), UNKNOWN)
    for row in np.argsort(-sizes):  # a profile's sex: the first known sex among its members
        known = codes[(inverse == row) & (codes != UNKNOWN)]
        sexes[row] = known[0] if len(known) else UNKNOWN
    foldable = last < times.max() - settled_days * 86400
    out = profiles.copy()
    for fragment, candidates in plan_folds(centroids, sexes, sizes, foldable):
        out[profiles == keys[fragment]] = keys[candidates[0][0]]
    return out


def fold_model(model, run=None, settled_days=FOLD_SETTLED_DAYS):
    """Fold the settled fragments of embedding model `model` in the database; returns how many.

    A fragment is a profile nobody named, annotated or made a "new individual" in the review queue,
    with fewer than FOLD_BELOW sightings, the last one more than `settled_days` before the model's
    latest sighting. A fragment left of a profile a reviewer accepted sightings into (a reset unlinked
    the rest) moves to its nearest profile without a new question (its detections keep their decided
    review items)."""
    with transaction.atomic():
        MatchLock.take()
        latest = Detection.objects.filter(embedding_model=model, deer__isnull=False).aggregate(t=Max("taken_at"))["t"]
        if latest is None:
            return 0
        rows = list(
            Deer.objects.filter(embedding_model=model)
            .exclude(centroid=None)
            .values_list("id", "sex", "centroid", "sighting_count", "last_seen", "name", "notes")
        )
        if not rows:
            return 0
        confirmed = set(  # a reviewer said "new individual": never folded
            ReviewItem.objects.filter(
                status=ReviewItem.Status.NEW_INDIVIDUAL, detection__deer__embedding_model=model
            ).values_list("detection__deer_id", flat=True)
        )
        keys = [r[0] for r in rows]
        dim = len(rows[0][2]) // 4
        centroids = np.frombuffer(b"".join(bytes(r[2]) for r in rows), dtype=np.float32).reshape(len(rows), dim)
        sexes = np.array([SEX_CODE.get(r[1], UNKNOWN) for r in rows])
        sizes = np.array([r[3] for r in rows])
        remnant = _remnants(model, {r[0]: r[3] for r in rows})
        sizes[[n for n, r in enumerate(rows) if r[0] in remnant]] = 0  # never a holder
        cutoff = latest - timedelta(days=settled_days)
        foldable = np.array(
            [
                (r[0] in remnant or (r[4] is not None and r[4] < cutoff))
                and not r[5]
                and not r[6]
                and r[0] not in confirmed
                for r in rows
            ]
        )
        row_of = {key: n for n, key in enumerate(keys)}
        fragment_keys = [keys[n] for n in np.flatnonzero(foldable & (sizes < FOLD_BELOW))]
        members = {}
        for pk, deer_id in (
            Detection.objects.filter(deer_id__in=fragment_keys)
            .order_by("-confidence", "taken_at")
            .values_list("id", "deer_id")
        ):
            members.setdefault(deer_id, []).append(pk)
        rejected = {}
        member_of = {pk: deer_id for deer_id, pks in members.items() for pk in pks}
        for detection_id, deer_id in RejectedCandidate.objects.filter(detection_id__in=list(member_of)).values_list(
            "detection_id", "deer_id"
        ):
            if deer_id in row_of:
                rejected.setdefault(row_of[member_of[detection_id]], set()).add(row_of[deer_id])
        plan = plan_folds(centroids, sexes, sizes, foldable, rejected)
        maps = calibration.maps([model])
        items, holders, moved = [], set(), 0
        for fragment, candidates in plan:
            key = keys[fragment]
            ids = members.get(key)
            if not ids:
                continue
            holder = keys[candidates[0][0]]
            Detection.objects.filter(id__in=ids).update(deer_id=holder)
            holders.add(holder)
            ReviewItem.objects.filter(detection_id__in=ids, status=ReviewItem.Status.PENDING).delete()
            if ReviewItem.objects.filter(detection_id__in=ids).exists():
                # what is left of a profile a reviewer accepted these sightings into (after `reid_match
                # --reset` unlinked the rest): they follow their individual's re-formed profile, no question
                moved += 1
                continue
            best = candidates[0][1]
            items.append(
                ReviewItem(
                    detection_id=ids[0],
                    member_ids=[str(pk) for pk in ids],
                    run=run,
                    best_score=round(best, 6),
                    candidates=[
                        {"deer_id": str(keys[c]), "score": round(s, 6), "probability": calibration.p(maps, model, s)}
                        for c, s in candidates
                    ],
                    threshold=run.threshold if run is not None else None,
                    uncertainty=calibration.uncertainty(maps, model, best),
                    provisional_deer_id=holder,
                )
            )
        Deer.objects.filter(id__in=[keys[f] for f, _ in plan], detections__isnull=True).delete()
        ReviewItem.objects.bulk_create(items, batch_size=1000)
        update_counts(holders)
    return len(items) + moved


def _remnants(model, sightings):
    """Profiles of `model` whose every sighting is one a reviewer accepted into it: what is left of a
    profile after `reid_match --reset` unlinked everything unconfirmed. Their centroid is made of
    the once-folded, noisy sightings alone, so they are fragments whatever their size."""
    accepted = set()
    for members, detection_id in ReviewItem.objects.filter(status=ReviewItem.Status.ACCEPTED).values_list(
        "member_ids", "detection_id"
    ):
        accepted.update(members or [str(detection_id)])
    counts = {}
    for deer_id in Detection.objects.filter(
        id__in=list(accepted), deer__embedding_model=model, is_valid=True
    ).values_list("deer_id", flat=True):
        counts[deer_id] = counts.get(deer_id, 0) + 1
    return {deer_id for deer_id, n in counts.items() if n >= sightings.get(deer_id, 0) > 0}


def update_counts(deer_ids):
    """sighting_count, first_seen and last_seen of the given profiles from their valid detections, in
    one aggregate; the centroid is left alone (provisional members do not move it)."""
    if not deer_ids:
        return
    stats = {
        row["deer_id"]: row
        for row in Detection.objects.filter(deer_id__in=list(deer_ids), is_valid=True)
        .values("deer_id")
        .annotate(n=Count("id"), first=Min("taken_at"), last=Max("taken_at"))
    }
    changed = []
    for deer in Deer.objects.filter(id__in=list(deer_ids)).only("id", "sighting_count", "first_seen", "last_seen"):
        row = stats.get(deer.id, {"n": 0, "first": None, "last": None})
        deer.sighting_count, deer.first_seen, deer.last_seen = row["n"], row["first"], row["last"]
        changed.append(deer)
    Deer.objects.bulk_update(changed, ["sighting_count", "first_seen", "last_seen"], batch_size=1000)


def held_ids(deer):
    """The detections `deer` holds provisionally (members of pending review items it holds), as strings."""
    held = set()
    for members, detection_id in ReviewItem.objects.filter(
        provisional_deer=deer, status=ReviewItem.Status.PENDING
    ).values_list("member_ids", "detection_id"):
        held.update(members or [str(detection_id)])
    return held
