"""Matching runs: select unassigned detections and, chunk by chunk, read what the planner needs
(the detections, their burst neighbours, the profiles, the rejected candidates), plan the chunk
(reid.planner) and write the plan: links, new profiles, review items and the similarity log.

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

from core.runner import execute
from detections.models import Detection
from reid import calibration, matching, planner
from reid.bursts import BurstRow
from reid.fold import fold_model
from reid.models import Deer, MatchLock, ReidRun, RejectedCandidate, ReviewItem
from reid.profiles import deer_recompute
from reid.runs import ReidError, save_progress
from reid.scorelog import db_uuid, write_attempts, write_scores
from reid.selectors import BURST_ROW_FIELDS, burst_rows, matchable_detections

MAX_ERRORS_SHOWN = 20


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
        params = {"detection_ids": len(detection_ids) if detection_ids is not None else "all unassigned"}
        threshold, review, calibrated = decision_rules(threshold, review_threshold, detection_ids)
        run = ReidRun.objects.create(
            kind=kind,
            threshold=threshold,
            review_threshold=review,
            dry_run=dry_run,
            requested_by=requested_by,
            params={**params, **calibrated},
        )
    elif run.params.get("calibrated") == "at run time":  # a queued live run (reid.live): decide now
        run.threshold, run.review_threshold, calibrated = decision_rules()
        run.params = {**run.params, **calibrated}
        run.save(update_fields=["threshold", "review_threshold", "params"])
    auto_create = settings.REID_AUTO_CREATE if auto_create is None else auto_create
    run = execute(run, lambda r: _match_all(r, detection_ids, auto_create))
    if run.params.get("calibrated") and not run.dry_run:
        calibration.refit_if_needed(run.params["calibrated"])  # a background job when evidence grew
    return run


def decision_rules(threshold=None, review_threshold=None, detection_ids=None):
    """(link threshold, review threshold, {"calibrated": rules} or {}) of a run: the given or overridden
    score thresholds, else each embedding model's calibrated rules (decisions in probability)."""
    calibrated = {}
    if threshold is None and settings.REID_THRESHOLD is None:
        calibrated["calibrated"] = calibrated_rules(detection_ids)
        threshold, review_threshold = next(iter(calibrated["calibrated"].values()), calibration.CONSERVATIVE)[:2]
    threshold = settings.REID_THRESHOLD if threshold is None else float(threshold)
    review = (settings.REID_REVIEW_THRESHOLD if review_threshold is None else float(review_threshold)) or threshold
    return threshold, min(review, threshold), calibrated


def calibrated_rules(detection_ids=None):
    """{embedding model: [link, review, auto_create]} score rules from each model's calibration
    (reid.calibration.thresholds_for) for the detections to match."""
    detections = matchable_detections()
    if detection_ids is not None:
        detections = detections.filter(id__in=list(detection_ids))
    rules = {}
    for model in calibration.models_of(detections):
        link, review, auto_create, fitted = calibration.thresholds_for(model)
        if fitted is not None and fitted.enough_evidence:  # below the link threshold: a profile, folded if a fragment
            rules[model] = [link, link, auto_create, True]
        else:
            rules[model] = [link, review, auto_create, False]
    return rules


def _match_all(run, detection_ids, auto_create):
    errors = []
    queryset = matchable_detections()
    if detection_ids is not None:
        detection_ids = list(detection_ids)
        queryset = queryset.filter(id__in=detection_ids)
        no_embedding = (
            Detection.objects.deer_sightings()
            .filter(id__in=detection_ids, embedding=None, deer__isnull=True)
            .values_list("id", flat=True)
        )
        errors += [
            f"Detection {pk} has no embedding and cannot be matched; import its embedding first." for pk in no_embedding
        ]
    ids = list(queryset.order_by("taken_at", "id").values_list("id", flat=True))
    totals = defaultdict(int)
    run.total_count = len(ids)
    state = {} if run.dry_run else None  # a dry run keeps its in-memory profiles across chunks
    for start in range(0, len(ids), planner.CHUNK):
        chunk = ids[start : start + planner.CHUNK]
        if run.dry_run:
            counts = _match_chunk(run, chunk, auto_create, state, errors)
        else:
            with transaction.atomic():
                MatchLock.take()
                counts = _match_chunk(run, chunk, auto_create, None, errors)
        for name, value in counts.items():
            totals[name] += value
        run.params = {**run.params, **totals, "errors": len(errors)}
        save_progress(
            run,
            processed_count=min(start + planner.CHUNK, len(ids)),
            linked_count=totals["linked"],
            review_count=totals["review"],
            created_count=totals["created"],
        )
    calibrated = run.params.get("calibrated") or {}
    if not run.dry_run and any(len(rules) > 3 and rules[3] for rules in calibrated.values()):
        totals["folded"] = sum(fold_model(model, run) for model, rules in calibrated.items() if rules[3:4] == [True])
        run.review_count = (run.review_count or 0) + totals["folded"]
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


def _load_neighbours(rows):
    """Already assigned detections that may share a burst with `rows`."""
    if not rows:
        return []
    window = timezone.timedelta(seconds=settings.REID_BURST_SECONDS)
    lo = min(r.taken_at for r in rows) - window
    hi = max(r.taken_at for r in rows) + window
    found = (
        Detection.objects.deer_sightings()
        .filter(
            location_id__in={r.location_id for r in rows},
            taken_at__range=(lo, hi),
            deer__isnull=False,
            effective_classification__in={r.cls for r in rows},
        )
        .values_list(*BURST_ROW_FIELDS, "deer_id")
    )
    out = []
    for pk, loc, cls, taken, image, x, y, w, h, conf, deer_id in found:
        out.append(BurstRow(pk, loc, cls, taken, image, (x, y, w, h), conf, deer_id=deer_id))
    return out


def _match_chunk(run, chunk, auto_create, state, errors):
    rows = burst_rows(Detection.objects.filter(id__in=chunk, deer__isnull=True))
    found = planner.tracks(rows, _load_neighbours(rows), settings.REID_BURST_SECONDS)
    indexes = state if state is not None else {}  # a dry run keeps its in-memory profiles across chunks
    for model_name, dim in planner.embedding_models(found).items():
        if model_name not in indexes:
            indexes[model_name] = load_index(model_name, dim)
    rules = planner.Rules(
        run.threshold,
        run.review_threshold if run.review_threshold is not None else run.threshold,
        auto_create,
        settings.REID_LOG_TOP_K,
    )
    calibrated = run.params.get("calibrated")
    if calibrated:  # each embedding model at its own calibrated thresholds
        rules = {
            model: planner.Rules(
                calibrated.get(model, calibration.CONSERVATIVE)[0],
                calibrated.get(model, calibration.CONSERVATIVE)[1],
                auto_create if (calibrated.get(model) or [None] * 3)[2] is None else False,
                settings.REID_LOG_TOP_K,
            )
            for model in planner.embedding_models(found)
        }
    plan = planner.plan_chunk(found, indexes, rules, rejected=_rejections(found), new_key=uuid.uuid4)
    errors += plan.errors
    if not run.dry_run:
        _write(run, plan)
    return plan.counts


def _rejections(found):
    """{detection id: deer a reviewer rejected for it} for the members of the attempts."""
    members = [m.id for track in found if track.attempt is not None for m in track.members]
    rejected = defaultdict(set)
    for detection_id, deer_id in RejectedCandidate.objects.filter(detection_id__in=members).values_list(
        "detection_id", "deer_id"
    ):
        rejected[detection_id].add(deer_id)
    return rejected


def _write(run, plan):
    now = timezone.now()
    new_deer = []
    for key, (model_name, sex) in plan.created.items():
        members = plan.links[key]
        best = max(members, key=lambda r: r.confidence)
        new_deer.append(
            Deer(
                id=key,
                sex=sex,
                embedding_model=model_name,
                centroid=plan.centroid(key),
                sighting_count=len(members),
                first_seen=min(m.taken_at for m in members),
                last_seen=max(m.taken_at for m in members),
                best_detection_id=best.id,
            )
        )
    Deer.objects.bulk_create(new_deer, batch_size=1000)
    existing = [key for key in plan.links if key not in plan.created]
    to_update, recompute = [], []
    rows = Deer.objects.filter(id__in=existing).annotate(best_confidence=F("best_detection__confidence"))
    for deer in rows.only("id", "sighting_count", "first_seen", "last_seen", "centroid", "best_detection"):
        members = plan.links[deer.id]
        if deer.id not in plan.columns:
            recompute.append(deer)  # no centroid of this model in memory: recompute from its detections
            continue
        best = max(members, key=lambda r: r.confidence)
        deer.sighting_count += len(members)
        first, last = min(m.taken_at for m in members), max(m.taken_at for m in members)
        deer.first_seen = min(deer.first_seen, first) if deer.first_seen else first
        deer.last_seen = max(deer.last_seen, last) if deer.last_seen else last
        deer.centroid = plan.centroid(deer.id)
        if deer.best_confidence is None or best.confidence > deer.best_confidence:
            deer.best_detection_id = best.id
        deer.updated_at = now
        to_update.append(deer)
    Deer.objects.bulk_update(
        to_update,
        ["sighting_count", "first_seen", "last_seen", "centroid", "best_detection", "updated_at"],
        batch_size=1000,
    )
    for key, members in plan.links.items():
        Detection.objects.filter(id__in=[m.id for m in members], deer__isnull=True).update(deer_id=key)
    for deer in recompute:
        deer_recompute(deer)
    decided = [m.id for attempt in plan.attempts for m in attempt.members]
    ReviewItem.objects.filter(detection_id__in=decided).exclude(status=ReviewItem.Status.UNIDENTIFIABLE).delete()
    maps = calibration.maps({review.attempt.model for review in plan.reviews})
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                detection_id=review.attempt.rep.id,
                member_ids=[str(m.id) for m in review.attempt.members],
                run=run,
                best_score=review.score,
                candidates=[
                    {
                        "deer_id": str(k),
                        "score": round(s, 6),
                        "probability": calibration.p(maps, review.attempt.model, s),
                    }
                    for k, s in review.candidates
                ],
                threshold=run.threshold,
                uncertainty=calibration.uncertainty(maps, review.attempt.model, review.score),
            )
            for review in plan.reviews
        ],
        batch_size=1000,
    )
    _write_log(run, plan)


def _write_log(run, plan):
    """Every attempt's top-K candidates (SimilarityScore) and its best two (ReidAttempt), under the run."""
    run_key, scores, attempts = db_uuid(run.id), [], []
    for outcome in plan.outcomes:
        detection = db_uuid(outcome.attempt.rep.id)
        for rank, (key, score) in enumerate(outcome.candidates, start=1):
            matched = outcome.kind == matching.LINK and rank == 1
            scores.append((run_key, detection, db_uuid(key), score, rank, True, matched, run.threshold))
        candidates = outcome.candidates
        attempts.append(
            (
                run_key,
                detection,
                outcome.attempt.sex,
                candidates[0][1] if candidates else None,
                candidates[1][1] if len(candidates) > 1 else None,
                db_uuid(candidates[0][0]) if candidates else None,
                db_uuid(outcome.key) if outcome.key else None,
            )
        )
    write_scores(scores)
    write_attempts(attempts)


def reset_automatic_matches():
    """Unlink every detection whose deer no reviewer confirmed in the review queue, delete the
    profiles left empty that nobody named or annotated, and clear pending review items.
    Returns (unlinked, deleted profiles)."""
    with transaction.atomic():
        MatchLock.take()
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
