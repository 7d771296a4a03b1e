"""Vectorised re-identification scoring, free of the database.

A batch of matching attempts (one per burst track) is scored against the centroids of every
profile in one matrix product; the decisions are then taken in time order, so a profile created
or updated by an earlier attempt of the batch is seen, with its new centroid, by the later ones.
Only the profiles changed inside the batch are re-scored per attempt (a small matrix-vector
product), never a Python loop over profiles.
"""
from dataclasses import dataclass

import numpy as np

SEXES = ("buck", "doe", "fawn", "unknown")
SEX_CODE = {name: code for code, name in enumerate(SEXES)}
UNKNOWN = SEX_CODE["unknown"]

LINK, REVIEW, CREATE, UNMATCHED = "link", "review", "create", "unmatched"
_SPARE = 16  # extra stale candidates kept per row, so changed profiles rarely force a full re-score


class EmbeddingError(ValueError):
    """An embedding that cannot be compared: missing, wrong dimension, or all zeros."""


def normalise_rows(matrix):
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise EmbeddingError("An embedding of all zeros cannot be compared.")
    return matrix / norms


def check_dimension(vector_length, dim, what):
    if vector_length != dim:
        raise EmbeddingError(
            f"{what} has a {vector_length}-dimensional embedding, but the profiles of this embedding model "
            f"have {dim} dimensions. Embeddings of one model must share one dimension."
        )


class ProfileIndex:
    """The centroids, sexes and sighting counts of the profiles of one embedding model, in memory.

    Columns are appended by `add` (a new profile) and changed by `absorb` (a linked sighting).
    """

    def __init__(self, dim, keys=(), sexes=(), centroids=None, counts=()):
        self.dim = int(dim)
        n = len(keys)
        capacity = max(64, 2 * n)
        self.keys = list(keys)
        self._centroids = np.zeros((capacity, self.dim), dtype=np.float32)
        self._sexes = np.zeros(capacity, dtype=np.int8)
        self._counts = np.zeros(capacity, dtype=np.float64)
        if n:
            centroids = np.asarray(centroids, dtype=np.float32).reshape(n, -1)
            check_dimension(centroids.shape[1], self.dim, "A profile centroid")
            self._centroids[:n] = normalise_rows(centroids)
            self._sexes[:n] = [SEX_CODE[s] for s in sexes]
            self._counts[:n] = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
        self.size = n

    @property
    def centroids(self):
        return self._centroids[: self.size]

    @property
    def sexes(self):
        return self._sexes[: self.size]

    def count(self, col):
        return self._counts[col]

    def _grow(self):
        capacity = 2 * len(self._centroids)
        for name in ("_centroids", "_sexes", "_counts"):
            old = getattr(self, name)
            new = np.zeros((capacity,) + old.shape[1:], dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def add(self, key, sex, vector, weight=1):
        if self.size == len(self._centroids):
            self._grow()
        col = self.size
        self._centroids[col] = vector
        self._sexes[col] = SEX_CODE[sex]
        self._counts[col] = weight
        self.keys.append(key)
        self.size += 1
        return col

    def absorb(self, col, vector, weight=1):
        """Running mean, renormalised: c <- normalise(c * n + v * w); n <- n + w."""
        n = self._counts[col]
        merged = self._centroids[col] * n + vector * weight
        self._centroids[col] = merged / np.linalg.norm(merged)
        self._counts[col] = n + weight

    def allowed(self, sex_code, cols=None):
        """Which columns a detection of this sex may match: the same sex; `unknown` matches any."""
        sexes = self.sexes if cols is None else self._sexes[cols]
        if sex_code == UNKNOWN:
            return np.ones(len(sexes), dtype=bool)
        return sexes == sex_code


@dataclass
class Decision:
    kind: str  # link | review | create | unmatched
    col: int | None  # the profile linked or created
    score: float | None  # best allowed score, None without candidates
    top_cols: np.ndarray
    top_scores: np.ndarray


def score_batch(index, embeddings, sex_codes):
    """Cosine scores of every attempt against every profile, with other sexes set to -inf: one
    matrix product and one masked fill."""
    scores = embeddings @ index.centroids.T
    allowed = (sex_codes[:, None] == index.sexes[None, :]) | (sex_codes == UNKNOWN)[:, None]
    np.copyto(scores, -np.inf, where=~allowed)
    return scores


def match_batch(index, embeddings, sexes, threshold, review_threshold, auto_create=True, top_k=10,
                rejected=None, new_key=None, weights=None):
    """Decide every attempt of a batch, in order, updating `index` as it goes.

    embeddings: (B, dim) L2-normalised float32; sexes: B names (buck/doe/fawn/unknown);
    rejected: {row: iterable of profile columns never to offer}; new_key(): key of a new profile;
    weights: detections behind each attempt (a burst track counts once per detection in a centroid).
    Returns one Decision per row.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2:
        raise EmbeddingError("Embeddings must be a 2-dimensional array (attempts x dimensions).")
    check_dimension(embeddings.shape[1], index.dim, "A detection")
    embeddings = normalise_rows(embeddings)
    sex_codes = np.array([SEX_CODE[s] for s in sexes], dtype=np.int8)
    rejected = rejected or {}
    review_threshold = min(review_threshold, threshold)
    batch = len(embeddings)
    n0 = index.size
    keep = min(n0, top_k + _SPARE)
    if n0:
        stale = score_batch(index, embeddings, sex_codes)
        for row, cols in rejected.items():
            cols = [c for c in cols if c < n0]
            if cols:
                stale[row, cols] = -np.inf
        if keep < n0:
            part = np.argpartition(stale, n0 - keep, axis=1)[:, n0 - keep:]
        else:
            part = np.broadcast_to(np.arange(n0), (batch, n0))
        part_scores = np.take_along_axis(stale, part, axis=1)
    changed = np.zeros(n0, dtype=bool)  # old profiles changed inside this batch
    changed_cols = []  # changed old profiles + profiles created inside this batch, in order
    decisions = []
    for row in range(batch):
        vector = embeddings[row]
        code = int(sex_codes[row])
        if n0:
            cols, scores = part[row], part_scores[row]
            if changed_cols:
                fresh_keep = ~changed[cols]
                cols, scores = cols[fresh_keep], scores[fresh_keep]
                if len(cols) < min(top_k, n0 - int(changed.sum())) and keep < n0:
                    full = index.centroids[:n0] @ vector
                    full[~index.allowed(code, slice(0, n0))] = -np.inf
                    full[changed] = -np.inf
                    for c in rejected.get(row, ()):
                        if c < n0:
                            full[c] = -np.inf
                    cols = np.argpartition(full, n0 - keep)[n0 - keep:]
                    scores = full[cols]
        else:
            cols, scores = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if changed_cols:
            extra = np.fromiter(changed_cols, dtype=np.int64, count=len(changed_cols))
            extra_scores = index._centroids[extra] @ vector
            extra_scores[~index.allowed(code, extra)] = -np.inf
            for c in rejected.get(row, ()):
                extra_scores[extra == c] = -np.inf
            cols = np.concatenate([cols, extra])
            scores = np.concatenate([scores, extra_scores])
        order = np.argsort(-scores, kind="stable")[:top_k]
        top_cols, top_scores = cols[order], scores[order]
        finite = np.isfinite(top_scores)
        top_cols, top_scores = top_cols[finite], top_scores[finite]
        best = float(top_scores[0]) if len(top_scores) else None
        if best is not None and best >= threshold:
            col = int(top_cols[0])
            index.absorb(col, vector, 1 if weights is None else weights[row])
            if col < n0 and not changed[col]:
                changed[col] = True
                changed_cols.append(col)
            decisions.append(Decision(LINK, col, best, top_cols, top_scores))
        elif best is not None and best >= review_threshold:
            decisions.append(Decision(REVIEW, None, best, top_cols, top_scores))
        elif code == UNKNOWN:
            # an unknown-sex detection never creates a profile of a guessed sex
            decisions.append(Decision(UNMATCHED, None, best, top_cols, top_scores))
        elif auto_create:
            col = index.add(new_key() if new_key else None, SEXES[code], vector, 1 if weights is None else weights[row])
            changed_cols.append(col)
            decisions.append(Decision(CREATE, col, best, top_cols, top_scores))
        else:
            decisions.append(Decision(REVIEW, None, best, top_cols, top_scores))
    return decisions
