"""Synthetic individuals for re-ID tests: latent unit vectors plus noise."""
from datetime import datetime, timedelta, timezone

import numpy as np

from tests import factories

T0 = datetime(2024, 10, 1, 6, 0, tzinfo=timezone.utc)


def latent(seed, dim=64):
    return factories.unit_vector(dim, seed)


def noisy(vector, rng, noise=0.3):
    v = vector + rng.normal(size=len(vector)) * noise / np.sqrt(len(vector))
    return (v / np.linalg.norm(v)).astype(np.float32)


def sighting(loc, when, vector, classification="doe", write_file=False, **fields):
    """One image with one detection carrying `vector` (write_file: a real JPEG on disk)."""
    img = factories.image(loc=loc, taken_at=when, write_file=write_file)
    return factories.detection(img, classification=classification, embedding=vector, **fields)


def hours(n):
    return T0 + timedelta(hours=n)
