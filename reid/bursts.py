"""Burst grouping: detections at one location, of one effective class, taken within
REID_BURST_SECONDS of each other belong to one burst and get the same deer.

Several animals of one class can stand in the same frames (a group of does), so a burst is split
into tracks by bounding-box position and size, frame after frame, so that two animals seen at the same
moment are never merged into one deer.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass
class BurstRow:
    id: object
    location_id: object
    cls: str
    taken_at: datetime
    image_id: object
    bbox: tuple
    confidence: float
    deer_id: object = None
    embedding: object = None  # numpy vector, or None
    model: str | None = None

    @property
    def center(self):
        x, y, w, h = self.bbox
        return (x + w / 2.0, y + h / 2.0)


def group_bursts(rows, seconds):
    """Split rows into tracks: lists of rows that are one animal. Every row is in exactly one.
    Tracks come in time order (of their first detection), the order they are matched in."""
    ordered = sorted(rows, key=lambda r: (str(r.location_id), r.cls, r.taken_at, str(r.id)))
    tracks, chain = [], []
    for row in ordered:
        if chain and (
            row.location_id != chain[-1].location_id
            or row.cls != chain[-1].cls
            or (row.taken_at - chain[-1].taken_at).total_seconds() > seconds
        ):
            tracks.extend(split_tracks(chain))
            chain = []
        chain.append(row)
    if chain:
        tracks.extend(split_tracks(chain))
    return sorted(tracks, key=lambda track: min((r.taken_at, str(r.id)) for r in track))


def box_distance(a, b):
    """Distance between two boxes in (centre x, centre y, width, height) space: an animal's box
    moves between frames but keeps its size."""
    (ax, ay), (bx, by) = a.center, b.center
    return ((ax - bx) ** 2 + (ay - by) ** 2 + (a.bbox[2] - b.bbox[2]) ** 2 + (a.bbox[3] - b.bbox[3]) ** 2) ** 0.5


def split_tracks(chain):
    """One track per animal: frame after frame, each detection continues the track whose latest
    box is nearest (greedy, nearest pairs first), if within the size of that box; detections of
    one image are always different animals."""
    frames = {}
    for row in chain:
        frames.setdefault(row.image_id, []).append(row)
    tracks = []
    for members in sorted(frames.values(), key=lambda m: m[0].taken_at):
        pairs = []
        for t, track in enumerate(tracks):
            last = track[-1]
            reach = max(last.bbox[2], last.bbox[3])
            for d, row in enumerate(members):
                distance = box_distance(row, last)
                if distance <= reach:
                    pairs.append((distance, t, d))
        used_tracks, placed = set(), set()
        for _, t, d in sorted(pairs):
            if t in used_tracks or d in placed:
                continue
            tracks[t].append(members[d])
            used_tracks.add(t)
            placed.add(d)
        for d, row in enumerate(members):
            if d not in placed:
                tracks.append([row])
    return tracks
