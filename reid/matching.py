"""Vectorised re-identification scoring, free of the database.

A batch of matching attempts (one per burst track) is scored against the centroids of every
profile in one matrix product; the decisions are then taken in time order, so a profile created
or updated by an earlier attempt of the batch is seen, with its new centroid, by the later ones:
their current scores come from the attempts' Gram matrix (see _SubBatch), never from a Python
loop over profiles or a matrix-vector product per attempt.
"""
from dataclasses import dataclass

import numpy as np

SEXES = ("buck", "doe", "fawn", "unknown")
SEX_CODE = {name: code for code, name in enumerate(SEXES)}
UNKNOWN = SEX_CODE["unknown"]

LINK, REVIEW, CREATE, UNMATCHED = "link", "review", "create", "unmatched"
_SPARE = 16  # extra stale candidates kept per row, so changed profiles rarely force a full re-sort
SUB_BATCH = 256  # attempts decided per pair of matrix products


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

    Stored as one table: a row per profile, the centroid followed by a one-hot of the profile's
    sex, so that a single matrix product scores attempts and masks the other sexes at once (see
    attempt_table). Columns are appended by `add` and changed by `absorb` or a batch.
    """

    def __init__(self, dim, keys=(), sexes=(), centroids=None, counts=()):
        self.dim = int(dim)
        n = len(keys)
        capacity = max(64, 2 * n)
        self.keys = list(keys)
        self._table = np.zeros((capacity, self.dim + _EXTRA), dtype=np.float32)
        self._sexes = np.zeros(capacity, dtype=np.int8)
        self._counts = np.zeros(capacity, dtype=np.float64)
        if n:
            centroids = np.asarray(centroids, dtype=np.float32).reshape(n, -1)
            check_dimension(centroids.shape[1], self.dim, "A profile centroid")
            self._table[:n, : self.dim] = normalise_rows(centroids)
            self._sexes[:n] = [SEX_CODE[s] for s in sexes]
            self._table[np.arange(n), self.dim + self._sexes[:n].astype(np.int64)] = 1.0
            self._counts[:n] = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
        self.size = n

    @property
    def _centroids(self):
        return self._table[:, : self.dim]

    @property
    def centroids(self):
        return self._table[: self.size, : self.dim]

    @property
    def sexes(self):
        return self._sexes[: self.size]

    def count(self, col):
        return self._counts[col]

    def _grow(self):
        capacity = 2 * len(self._table)
        for name in ("_table", "_sexes", "_counts"):
            old = getattr(self, name)
            new = np.zeros((capacity,) + old.shape[1:], dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def add(self, key, sex, vector, weight=1):
        if self.size == len(self._table):
            self._grow()
        col = self.size
        self._table[col, : self.dim] = vector
        self._sexes[col] = SEX_CODE[sex]
        self._table[col, self.dim + SEX_CODE[sex]] = 1.0
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


_EXTRA = 8  # sex one-hot columns (4 used), a multiple of 8 keeps the matrix product on its fast path
_OTHER_SEX = 4.0  # subtracted from the score of a profile of another sex (scores are >= -1)
NO_CANDIDATE = -2.0  # scores at or below this are not candidates


def attempt_table(embeddings, codes):
    """Attempts as rows [embedding, -4 * (1 - one-hot of the sex)]; all zeros for `unknown`.
    Its product with the profile table is the cosine for allowed pairs and below -2 otherwise."""
    penalty = np.full((len(codes), _EXTRA), -_OTHER_SEX, dtype=np.float32)
    penalty[:, len(SEXES):] = 0.0
    penalty[np.arange(len(codes)), codes] = 0.0
    penalty[codes == UNKNOWN] = 0.0
    return np.hstack([embeddings, penalty])


@dataclass
class Decision:
    kind: str  # link | review | create | unmatched
    col: int | None  # the profile linked or created
    score: float | None  # best allowed score, None without candidates
    top_cols: np.ndarray
    top_scores: np.ndarray


def match_batch(index, embeddings, sexes, threshold, review_threshold, auto_create=True, top_k=10,
                rejected=None, new_key=None, weights=None, sub_batch=SUB_BATCH):
    """Decide every attempt of a batch, in order, updating `index` as it goes.

    embeddings: (B, dim) float32 (L2-normalised here); sexes: B names (buck/doe/fawn/unknown);
    rejected: {row: iterable of profile columns never to offer}; new_key(): key of a new profile;
    weights: detections behind each attempt (a burst track counts once per detection in a centroid).
    Returns one Decision per row.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2:
        raise EmbeddingError("Embeddings must be a 2-dimensional array (attempts x dimensions).")
    check_dimension(embeddings.shape[1], index.dim, "A detection")
    embeddings = normalise_rows(embeddings)
    codes = np.array([SEX_CODE[s] for s in sexes], dtype=np.int8)
    weights = np.ones(len(embeddings)) if weights is None else np.asarray(weights, dtype=np.float64)
    rejected = rejected or {}
    review_threshold = min(review_threshold, threshold)
    decisions = []
    for start in range(0, len(embeddings), sub_batch):
        stop = min(start + sub_batch, len(embeddings))
        local_rejected = {row - start: cols for row, cols in rejected.items() if start <= row < stop}
        decisions += _SubBatch(index, embeddings[start:stop], codes[start:stop], weights[start:stop], top_k,
                               local_rejected).decide(threshold, review_threshold, auto_create, new_key)
    return decisions


def top_columns(scores, keep, block=64):
    """Per row, the columns of the `keep` highest scores (unordered), for a (rows, n) matrix.

    With many columns, first the `keep` blocks of `block` columns with the highest maxima: they
    hold every one of the row's top `keep` scores (a block without any has a lower maximum), so
    the exact selection runs over keep * block columns instead of all n.
    """
    rows, n = scores.shape
    if keep >= n:
        return np.broadcast_to(np.arange(n), (rows, n))
    if n < 2 * keep * block:
        return np.argpartition(scores, n - keep, axis=1)[:, n - keep:]
    maxima = np.maximum.reduceat(scores, np.arange(0, n, block), axis=1)  # the last block may be shorter
    blocks = np.argpartition(maxima, maxima.shape[1] - keep, axis=1)[:, -keep:]
    columns = (blocks[:, :, None] * block + np.arange(block)).reshape(rows, -1)
    beyond = columns >= n  # past the end of the last, shorter block
    columns[beyond] = n - 1
    candidates = np.take_along_axis(scores, columns, axis=1)
    candidates[beyond] = -np.inf
    best = np.argpartition(candidates, candidates.shape[1] - keep, axis=1)[:, -keep:]
    return np.take_along_axis(columns, best, axis=1)


class _SubBatch:
    """Exact sequential decisions for a few hundred attempts with two matrix products.

    S = E @ C0.T holds the scores against the centroids as they were at the start; G = E @ E.T the
    attempts' scores against each other. A profile changed inside the sub-batch has the
    unnormalised centroid u = s * (a * c0 + sum of beta_r * x_r) over the attempts x_r it absorbed,
    so its current score for attempt i is s * (a * S[i, j] + sum beta_r * G[i, r]) / |u|: a
    gather and a bincount over the attempts absorbed so far, no matrix-vector product per attempt.
    The changed centroids are written back once, at the end.
    """

    def __init__(self, index, embeddings, codes, weights, top_k, rejected):
        self.index, self.embeddings, self.codes, self.weights = index, embeddings, codes, weights
        self.top_k, self.rejected = top_k, rejected
        self.n0 = n0 = index.size
        # scores of allowed pairs, and <= NO_CANDIDATE for profiles of another sex: one product
        self.masked = attempt_table(embeddings, codes) @ index._table[:n0].T
        self.gram = embeddings @ embeddings.T
        for row, cols in rejected.items():
            cols = [c for c in cols if c < n0]
            if cols:
                self.masked[row, cols] = -np.inf
        self.keep = min(n0, top_k + _SPARE)
        self.part = top_columns(self.masked, self.keep)
        size = len(embeddings)
        # changed profiles ("slots"): column, coefficient on the old centroid, scale, |u|^2, and for
        # every attempt the bracket (a * S[i, col] + sum beta_r * G[i, r]), kept up to date
        self.numer = np.zeros((size, size), order="F")  # column-major: slots are updated a column at a time
        self.slot_sex = np.zeros(size, dtype=np.int8)
        self.slot_col = np.zeros(size, dtype=np.int64)
        self.slot_a = np.zeros(size)
        self.slot_s = np.ones(size)
        self.slot_norm2 = np.ones(size)
        self.slot_of = {}
        self.changed = np.zeros(n0, dtype=bool)
        self.n_changed = 0
        # absorbed attempts: row, slot, beta
        self.abs_row = np.zeros(size, dtype=np.int64)
        self.abs_slot = np.zeros(size, dtype=np.int64)
        self.abs_beta = np.zeros(size)
        self.absorbed = 0

    def _new_slot(self, col, a):
        k = len(self.slot_of)
        self.slot_of[col] = k
        self.slot_col[k], self.slot_a[k], self.slot_s[k], self.slot_norm2[k] = col, a, 1.0, a * a
        self.slot_sex[k] = self.index._sexes[col]
        if col < self.n0:
            self.changed[col] = True
            self.n_changed += 1
            self.numer[:, k] = a * self.masked[:, col]  # other-sex rows are masked by slot_sex anyway
        return k

    def _fresh(self, row):
        """Current scores of `row` against the changed profiles: (columns, scores)."""
        m = len(self.slot_of)
        if not m:
            return self.slot_col[:0], self.slot_a[:0]
        scores = self.slot_s[:m] * self.numer[row, :m] / np.sqrt(self.slot_norm2[:m])
        code = self.codes[row]
        if code != UNKNOWN:
            scores[self.slot_sex[:m] != code] = -np.inf
        for c in self.rejected.get(row, ()):
            k = self.slot_of.get(c)
            if k is not None:
                scores[k] = -np.inf
        return self.slot_col[:m], scores

    def _stale(self, row):
        """Scores of `row` against unchanged profiles (exact: their centroids did not move)."""
        if not self.n0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        cols = self.part[row]
        unchanged = ~self.changed[cols]
        cols = cols[unchanged]
        n_unchanged = self.n0 - self.n_changed
        if len(cols) < min(self.top_k, n_unchanged):
            scores_row = np.where(self.changed, -np.inf, self.masked[row])
            cols = np.argpartition(scores_row, self.n0 - self.keep)[self.n0 - self.keep:]
            return cols, scores_row[cols]
        return cols, self.masked[row, cols]

    def _absorb(self, row, col, score):
        """Running mean, renormalised: u <- n * u / |u| + w * x."""
        w = self.weights[row]
        k = self.slot_of.get(col)
        if k is None:
            k = self._new_slot(col, 1.0)
        n = self.index._counts[col]
        self.slot_s[k] *= n / np.sqrt(self.slot_norm2[k])
        self.slot_norm2[k] = n * n + 2.0 * n * w * score + w * w
        self._record(row, k, w)
        self.index._counts[col] = n + w

    def _record(self, row, k, w):
        t = self.absorbed
        beta = w / self.slot_s[k]
        self.abs_row[t], self.abs_slot[t], self.abs_beta[t] = row, k, beta
        self.numer[row + 1:, k] += beta * self.gram[row, row + 1:]  # G is symmetric: read a row
        self.absorbed += 1

    def _create(self, row, key):
        w = self.weights[row]
        col = self.index.add(key, SEXES[self.codes[row]], self.embeddings[row], w)
        k = self._new_slot(col, 0.0)
        self.slot_norm2[k] = w * w
        self._record(row, k, w)
        return col

    def _write_back(self):
        m = len(self.slot_of)
        if not m:
            return
        cols = self.slot_col[:m]
        u = np.zeros((m, self.index.dim))
        old = cols < self.n0
        u[old] = self.slot_a[:m][old, None] * self.index._centroids[cols[old]]
        t = self.absorbed
        np.add.at(u, self.abs_slot[:t], self.abs_beta[:t, None] * self.embeddings[self.abs_row[:t]])
        u *= self.slot_s[:m, None]
        self.index._centroids[cols] = u / np.linalg.norm(u, axis=1, keepdims=True)

    def decide(self, threshold, review_threshold, auto_create, new_key):
        decisions = []
        for row in range(len(self.embeddings)):
            stale_cols, stale_scores = self._stale(row)
            fresh_cols, fresh_scores = self._fresh(row)
            cols = np.concatenate([stale_cols, fresh_cols])
            scores = np.concatenate([stale_scores, fresh_scores])
            order = np.argsort(-scores, kind="stable")[: self.top_k]
            top_cols, top_scores = cols[order], scores[order]
            finite = top_scores > NO_CANDIDATE
            top_cols, top_scores = top_cols[finite], top_scores[finite]
            best = float(top_scores[0]) if len(top_scores) else None
            code = self.codes[row]
            if best is not None and best >= threshold:
                col = int(top_cols[0])
                self._absorb(row, col, best)
                decisions.append(Decision(LINK, col, best, top_cols, top_scores))
            elif best is not None and best >= review_threshold:
                decisions.append(Decision(REVIEW, None, best, top_cols, top_scores))
            elif code == UNKNOWN:
                # an unknown-sex detection never creates a profile of a guessed sex
                decisions.append(Decision(UNMATCHED, None, best, top_cols, top_scores))
            elif auto_create:
                col = self._create(row, new_key() if new_key else None)
                decisions.append(Decision(CREATE, col, best, top_cols, top_scores))
            else:
                decisions.append(Decision(REVIEW, None, best, top_cols, top_scores))
        self._write_back()
        return decisions
