"""L2 normalisation of embeddings: one implementation for ingest, profiles, matching and backfill."""

import numpy as np

ZERO_VECTOR = "An embedding of all zeros cannot be compared."
NOT_FINITE = (
    "The embedding holds NaN, infinite or too large values (its length overflows {dtype}); it cannot be normalised."
)


class VectorError(ValueError):
    """A vector that cannot be normalised or compared."""


class ZeroVectorError(VectorError):
    """A vector of all zeros has no direction: it cannot be normalised or compared."""


class NonFiniteVectorError(VectorError):
    """A vector holding NaN or infinity, or one whose length overflows the working precision."""


def l2_normalise(vectors, keep_zeros=False, dtype=np.float32):
    """`vectors` (one vector or rows of them) scaled to unit length along the last axis, computed in
    and returned as `dtype` (float32: what is stored and compared).

    A vector of all zeros raises ZeroVectorError, or stays zero with keep_zeros=True. A vector with
    NaN or infinite values, or too large to be held or measured in `dtype` (1e308 in float32), raises
    NonFiniteVectorError: it would be stored as NaN and poison every comparison.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        array = np.asarray(vectors, dtype=dtype)
        norms = np.linalg.norm(array, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norms)):
        raise NonFiniteVectorError(NOT_FINITE.format(dtype=np.dtype(dtype).name))
    if np.any(norms == 0):
        if not keep_zeros:
            raise ZeroVectorError(ZERO_VECTOR)
        norms = np.where(norms == 0, 1, norms).astype(dtype)
    return array / norms
