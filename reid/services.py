"""Matching runs: select unassigned detections, group bursts, score them against the profiles
(reid.matching) and write the outcome: links, new profiles, review items and the similarity log.

Runs are serialised by a lock row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers by themselves), and every chunk re-reads which detections are still
unassigned and the current centroids after taking the lock, so two concurrent runs never create two
profiles for one individual.
"""

import uuid
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.vocabulary import DEER_CLASSES
from detections.models import Detection
from reid import matching
from reid.bursts import BurstRow, group_bursts
from reid.models import Deer, MatchLock, ReidRun, RejectedCandidate, ReviewItem
from reid.profiles import deer_recompute
from reid.runs import ReidError, execute, save_progress
from reid.scorelog import db_uuid, write_attempts, write_scores

CHUNK = 2000
MAX_ERRORS_SHOWN = 20
_ROW_FIELDS = (
    "id",
    "location_id",
    "effective_classification",
    "taken_at",
    "image_id",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "confidence",
)


def matchable_detections():
    """Valid, non-duplicate, unassigned deer detections with an embedding that no reviewer marked
    unidentifiable."""
    return (
        Detection.objects.filter(
            is_valid=True, is_duplicate=False, deer__isnull=True, effective_classification__in=DEER_CLASSES
        )
        .exclude(embedding=None)
        .exclude(reid_review__status=ReviewItem.Status.UNIDENTIFIABLE)
    )


def lock_matching():
    """Take the matching lock for the current transaction."""
    MatchLock.objects.select_for_update().get_or_create(key="matching")


def run_matching(
    detection_ids=None,
    threshold=None,
    kind="live",
    requested_by=None,
    review_threshold=None,
    dry_run=False,
    run=None,
    auto_create=None,
):
    """Match detections (None = every matchable detection, in taken_at order) and return the ReidRun.

    Detections asked for by id that cannot be matched because they have no embedding, or an
    embedding of the wrong dimension, are listed in run.error and left unassigned.
    """
    if run is None:
        threshold = settings.REID_THRESHOLD if threshold is None else float(threshold)
        review = settings.REID_REVIEW_THRESHOLD if review_threshold is None else float(review_threshold)
        run = ReidRun.objects.create(
            kind=kind,
            threshold=threshold,
            review_threshold=min(review, threshold),
            dry_run=dry_run,
            requested_by=requested_by,
            params={"detection_ids": len(detection_ids) if detection_ids is not None else "all unassigned"},
        )
    auto_create = settings.REID_AUTO_CREATE if auto_create is None else auto_create
    return execute(run, lambda r: _match_all(r, detection_ids, auto_create))


def _match_all(run, detection_ids, auto_create):
    errors = []
    queryset = matchable_detections()
    if detection_ids is not None:
        detection_ids = list(detection_ids)
        queryset = queryset.filter(id__in=detection_ids)
        no_embedding = Detection.objects.filter(
            id__in=detection_ids,
            embedding=None,
            is_valid=True,
            is_duplicate=False,
            deer__isnull=True,
            effective_classification__in=DEER_CLASSES,
        ).values_list("id", flat=True)
        errors += [
            f"Detection {pk} has no embedding and cannot be matched; import its embedding first." for pk in no_embedding
        ]
    ids = list(queryset.order_by("taken_at", "id").values_list("id", flat=True))
    totals = defaultdict(int)
    run.total_count = len(ids)
    state = {} if run.dry_run else None  # a dry run keeps its in-memory profiles across chunks
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if run.dry_run:
            counts = _match_chunk(run, chunk, auto_create, state, errors)
        else:
            with transaction.atomic():
                lock_matching()
                counts = _match_chunk(run, chunk, auto_create, None, errors)
        for name, value in counts.items():
            totals[name] += value
        run.params = {**run.params, **totals, "errors": len(errors)}
        save_progress(
            run,
            processed_count=min(start + CHUNK, len(ids)),
            linked_count=totals["linked"],
            review_count=totals["review"],
            created_count=totals["created"],
        )
    if errors:
        shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
        more = f"\n... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        run.error = f"{len(errors)} detection(s) could not be matched:\n{shown}{more}"
    run.params = {**run.params, **totals, "errors": len(errors)}


def load_index(model_name, dim_hint):
    """A ProfileIndex of every profile of `model_name` that has a centroid."""
    rows = list(
        Deer.objects.filter(embedding_model=model_name)
        .exclude(centroid=None)
        .values_list("id", "sex", "centroid", "sighting_count")
    )
    if not rows:
        return matching.ProfileIndex(dim_hint)
    keys, sexes, blobs, counts = zip(*rows, strict=False)
    lengths = {len(b) for b in blobs}
    if len(lengths) != 1:
        raise ReidError(f"Profiles of embedding model '{model_name}' have centroids of different dimensions.")
    dim = lengths.pop() // 4
    centroids = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=np.float32).reshape(len(rows), dim)
    return matching.ProfileIndex(dim, keys, sexes, centroids, counts)


def _load_rows(chunk):
    rows = []
    fields = _ROW_FIELDS + ("embedding", "embedding_model")
    for values in Detection.objects.filter(id__in=chunk, deer__isnull=True).values_list(*fields):
        pk, loc, cls, taken, image, x, y, w, h, conf, blob, model_name = values
        rows.append(
            BurstRow(
                pk,
                loc,
                cls,
                taken,
                image,
                (x, y, w, h),
                conf,
                model=model_name,
                embedding=np.frombuffer(bytes(blob), dtype=np.float32) if blob is not None else None,
            )
        )
    return rows


def _load_neighbours(rows):
    """Already assigned detections that may share a burst with `rows`."""
    if not rows:
        return []
    window = timezone.timedelta(seconds=settings.REID_BURST_SECONDS)
    lo = min(r.taken_at for r in rows) - window
    hi = max(r.taken_at for r in rows) + window
    found = Detection.objects.filter(
        location_id__in={r.location_id for r in rows},
        taken_at__range=(lo, hi),
        deer__isnull=False,
        is_valid=True,
        is_duplicate=False,
        effective_classification__in={r.cls for r in rows},
    ).values_list(*_ROW_FIELDS, "deer_id")
    out = []
    for pk, loc, cls, taken, image, x, y, w, h, conf, deer_id in found:
        out.append(BurstRow(pk, loc, cls, taken, image, (x, y, w, h), conf, deer_id=deer_id))
    return out


class Attempt:
    """One matching attempt: a burst track of unassigned detections."""

    def __init__(self, members):
        self.members = members
        for member in members:
            member.in_unit = True
        self.rep = max(members, key=lambda r: (r.confidence, -r.taken_at.timestamp()))
        self.model = self.rep.model
        vectors = [m.embedding for m in members if m.embedding is not None and m.model == self.model]
        self.embedding = matching.normalise_rows(np.mean(matching.normalise_rows(np.stack(vectors)), axis=0))
        self.sex = self.rep.cls


def _match_chunk(run, chunk, auto_create, state, errors):
    counts = defaultdict(int)
    rows = _load_rows(chunk)
    neighbours = _load_neighbours(rows)
    links = defaultdict(list)  # deer key -> member rows linked in this chunk
    units = []
    for track in group_bursts(rows + neighbours, settings.REID_BURST_SECONDS):
        assigned = [r for r in track if r.deer_id is not None]
        todo = [r for r in track if r.deer_id is None]
        if not todo:
            continue
        if assigned:
            winner = max(assigned, key=lambda r: r.confidence)
            links[winner.deer_id].extend(todo)
            counts["burst_linked"] += len(todo)
            continue
        units.append(Attempt(todo))

    indexes = state if state is not None else {}
    by_model = defaultdict(list)
    for unit in units:
        by_model[unit.model].append(unit)
    created, reviews, scores, attempts = {}, [], [], []
    for model_name, model_units in by_model.items():
        if model_name not in indexes:
            indexes[model_name] = load_index(model_name, len(model_units[0].embedding))
        index = indexes[model_name]
        good = []
        for unit in model_units:
            if len(unit.embedding) != index.dim:
                errors.append(
                    f"Detection {unit.rep.id} has a {len(unit.embedding)}-dimensional embedding, but profiles of "
                    f"embedding model '{model_name}' have {index.dim} dimensions."
                )
            else:
                good.append(unit)
        if not good:
            continue
        col_of = {key: col for col, key in enumerate(index.keys)}
        rejected = _rejections(good, col_of)
        decisions = matching.match_batch(
            index,
            np.stack([u.embedding for u in good]),
            [u.sex for u in good],
            run.threshold,
            run.review_threshold if run.review_threshold is not None else run.threshold,
            auto_create=auto_create,
            top_k=settings.REID_LOG_TOP_K,
            rejected=rejected,
            new_key=uuid.uuid4,
            weights=[len(u.members) for u in good],
        )
        for unit, decision in zip(good, decisions, strict=False):
            counts["attempts"] += 1
            candidates = [
                (index.keys[c], float(s)) for c, s in zip(decision.top_cols, decision.top_scores, strict=False)
            ]
            linked_key = index.keys[decision.col] if decision.col is not None else None
            if decision.kind == matching.CREATE:
                created[linked_key] = (index, decision.col, unit.sex, model_name)
                counts["created"] += 1
            if decision.kind in (matching.LINK, matching.CREATE):
                links[linked_key].extend(unit.members)
            elif decision.kind == matching.REVIEW:
                reviews.append((unit, decision.score, candidates))
                counts["review"] += 1
            else:
                counts["unmatched"] += 1
            for rank, (key, score) in enumerate(candidates, start=1):
                scores.append(
                    (
                        run.id,
                        unit.rep.id,
                        key,
                        score,
                        rank,
                        True,
                        decision.kind == matching.LINK and rank == 1,
                        run.threshold,
                    )
                )
            attempts.append(
                (
                    run.id,
                    unit.rep.id,
                    unit.sex,
                    candidates[0][1] if candidates else None,
                    candidates[1][1] if len(candidates) > 1 else None,
                    candidates[0][0] if candidates else None,
                    linked_key,
                )
            )
    counts["linked"] = sum(len(members) for members in links.values())
    if not run.dry_run:
        _write(run, links, created, indexes, reviews, scores, units)
        write_attempts(
            [
                (db_uuid(r), db_uuid(d), c, b, s, db_uuid(bd) if bd else None, db_uuid(o) if o else None)
                for r, d, c, b, s, bd, o in attempts
            ]
        )
    return counts


def _rejections(units, col_of):
    member_row = {}
    for row, unit in enumerate(units):
        for m in unit.members:
            member_row[m.id] = row
    rejected = defaultdict(set)
    pairs = RejectedCandidate.objects.filter(detection_id__in=list(member_row)).values_list("detection_id", "deer_id")
    for detection_id, deer_id in pairs:
        if deer_id in col_of:
            rejected[member_row[detection_id]].add(col_of[deer_id])
    return rejected


def _centroid_bytes(index, col):
    return index._centroids[col].astype(np.float32).tobytes()


def _write(run, links, created, indexes, reviews, scores, units):
    now = timezone.now()
    new_deer = []
    for key, (index, col, sex, model_name) in created.items():
        members = links[key]
        best = max(members, key=lambda r: r.confidence)
        new_deer.append(
            Deer(
                id=key,
                sex=sex,
                embedding_model=model_name,
                centroid=_centroid_bytes(index, col),
                sighting_count=len(members),
                first_seen=min(m.taken_at for m in members),
                last_seen=max(m.taken_at for m in members),
                best_detection_id=best.id,
            )
        )
    Deer.objects.bulk_create(new_deer, batch_size=1000)
    existing = [key for key in links if key not in created]
    to_update, recompute = [], []
    cols = {}
    for index in indexes.values():
        for col, key in enumerate(index.keys):
            cols[key] = (index, col)
    rows = Deer.objects.filter(id__in=existing).annotate(best_confidence=F("best_detection__confidence"))
    for deer in rows.only("id", "sighting_count", "first_seen", "last_seen", "centroid", "best_detection"):
        members = links[deer.id]
        if deer.id not in cols:
            recompute.append(deer)  # no centroid of this model in memory: recompute from its detections
            continue
        index, col = cols[deer.id]
        best = max(members, key=lambda r: r.confidence)
        deer.sighting_count += len(members)
        first, last = min(m.taken_at for m in members), max(m.taken_at for m in members)
        deer.first_seen = min(deer.first_seen, first) if deer.first_seen else first
        deer.last_seen = max(deer.last_seen, last) if deer.last_seen else last
        # burst-linked detections also move the centroid (as a running mean)
        extra = [m.embedding for m in members if m.embedding is not None and not m.in_unit]
        for vector in extra:
            if len(vector) == index.dim:
                index.absorb(col, matching.normalise_rows(vector))
        deer.centroid = _centroid_bytes(index, col)
        if deer.best_confidence is None or best.confidence > deer.best_confidence:
            deer.best_detection_id = best.id
        deer.updated_at = now
        to_update.append(deer)
    Deer.objects.bulk_update(
        to_update,
        ["sighting_count", "first_seen", "last_seen", "centroid", "best_detection", "updated_at"],
        batch_size=1000,
    )
    for key, members in links.items():
        Detection.objects.filter(id__in=[m.id for m in members], deer__isnull=True).update(deer_id=key)
    for deer in recompute:
        deer_recompute(deer)
    decided = [m.id for unit in units for m in unit.members]
    ReviewItem.objects.filter(detection_id__in=decided).exclude(status=ReviewItem.Status.UNIDENTIFIABLE).delete()
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                detection_id=unit.rep.id,
                member_ids=[str(m.id) for m in unit.members],
                run=run,
                best_score=score,
                candidates=[{"deer_id": str(k), "score": round(s, 6)} for k, s in candidates],
                threshold=run.threshold,
            )
            for unit, score, candidates in reviews
        ],
        batch_size=1000,
    )
    write_scores([(db_uuid(r), db_uuid(d), db_uuid(k), *rest) for r, d, k, *rest in scores])


def reset_automatic_matches():
    """Unlink every detection whose deer no reviewer confirmed in the review queue, delete the
    profiles left empty that nobody named or annotated, and clear pending review items.
    Returns (unlinked, deleted profiles)."""
    with transaction.atomic():
        lock_matching()
        confirmed = set()
        decided = ReviewItem.objects.filter(status__in=[ReviewItem.Status.ACCEPTED, ReviewItem.Status.NEW_INDIVIDUAL])
        for members, detection_id in decided.values_list("member_ids", "detection_id"):
            confirmed.update(members or [str(detection_id)])
        unlinked = Detection.objects.filter(deer__isnull=False).exclude(id__in=list(confirmed)).update(deer=None)
        ReviewItem.objects.filter(status=ReviewItem.Status.PENDING).delete()
        empty = Deer.objects.filter(detections__isnull=True, name="", notes="")
        deleted = empty.count()
        empty.delete()
        for deer in Deer.objects.all().iterator():
            deer_recompute(deer)
    return unlinked, deleted
