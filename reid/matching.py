"""Vectorised re-identification scoring, free of the database.

A batch of matching attempts (one per burst track) is scored against the centroids of every
profile in one matrix product; the decisions are then taken in time order, so a profile created
or updated by an earlier attempt of the batch is seen, with its new centroid, by the later ones:
their current scores come from the attempts' Gram matrix, never from a loop over profiles or a
matrix-vector product per attempt. numpy does the matrix products and the write-back of the
centroids; the in-order loop over the attempts is compiled (reid.decision_loop).
"""

from dataclasses import dataclass

import numpy as np

from core.vectors import VectorError, l2_normalise
from core.vocabulary import SEXES
from reid import decision_loop
from reid.runs import EmbeddingError

SEX_CODE = {name: code for code, name in enumerate(SEXES)}
UNKNOWN = SEX_CODE["unknown"]

LINK, REVIEW, CREATE, UNMATCHED = "link", "review", "create", "unmatched"
SUB_BATCH = 256  # attempts decided per pair of matrix products (the Gram matrix grows with its square)


def normalise_rows(matrix):
    """core.vectors.l2_normalise as float32, with an all-zero or non-finite row reported as an EmbeddingError."""
    try:
        return l2_normalise(matrix)
    except VectorError as error:
        raise EmbeddingError(str(error)) from None


def check_dimension(vector_length, dim, what):
    if vector_length != dim:
        raise EmbeddingError(
            f"{what} has a {vector_length}-dimensional embedding, but the profiles of this embedding model "
            f"have {dim} dimensions. Embeddings of one model must share one dimension."
        )


class ProfileIndex:
    """The centroids, sexes and sighting counts of the profiles of one embedding model, in memory.

    A row (column of the score matrix) per profile, in arrays with spare capacity: profiles are
    appended by `add` or a batch, and moved by `absorb` or a batch.
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

    def reserve(self, extra):
        """Room for `extra` more profiles in the arrays (the compiled loop writes new ones there)."""
        while self.size + extra > len(self._centroids):
            capacity = 2 * len(self._centroids)
            for name in ("_centroids", "_sexes", "_counts"):
                old = getattr(self, name)
                new = np.zeros((capacity,) + old.shape[1:], dtype=old.dtype)
                new[: self.size] = old[: self.size]
                setattr(self, name, new)

    def add(self, key, sex, vector, weight=1):
        self.reserve(1)
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
        self._centroids[col] = l2_normalise(merged, dtype=np.float64)  # n is float64: so is the mean
        self._counts[col] = n + weight


@dataclass
class Decision:
    kind: str  # link | review | create | unmatched
    col: int | None  # the profile linked or created
    score: float | None  # best allowed score, None without candidates
    top_cols: np.ndarray
    top_scores: np.ndarray


KINDS = (LINK, REVIEW, CREATE, UNMATCHED)  # indexed by decision_loop's codes


class Decisions:
    """The decisions of a batch as arrays (kind code, chosen column or -1, top-K per attempt);
    indexing or iterating gives one Decision per attempt."""

    def __init__(self, kind, col, top_cols, top_scores, n_top):
        self.kind, self.col, self.top_cols, self.top_scores, self.n_top = kind, col, top_cols, top_scores, n_top

    def __len__(self):
        return len(self.kind)

    def __getitem__(self, row):
        n = self.n_top[row]
        col = int(self.col[row])
        return Decision(
            KINDS[self.kind[row]],
            col if col >= 0 else None,
            float(self.top_scores[row, 0]) if n else None,
            self.top_cols[row, :n],
            self.top_scores[row, :n],
        )

    def __iter__(self):
        return (self[row] for row in range(len(self)))

    def kinds(self):
        return [KINDS[code] for code in self.kind]


def match_batch(
    index,
    embeddings,
    sexes,
    threshold,
    review_threshold,
    auto_create=True,
    top_k=10,
    rejected=None,
    new_key=None,
    weights=None,
    sub_batch=SUB_BATCH,
):
    """Decide every attempt of a batch, in order, updating `index` as it goes.

    embeddings: (B, dim) float32 (L2-normalised here); sexes: B names (buck/doe/fawn/unknown);
    rejected: {row: iterable of profile columns never to offer}; new_key(): key of a new profile;
    weights: detections behind each attempt (a burst track counts once per detection in a centroid).
    Returns Decisions (one Decision per row).
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
    top_k = max(1, top_k)  # the best candidate is needed for the decision
    size = len(embeddings)
    kind = np.zeros(size, dtype=np.int8)
    col = np.full(size, -1, dtype=np.int64)
    top_cols = np.zeros((size, top_k), dtype=np.int64)
    top_scores = np.zeros((size, top_k))
    n_top = np.zeros(size, dtype=np.int64)
    for start in range(0, size, sub_batch):
        part = slice(start, min(start + sub_batch, size))
        local_rejected = {row - start: cols for row, cols in rejected.items() if part.start <= row < part.stop}
        _decide_sub_batch(
            index,
            embeddings[part],
            codes[part],
            weights[part],
            local_rejected,
            threshold,
            review_threshold,
            auto_create,
            new_key,
            (kind[part], col[part], top_cols[part], top_scores[part], n_top[part]),
        )
    return Decisions(kind, col, top_cols, top_scores, n_top)


def _decide_sub_batch(
    index, embeddings, codes, weights, rejected, threshold, review_threshold, auto_create, new_key, out
):
    """One matrix product against every profile, one for the attempts' Gram matrix, then the
    compiled in-order loop (reid.decision_loop), which updates the index's arrays."""
    size, n0 = len(embeddings), index.size
    scores = embeddings @ index._centroids[:n0].T
    for row, cols in rejected.items():
        cols = [c for c in cols if c < n0]
        if cols:
            scores[row, cols] = -np.inf  # never a candidate
    gram = embeddings @ embeddings.T
    by_sex = np.argsort(index._sexes[:n0], kind="stable")
    sex_start = np.searchsorted(index._sexes[:n0][by_sex], np.arange(len(SEXES) + 1))
    index.reserve(size)
    created = decision_loop.decide(
        scores,
        gram,
        embeddings,
        codes,
        weights,
        index._centroids,
        index._sexes,
        by_sex,
        sex_start,
        index._counts,
        threshold,
        review_threshold,
        auto_create,
        UNKNOWN,
        *out,
    )
    index.keys += [new_key() if new_key else None for _ in range(created)]
    index.size += created
