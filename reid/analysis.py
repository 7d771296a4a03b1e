"""Threshold analysis: what the logged similarity scores say, and what a threshold would do.

From one run's log (by default the latest completed backfill) every matching attempt is reduced to
its best and second-best allowed candidate (one narrow ReidAttempt row each); the histogram of all
logged scores is aggregated in the database. For each threshold the analysis gives the share of
attempts that would be linked, the profiles that would be created, near-misses (best within 0.05
below the threshold), per-sex figures and the best-vs-second margin.

With ground truth (reviewer decisions from the review queue, or the CSV at GROUND_TRUTH_PATH,
`detection_id,individual_id`) precision, recall and F1 per threshold and the recommended threshold
do NOT come from the log: scoring logged attempts against the profiles that exist cannot see what
matching from scratch does (a profile that absorbs two individuals drifts towards what all deer of
that sex share and then out-scores their own profiles). They come from replaying matching from
scratch with the real engine (reid.replay), scored as pairwise precision/recall/F1; the
recommendation rule is reid.replay.recommend.
"""

import uuid

import numpy as np
from django.conf import settings
from django.db import connection

from core.vocabulary import SEXES
from detections.models import Detection
from reid.calibration import reviewer_pairs
from reid.fold import FOLD_BELOW, FOLD_SETTLED_DAYS
from reid.ground_truth import GroundTruthError, file_truth
from reid.models import ReidAttempt, ReidCalibration, ReidRun, ReviewItem, SimilarityScore
from reid.replay import (
    PRECISION_TARGET,
    ReplaySet,
    constraint_scores,
    recommend,
    recommend_for_precision,
    replay_curve,
    replay_once,
)
from reid.scorelog import db_uuid
from reid.selectors import nominal_thresholds

NEAR_MISS = 0.05


class AnalysisError(ValueError):
    pass


def default_run():
    runs = ReidRun.objects.filter(status=ReidRun.Status.COMPLETED, dry_run=False)
    run = runs.filter(kind=ReidRun.Kind.BACKFILL).order_by("-completed_at").first()
    if run is None:
        run = runs.filter(scores__isnull=False).order_by("-completed_at").first()
    return run


def thresholds(low=0.30, high=0.95, step=0.05):
    count = int(round((high - low) / step)) + 1
    return [round(low + i * step, 4) for i in range(count)]


def load_attempts(run):
    """Arrays per attempt: best score, second score, class; ids on demand (see _Attempts).

    From the run's ReidAttempt rows (one narrow row per attempt); runs logged without them fall
    back to reading ranks 1 and 2 of the scores joined with the detections.
    """
    table = connection.ops.quote_name(ReidAttempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT detection_id, classification, best_score, second_score, best_deer_id, own_deer_id "
            f"FROM {table} WHERE run_id = %s AND best_score IS NOT NULL",
            [db_uuid(run.id)],
        )
        rows = cursor.fetchall()
    if rows:
        ids, classes, best, second, best_deer, own = zip(*rows, strict=False)
        return _Attempts(
            best=np.array(best, dtype=float),
            second=np.array(second, dtype=float),
            classes=np.array(classes, dtype=object),
            raw=(ids, best_deer, own),
            keep=range(len(rows)),
        )
    return _load_attempts_from_scores(run)


def _load_attempts_from_scores(run):
    """The same from the similarity log alone.

    One query over ranks 1 and 2 (raw SQL, no ORDER BY: up to a few hundred thousand rows read as
    plain tuples), aligned per detection with a dict.
    """
    score_table = connection.ops.quote_name(SimilarityScore._meta.db_table)
    detection_table = connection.ops.quote_name(Detection._meta.db_table)
    sql = (
        f"SELECT s.detection_id, s.rank, s.score, s.deer_id, d.effective_classification, d.deer_id "
        f"FROM {score_table} s JOIN {detection_table} d ON d.id = s.detection_id "
        f"WHERE s.run_id = %s AND s.rank <= 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_uuid(run.id)])
        rows = cursor.fetchall()
    firsts = [row for row in rows if row[1] == 1]
    position = {row[0]: i for i, row in enumerate(firsts)}
    best = np.fromiter((row[2] for row in firsts), dtype=float, count=len(firsts))
    second = np.full(len(firsts), np.nan)
    for row in rows:
        if row[1] == 2:
            i = position.get(row[0])
            if i is not None:
                second[i] = row[2]
    columns = list(zip(*firsts, strict=False)) if firsts else [(), (), (), (), (), ()]
    return _Attempts(
        best=best,
        second=second,
        classes=np.array(columns[4], dtype=object),
        raw=(columns[0], columns[3], columns[5]),
        keep=range(len(firsts)),
    )


class _Attempts(dict):
    """Arrays per attempt; the ids ("ids", "best_deer", "own") are turned into UUIDs only when
    asked for (ground truth needs them, the plain figures do not)."""

    def __init__(self, best, second, classes, raw, keep):
        super().__init__(best=best, second=second, classes=classes)
        self._raw, self._keep = raw, keep

    def __missing__(self, key):
        column = {"ids": 0, "best_deer": 1, "own": 2}[key]
        values = self._raw[column]
        self[key] = [as_uuid(values[i]) if values[i] is not None else None for i in self._keep]
        return self[key]


def as_uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def score_histogram(run, width=0.05):
    """Counts of all logged scores of the run in buckets of `width`, aggregated in the database."""
    table = connection.ops.quote_name(SimilarityScore._meta.db_table)
    if connection.vendor == "sqlite":
        bucket = "CAST(score / %s + 1000 AS INTEGER) - 1000"  # floor without a Python function per row
    else:
        bucket = "FLOOR(score / %s)"
    sql = f"SELECT {bucket} AS b, COUNT(*) FROM {table} WHERE run_id = %s GROUP BY b ORDER BY b"
    with connection.cursor() as cursor:
        cursor.execute(sql, [width, db_uuid(run.id)])
        buckets = cursor.fetchall()
    counts = {int(b): n for b, n in buckets}
    if not counts:
        return []
    # every bucket from the lowest to the highest, empty ones included
    return [
        {"from": round(b * width, 4), "to": round((b + 1) * width, 4), "count": counts.get(b, 0)}
        for b in range(min(counts), max(counts) + 1)
    ]


def best_histogram(best, width=0.05):
    finite = best[np.isfinite(best)]
    if not len(finite):
        return []
    edges = np.arange(np.floor(finite.min() / width) * width, finite.max() + width, width)
    counts, edges = np.histogram(finite, bins=edges)
    return [
        {"from": round(float(a), 4), "to": round(float(b), 4), "count": int(c)}
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=False)
    ]


# --- ground truth -------------------------------------------------------------------------------


def reviewer_truth():
    """{detection id: deer id} from review-queue decisions (accepted / new individual)."""
    decided = ReviewItem.objects.filter(
        status__in=[ReviewItem.Status.ACCEPTED, ReviewItem.Status.NEW_INDIVIDUAL]
    ).values_list("member_ids", "detection_id")
    member_ids = set()
    for members, detection_id in decided:
        member_ids.update(members or [str(detection_id)])
    found = Detection.objects.filter(id__in=list(member_ids), deer__isnull=False).values_list("id", "deer_id")
    return {str(pk): str(deer_id) for pk, deer_id in found}


def labels_for(source):
    """({detection id as str: individual}, source used) or (None, None)."""
    if source in ("auto", "file"):
        try:
            truth = file_truth()
        except GroundTruthError as exc:
            raise AnalysisError(str(exc)) from None
        if truth is not None:
            return truth, "file"
        if source == "file":
            raise AnalysisError(f"No ground truth file at {settings.GROUND_TRUTH_PATH}.")
    if source in ("auto", "reviewed"):
        truth = reviewer_truth()
        if truth:
            return truth, "reviewed"
    return None, None


FINE_GRID = frozenset(thresholds(step=0.01))
MIN_REVIEWED_INDIVIDUALS = 3
REVIEWED_NOTE = (
    "Labels from review-queue decisions cover only the attempts matching found ambiguous, so recall and F1 on "
    "them say little about the whole herd: the recommendation is the lowest threshold from which precision on "
    f"them stays at or above {PRECISION_TARGET}, plus 0.02. To measure F1, label a random sample of whole "
    "individuals (the ground truth CSV)."
)


def replay_thresholds(table):
    """The 0.01 grid 0.30..0.95 the recommendation is chosen on, plus the table's thresholds."""
    return sorted(set(thresholds(step=0.01)) | {row["threshold"] for row in table})


def analyse(run=None, step=0.05, ground_truth="auto"):
    run = run or default_run()
    if run is None:
        raise AnalysisError(
            "No similarity scores have been logged yet: run a backfill (manage.py reid_backfill) first."
        )
    scores_logged = SimilarityScore.objects.filter(run=run).count()
    if not scores_logged:
        raise AnalysisError(
            f"The {run.kind} run {run.id} has no logged scores left (their profiles were deleted, for example by "
            "reid_match --reset): run a backfill (manage.py reid_backfill) again."
        )
    attempts = load_attempts(run)
    best, second, classes = attempts["best"], attempts["second"], attempts["classes"]
    n = len(best)
    known_sex = classes != "unknown"
    margin = best - second
    labels, source = labels_for(ground_truth)
    rows = []
    for t in thresholds(step=step):
        linked = best >= t
        rows.append(
            {
                "threshold": t,
                "assigned": int(linked.sum()),
                "assignment_rate": round(float(linked.mean()), 4) if n else 0.0,
                "new_profiles": int(np.sum(~linked & known_sex)),
                "near_misses": int(np.sum((best >= t - NEAR_MISS) & ~linked)),
                "median_margin_assigned": _round(np.nanmedian(margin[linked]))
                if np.any(linked & np.isfinite(margin))
                else None,
                "by_sex": {
                    sex: {"attempts": int(np.sum(classes == sex)), "assigned": int(np.sum(linked & (classes == sex)))}
                    for sex in SEXES
                    if np.any(classes == sex)
                },
            }
        )
    result = {
        "run": {
            "id": str(run.id),
            "kind": run.kind,
            "threshold": run.threshold,
            "completed_at": run.completed_at.isoformat() if run.completed_at else None,
        },
        "attempts": n,
        "scores_logged": scores_logged,
        "histogram": score_histogram(run),
        "best_histogram": best_histogram(best),
        "margin": _summary(margin),
        "best_score": _summary(best),
        "per_sex": {
            sex: {
                "attempts": int(np.sum(classes == sex)),
                "best_score": _summary(best[classes == sex]),
                "margin": _summary(margin[classes == sex]),
            }
            for sex in SEXES
            if np.any(classes == sex)
        },
        "thresholds": rows,
        "ground_truth": source,
        "labelled_attempts": sum(1 for pk in attempts["ids"] if str(pk) in labels) if source else 0,
        "replay": None,
        "recommended_threshold": None,
        "recommended": None,
    }
    result["calibration"] = calibration_summary()
    result["recommended_probability"] = probability_recommendation()
    data = ReplaySet(labels) if source else None
    if data is not None and source == "reviewed":
        add_constraint_scores(data, rows)
    if data is None or data.labelled < 2:
        result["recommendation_note"] = (
            "A recommended threshold needs ground truth: decisions in the review queue, or the ground truth CSV "
            f"at {settings.GROUND_TRUTH_PATH}."
        )
        return result
    curve = replay_curve(data, replay_thresholds(rows))
    for row in rows:
        row.update(curve[row["threshold"]])
    fine = {t: figures for t, figures in curve.items() if t in FINE_GRID}
    result["replay"] = {
        **data.describe(),
        "review_threshold": nominal_thresholds()[1],
        "curve": [{"threshold": t, **curve[t]} for t in sorted(curve)],
    }
    if source != "reviewed":
        top = recommend(fine)
    elif data.individuals < MIN_REVIEWED_INDIVIDUALS:
        result["replay"]["note"] = REVIEWED_NOTE
        result["recommendation_note"] = (
            f"Review decisions label {data.individuals} individual(s): a merge shows only between labelled "
            f"individuals, so a recommendation needs decisions on at least {MIN_REVIEWED_INDIVIDUALS}."
        )
        return result
    else:
        result["replay"]["note"] = REVIEWED_NOTE
        top = recommend_for_precision(fine)
    if top is None:
        result["recommendation_note"] = (
            f"Precision on the reviewed labels stays below {PRECISION_TARGET} at every threshold up to 0.95."
        )
        return result
    result["recommended_threshold"] = top["threshold"]
    result["recommended"] = {**top, "p_same_at_threshold": p_same_at(top["threshold"])}
    return result


CONSERVATIVE_NOTE = (
    "Too little evidence to calibrate embedding model '{model}' ({same} same / {different} different pairs): "
    "matching is conservative, every attempt goes to the review queue and no profile is created or linked "
    "automatically. Review decisions and more images (bursts, groups) add evidence; the calibration is refitted "
    "in the background."
)


def calibration_summary():
    """Each embedding model's calibration: evidence, prior, score thresholds, and a note when matching
    is conservative for lack of evidence."""
    found = []
    for c in ReidCalibration.objects.order_by("embedding_model"):
        entry = {
            "embedding_model": c.embedding_model,
            "enough_evidence": c.enough_evidence,
            "review_probability": settings.REID_REVIEW_PROBABILITY,
            "link_threshold": c.link_threshold,
            "review_threshold": c.review_threshold,
            "prior": round(c.prior, 4),
            "evidence": c.counts,
            "fitted_at": c.fitted_at.isoformat() if c.fitted_at else None,
        }
        if not c.enough_evidence:
            entry["note"] = CONSERVATIVE_NOTE.format(
                model=c.embedding_model, same=c.counts.get("same", 0), different=c.counts.get("different", 0)
            )
        found.append(entry)
    return found


def probability_recommendation():
    """The operating point each calibrated embedding model recommends, in probability terms
    (reid.calibration.operating_point): link at the score of the highest expected pairwise F1 under
    the calibrated P(same individual); review from where the expected precision falls below
    REID_REVIEW_PROBABILITY of the link's. Each with its score threshold, the calibrated P(same) of a
    pair of detections at that score, and the expected figures at the link. Below the link threshold
    an attempt starts a profile; a fragment that stays small is folded into its nearest profile
    provisionally and queued for review (reid.fold)."""
    found = []
    for c in ReidCalibration.objects.filter(enough_evidence=True).order_by("embedding_model"):
        found.append(
            {
                "embedding_model": c.embedding_model,
                "link": {
                    "rule": "highest expected pairwise F1 under the calibrated P(same individual)",
                    "score_threshold": c.link_threshold,
                    "p_same_at_score": _p(c, c.link_threshold),
                },
                "review": {
                    "probability": settings.REID_REVIEW_PROBABILITY,
                    "score_threshold": c.review_threshold,
                    "p_same_at_score": _p(c, c.review_threshold),
                },
                "expected_at_link": (c.curve or {}).get(f"{c.link_threshold:.2f}"),
                "fragments": {"below_sightings": FOLD_BELOW, "settled_days": FOLD_SETTLED_DAYS},
            }
        )
    return found


def _p(calibration, score):
    value = calibration.probability(score) if score is not None else None
    return None if value is None else round(float(value), 4)


def p_same_at(threshold):
    """{embedding model: calibrated P(same individual) of a detection pair at score `threshold`}."""
    return {
        c.embedding_model: _p(c, threshold)
        for c in ReidCalibration.objects.filter(enough_evidence=True).order_by("embedding_model")
    }


def add_constraint_scores(data, rows):
    """Reviewer decisions scored as pairwise constraints (accept = same as that profile, reject /
    new individual = different): per threshold row, `pairs_precision` (constraint pairs put in
    one profile that are "same") and `pairs_recall` ("same" pairs put in one profile), from the
    replay at that threshold — the pairs, not deer ids, so two profiles of one animal are not
    counted as two individuals."""
    members = {}
    for pk, deer_id in (
        Detection.objects.filter(id__in=[r.id for r in data.rows]).exclude(deer=None).values_list("id", "deer_id")
    ):
        if str(pk) in data.position:
            members.setdefault(str(deer_id), []).append(data.position[str(pk)])
    pairs = reviewer_pairs(data.position, lambda deer_id: members.get(str(deer_id), [])[:5])
    if not len(pairs):
        return
    for row in rows:
        row.update(constraint_scores(replay_once(data, row["threshold"]), pairs))


def _round(value):
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _summary(values):
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return {
        "count": int(len(values)),
        "mean": _round(values.mean()),
        "p10": _round(p10),
        "median": _round(p50),
        "p90": _round(p90),
        "min": _round(values.min()),
        "max": _round(values.max()),
    }
