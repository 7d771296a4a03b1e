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


# The "hard" embedding flavour (`seed_demo --embeddings hard`): another model's score scale and
# structure, for checking that re-ID calibrates itself on data its defaults were not tuned for.
# Same individual ~0.45-0.70 cosine, different individuals ~0.25-0.45; families (siblings look
# alike), a per-camera bias (light, background), bucks' antlers drifting with the season, and
# noisier embeddings for low-confidence detections.
HARD_MODEL = "demo-reid-hard-v1"
HARD_FAMILY_SIZE = 3
HARD_SHARED, HARD_FAMILY, HARD_OWN = 0.74, 0.42, 0.52  # latent = normalise(shared + family + own), by weight
HARD_CAMERA_BIAS = 0.30
HARD_ANTLER_DRIFT = 0.45
HARD_NOISE = 0.82
# antler size by month (0 = shed, 1 = full): regrowth from April, hard antler Sep-Dec, shed Jan-Mar
ANTLER_BY_MONTH = np.array([0.6, 0.2, 0.0, 0.1, 0.3, 0.55, 0.8, 0.95, 1.0, 1.0, 1.0, 0.9])


@dataclass
class HardFlavour:
    """The hidden vectors of the hard flavour: family, camera and antler directions."""

    rng: np.random.Generator
    shared: np.ndarray
    families: dict
    cameras: dict
    antlers: dict

    @classmethod
    def create(cls, seed, individuals, site_names):
        rng = np.random.default_rng([seed, 11])

        def random_unit():
            return unit(rng.normal(size=EMBEDDING_DIM))

        shared = random_unit()
        families, antlers = {}, {}
        for position, individual in enumerate(individuals):
            family = position // HARD_FAMILY_SIZE
            families.setdefault(family, random_unit())
            own = random_unit()
            individual.latent = unit(HARD_SHARED * shared + HARD_FAMILY * families[family] + HARD_OWN * own).astype(
                np.float32
            )
            antlers[individual.key] = random_unit()
        cameras = {name: random_unit() for name in site_names}
        return cls(rng, shared, families, cameras, antlers)

    def embedding(self, individual, site, month, confidence):
        vector = individual.latent + HARD_CAMERA_BIAS * self.cameras[site]
        if individual.sex == "buck":
            vector = vector + HARD_ANTLER_DRIFT * ANTLER_BY_MONTH[month - 1] * self.antlers[individual.key]
        scale = HARD_NOISE * self.rng.lognormal(0.0, 0.25) * (1.0 + 2.0 * max(0.0, 0.8 - confidence))
        noise = self.rng.normal(size=EMBEDDING_DIM) * (scale / np.sqrt(EMBEDDING_DIM))
        return unit(unit(vector) + noise).astype(np.float32)
