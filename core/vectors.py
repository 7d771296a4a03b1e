"""L2 normalisation of embeddings: one implementation for ingest, profiles, matching and backfill."""

import numpy as np

ZERO_VECTOR = "An embedding of all zeros cannot be compared."


class ZeroVectorError(ValueError):
    """A vector of all zeros has no direction: it cannot be normalised or compared."""


def l2_normalise(vectors, keep_zeros=False, dtype=np.float32):
    """`vectors` (one vector or rows of them) scaled to unit length along the last axis, computed in
    and returned as `dtype` (float32: what is stored and compared).

    A vector of all zeros raises ZeroVectorError, or stays zero with keep_zeros=True.
    """
    array = np.asarray(vectors, dtype=dtype)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    if np.any(norms == 0):
        if not keep_zeros:
            raise ZeroVectorError(ZERO_VECTOR)
        norms = np.where(norms == 0, 1, norms).astype(dtype)
    return array / norms
