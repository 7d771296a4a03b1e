"""Synthetic individuals for re-ID tests: latent unit vectors plus noise."""

import csv
import itertools
from datetime import UTC, datetime, timedelta

import numpy as np

from tests import factories

T0 = datetime(2024, 10, 1, 6, 0, tzinfo=UTC)


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


DIM = 16


def basis(i, dim=DIM):
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


def write_truth(settings, rows):
    with open(settings.GROUND_TRUTH_PATH, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["detection_id", "individual_id"])
        writer.writerows((det.id, label) for det, label in rows)


def brute_force(clusters, labels):
    """Pairwise P/R/F1 by looking at every pair: clusters[i] (None = unassigned), labels[i]."""
    same_cluster = same_label = both = 0
    for i, j in itertools.combinations(range(len(labels)), 2):
        c = clusters[i] is not None and clusters[i] == clusters[j]
        t = labels[i] == labels[j]
        same_cluster += c
        same_label += t
        both += c and t
    p = both / same_cluster if same_cluster else 1.0
    r = both / same_label if same_label else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def by_hand(dets, labels, groups):
    """Expected figures for clusters given as lists of sighting positions (the rest unassigned)."""
    cluster = [None] * len(dets)
    for number, members in enumerate(groups):
        for i in members:
            cluster[i] = number
    return brute_force(cluster, labels)
