"""Free pairwise evidence: what camera-trap data says about pairs of detections without any label.

- two boxes in one image are two individuals (`image`, different);
- the detections of one burst track are one individual (`burst`, same);
- a buck and a doe are different individuals (`sex`, different);
- two sightings at locations too far apart for the time between them, at REID_MAX_SPEED_KMH
  (haversine distance between the locations' coordinates), are different individuals (`travel`).

Everything works on arrays of row indices into a list of BurstRows (reid.bursts) of one embedding
model; pairs are sampled so the evidence stays bounded on large data (MAX_PAIRS per kind).
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from reid.bursts import group_bursts

SAME, DIFFERENT = 1, 0
KINDS = ("burst", "image", "sex", "travel")
MAX_PAIRS = 20_000  # per kind
TRAVEL_WINDOW = 64  # each sighting is compared with the next TRAVEL_WINDOW sightings in time
EARTH_RADIUS_KM = 6371.0088


@dataclass
class Pairs:
    """Pairs of row indices (i, j) with their label (SAME or DIFFERENT) and kind."""

    i: np.ndarray
    j: np.ndarray
    label: np.ndarray
    kind: np.ndarray  # index into KINDS or a name of reviewer/ground-truth evidence

    @classmethod
    def empty(cls):
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, np.zeros(0, dtype=object))

    @classmethod
    def of(cls, i, j, label, kind):
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        return cls(i, j, np.full(len(i), label, dtype=np.int64), np.full(len(i), kind, dtype=object))

    def __len__(self):
        return len(self.i)

    def __add__(self, other):
        return Pairs(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in ("i", "j", "label", "kind")))

    def counts(self):
        kinds, n = np.unique(self.kind.astype(str), return_counts=True) if len(self) else ([], [])
        return {str(k): int(c) for k, c in zip(kinds, n, strict=True)}

    def scores(self, embeddings):
        """Cosine similarity of each pair (embeddings are L2-normalised rows)."""
        return np.einsum("ij,ij->i", embeddings[self.i], embeddings[self.j])


def _sample(i, j, rng, limit=MAX_PAIRS):
    if len(i) > limit:
        keep = rng.choice(len(i), size=limit, replace=False)
        i, j = i[keep], j[keep]
    return i, j


def _within_groups(groups, rng):
    """All pairs inside each group (lists of row indices), sampled to MAX_PAIRS."""
    left, right = [], []
    for members in groups:
        if len(members) > 1:
            a, b = np.triu_indices(len(members), 1)
            members = np.asarray(members)
            left.append(members[a])
            right.append(members[b])
    if not left:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _sample(np.concatenate(left), np.concatenate(right), rng)


def burst_pairs(rows, rng):
    """SAME: detections of one burst track (reid.bursts.group_bursts)."""
    position = {id(r): n for n, r in enumerate(rows)}
    tracks = group_bursts(rows, settings.REID_BURST_SECONDS)
    return Pairs.of(*_within_groups([[position[id(r)] for r in t] for t in tracks], rng), SAME, "burst")


def image_pairs(rows, rng):
    """DIFFERENT: two boxes of one image."""
    by_image = defaultdict(list)
    for n, r in enumerate(rows):
        by_image[r.image_id].append(n)
    return Pairs.of(*_within_groups(by_image.values(), rng), DIFFERENT, "image")


def sex_pairs(rows, rng):
    """DIFFERENT: a buck and a doe (sampled at random)."""
    cls = np.array([r.cls for r in rows])
    bucks, does = np.flatnonzero(cls == "buck"), np.flatnonzero(cls == "doe")
    if not len(bucks) or not len(does):
        return Pairs.empty()
    n = min(MAX_PAIRS, len(bucks) * len(does))
    return Pairs.of(rng.choice(bucks, n), rng.choice(does, n), DIFFERENT, "sex")


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_pairs(rows, coordinates, rng, max_speed_kmh=None):
    """DIFFERENT: two sightings whose locations are farther apart than an animal can go at
    `max_speed_kmh` (REID_MAX_SPEED_KMH) in the time between them. coordinates: {location id:
    (latitude, longitude)}; locations without coordinates give no evidence. Each sighting is
    compared with the next TRAVEL_WINDOW in time (only close-in-time pairs can be too far apart)."""
    speed = settings.REID_MAX_SPEED_KMH if max_speed_kmh is None else max_speed_kmh
    order = np.argsort(np.array([r.taken_at.timestamp() for r in rows]), kind="stable")
    seconds = np.array([rows[n].taken_at.timestamp() for n in order])
    lat = np.array([coordinates.get(rows[n].location_id, (np.nan, np.nan))[0] for n in order], dtype=np.float64)
    lon = np.array([coordinates.get(rows[n].location_id, (np.nan, np.nan))[1] for n in order], dtype=np.float64)
    left, right = [], []
    for step in range(1, min(TRAVEL_WINDOW, len(order))):
        a, b = np.arange(len(order) - step), np.arange(step, len(order))
        km = haversine_km(lat[a], lon[a], lat[b], lon[b])
        hours = (seconds[b] - seconds[a]) / 3600.0
        far = np.isfinite(km) & (km > speed * hours) & (km > 0)
        left.append(order[a[far]])
        right.append(order[b[far]])
    if not left:
        return Pairs.empty()
    return Pairs.of(*_sample(np.concatenate(left), np.concatenate(right), rng), DIFFERENT, "travel")


def travel_note(km, seconds):
    """'seen 14 km away 20 min earlier' for a sighting `seconds` before (negative: after)."""
    minutes = abs(seconds) / 60.0
    when = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    distance = f"{km:.1f} km" if km < 10 else f"{km:.0f} km"
    return f"seen {distance} away {when} {'earlier' if seconds >= 0 else 'later'}"


def free_pairs(rows, coordinates, seed=0):
    """Every kind of free evidence for `rows` (BurstRows of one embedding model)."""
    rng = np.random.default_rng(seed)
    return burst_pairs(rows, rng) + image_pairs(rows, rng) + sex_pairs(rows, rng) + travel_pairs(rows, coordinates, rng)
