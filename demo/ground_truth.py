"""The re-ID ground truth of the demo ranch: about 50 individuals and their embeddings.

Each individual carries a latent unit vector (near its sex's mean); each of its detections gets the
embedding normalise(latent + noise), so re-identification has something real to find. The ground
truth (detection -> individual) is written as CSV to settings.GROUND_TRUTH_PATH, where
`reid.analysis` reads it.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

EMBEDDING_DIM = 512
EMBEDDING_MODEL = "demo-reid-v1"
# How far apart individuals of the same sex are: latent = normalise(sex_mean + LATENT_SPREAD * own).
LATENT_SPREAD = 0.84
# Size of the per-detection noise added to the latent vector (scaled per detection for pose/light).
EMBEDDING_NOISE = 0.64
INDIVIDUALS = {"buck": 15, "doe": 24, "fawn": 11}


@dataclass
class Individual:
    key: str
    sex: str
    home: list
    latent: np.ndarray


def unit(vector):
    return vector / np.linalg.norm(vector)


def make_individuals(rng, site_names):
    """The ground-truth individuals, each with two home sites out of `site_names` and a latent vector."""
    individuals = []
    for sex, count in INDIVIDUALS.items():
        sex_mean = unit(rng.normal(size=EMBEDDING_DIM))
        for index in range(count):
            own = unit(rng.normal(size=EMBEDDING_DIM))
            latent = unit(sex_mean + LATENT_SPREAD * own).astype(np.float32)
            home = list(rng.choice(site_names, size=2, replace=False))
            individuals.append(Individual(f"{sex[0].upper()}{index + 1:02d}", sex, home, latent))
    return individuals


def noisy_embedding(rng, latent):
    scale = EMBEDDING_NOISE * rng.lognormal(0.0, 0.35)
    noise = rng.normal(size=EMBEDDING_DIM) * (scale / np.sqrt(EMBEDDING_DIM))
    return unit(latent + noise).astype(np.float32)


def write_ground_truth(truth):
    path = Path(settings.GROUND_TRUTH_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["detection_id", "individual_id", "sex"])
        writer.writerows((str(det_id), key, sex) for det_id, key, sex in truth)
