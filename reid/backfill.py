"""Backfill (the seed's Option D, phase 2): re-score every assigned detection against all profiles
and log its top-K allowed candidates, so that the analysis can ask what any threshold would do.

A detection is scored leave-one-out: against its own deer, the centroid is that of the deer's
other members (the question is "had this sighting come in now, would it have been linked?");
a deer with no other member is no candidate for it. The profiles' centroids are rebuilt as the
normalised sum of their members' embeddings, streamed in chunks in two passes: memory holds one
chunk of embeddings plus the centroid matrix, never all embeddings.
"""

import numpy as np
from django.conf import settings
from django.db import transaction

from core.runner import execute
from core.vectors import l2_normalise
from detections.models import Detection
from reid import matching
from reid.models import Deer, ReidRun
from reid.runs import ReidError, save_progress
from reid.scorelog import db_uuid, write_attempts, write_scores
from reid.selectors import nominal_thresholds

CHUNK = 1000


def backfill_detections():
    return Detection.objects.matchable().filter(deer__isnull=False)


def run_backfill(run=None, requested_by=None, threshold=None, limit=None, progress=None):
    """Create (or carry out a queued) backfill ReidRun; returns it. `progress(done, total)` is
    called after every chunk."""
    if run is None:
        run = ReidRun.objects.create(
            kind=ReidRun.Kind.BACKFILL,
            threshold=nominal_thresholds()[0] if threshold is None else threshold,
            requested_by=requested_by,
            params={"limit": limit} if limit else {},
        )
    return execute(run, lambda r: _backfill(r, r.params.get("limit"), progress))


def _iter_chunks(queryset, fields):
    """Rows of `queryset` in chunks of CHUNK, by primary key: the ids first (small), then each chunk
    by id, so the database never sorts or scans the embeddings more than once."""
    ids = list(queryset.order_by().values_list("id", flat=True))
    ids.sort()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield list(Detection.objects.filter(id__in=chunk).order_by("id").values_list(*fields))


def _backfill(run, limit, progress):
    queryset = backfill_detections()
    if limit:
        ids = list(queryset.order_by("taken_at", "id").values_list("id", flat=True)[:limit])
        queryset = queryset.filter(id__in=ids)
    models = sorted(set(queryset.order_by().values_list("embedding_model", flat=True).distinct()))
    total = queryset.count()
    run.total_count = total
    save_progress(run, processed_count=0)
    done, cross_sex, scored = 0, 0, 0
    run_key = db_uuid(run.id)
    top_k = settings.REID_LOG_TOP_K
    for model_name in models:
        model_qs = queryset.filter(embedding_model=model_name)
        deer_rows = list(
            Deer.objects.filter(detections__in=backfill_detections().filter(embedding_model=model_name))
            .order_by()
            .distinct()
            .values_list("id", "sex")
        )
        if not deer_rows:
            continue
        keys = [d for d, _ in deer_rows]
        deer_keys = [db_uuid(key) for key in keys]
        col_of = {key: col for col, key in enumerate(keys)}
        sexes = np.array([matching.SEX_CODE[s] for _, s in deer_rows], dtype=np.int8)
        # pass 1: per-deer sums and member counts over ALL assigned members (not only the limit)
        dim, sums, counts = None, None, np.zeros(len(keys))
        for rows in _iter_chunks(
            backfill_detections().filter(embedding_model=model_name), ("id", "deer_id", "embedding")
        ):
            matrix = _matrix(rows, 2)
            if dim is None:
                dim = matrix.shape[1]
                sums = np.zeros((len(keys), dim), dtype=np.float64)
            elif matrix.shape[1] != dim:
                raise ReidError(
                    f"Embeddings of model '{model_name}' have different dimensions ({dim} and {matrix.shape[1]})."
                )
            cols = np.array([col_of[r[1]] for r in rows])
            np.add.at(sums, cols, matrix)
            np.add.at(counts, cols, 1)
        centroids = l2_normalise(sums, keep_zeros=True, dtype=np.float64).astype(np.float32)
        # pass 2: score, correct the own-deer column to leave-one-out, log the top-K allowed
        for rows in _iter_chunks(model_qs, ("id", "deer_id", "embedding", "effective_classification")):
            matrix = _matrix(rows, 2)
            own = np.array([col_of[r[1]] for r in rows])
            codes = np.array([matching.SEX_CODE[r[3]] for r in rows], dtype=np.int8)
            scores = matrix @ centroids.T
            own_sum = sums[own]
            dot = np.einsum("ij,ij->i", matrix, own_sum)
            rest = np.sqrt(np.maximum(np.einsum("ij,ij->i", own_sum, own_sum) - 2 * dot + 1.0, 0.0))
            alone = counts[own] <= 1
            scores[np.arange(len(rows)), own] = np.where(alone, -np.inf, (dot - 1.0) / np.where(rest == 0, 1, rest))
            allowed = (codes[:, None] == sexes[None, :]) | (codes == matching.UNKNOWN)[:, None]
            overall_best = scores.max(axis=1)
            np.copyto(scores, -np.inf, where=~allowed)
            cross_sex += int(np.sum(overall_best > scores.max(axis=1)))
            k = min(top_k, len(keys))
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            part_scores = np.take_along_axis(scores, part, axis=1)
            order = np.argsort(-part_scores, axis=1, kind="stable")
            part = np.take_along_axis(part, order, axis=1)
            part_scores = np.take_along_axis(part_scores, order, axis=1)
            log, attempts = [], []
            finite = np.isfinite(part_scores)
            for i, row in enumerate(rows):
                detection = db_uuid(row[0])
                found = int(finite[i].sum())
                attempts.append(
                    (
                        run_key,
                        detection,
                        row[3],
                        float(part_scores[i, 0]) if found else None,
                        float(part_scores[i, 1]) if found > 1 else None,
                        deer_keys[part[i, 0]] if found else None,
                        db_uuid(row[1]),
                    )
                )
                for rank in range(found):
                    score = float(part_scores[i, rank])
                    log.append(
                        (
                            run_key,
                            detection,
                            deer_keys[part[i, rank]],
                            score,
                            rank + 1,
                            True,
                            rank == 0 and score >= run.threshold,
                            run.threshold,
                        )
                    )
            with transaction.atomic():
                scored += write_scores(log)
                write_attempts(attempts)
            done += len(rows)
            run.params = {**run.params, "scores_logged": scored, "cross_sex_best": cross_sex}
            save_progress(run, processed_count=done)
            if progress:
                progress(done, total)


def _matrix(rows, position):
    blobs = [bytes(r[position]) for r in rows]
    lengths = {len(b) for b in blobs}
    if len(lengths) != 1:
        raise ReidError("Embeddings of one model have different dimensions; they cannot be compared.")
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(rows), -1)
    return matching.normalise_rows(matrix)
