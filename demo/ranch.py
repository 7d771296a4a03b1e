"""The demo ranch: a deterministic synthetic trail-camera data set.

`generate_ranch` writes real JPEG files (with EXIF DateTimeOriginal) and the rows behind them:
six camera sites, a year of visits with crepuscular daily activity, seasonal patterns with a rut
peak of buck activity in October and November, bursts of 2–5 images a few seconds apart,
bucks / does / fawns / unknown deer plus other species and false positives, and about 50
ground-truth individuals whose detections carry embeddings (see demo.ground_truth, which also
writes the ground truth CSV). Bulk benchmark data with the same patterns: demo.bulk.
"""

import functools
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from demo.deployments import create_deployments, visit_site
from demo.ground_truth import (
    EMBEDDING_MODEL,
    HARD_MODEL,
    INDIVIDUALS,
    HardFlavour,
    make_individuals,
    noisy_embedding,
    write_ground_truth,
)
from detections.models import Detection, DetectionCorrection, Image, Location

LOCATIONS = [
    # name, latitude, longitude, relative activity
    ("Hayfield", 29.803056, -97.309722, 1.4),
    ("270_Jason", 29.797222, -97.305000, 1.0),
    ("Sanctuary", 29.790556, -97.306944, 1.2),
    ("TinMan", 29.782778, -97.310000, 0.8),
    ("Camphouse", 29.800833, -97.305278, 0.6),
    ("Phils_Secret_Spot", 29.783333, -97.313333, 0.9),
]
OTHER_SPECIES = ["cattle", "pig", "raccoon", "coyote", "turkey", "human", "vehicle"]
IMAGE_SIZE = (960, 540)

# Hour-of-day weights: crepuscular peaks at dawn and dusk, some night activity, little at noon.
HOUR_WEIGHTS = np.array([3, 3, 2, 2, 3, 6, 10, 12, 8, 4, 2, 1.5, 1.5, 1.5, 2, 2.5, 4, 7, 11, 12, 9, 6, 4, 3], float)
# Month weights for deer visits, and the extra weight of bucks by month (rut peak Oct–Nov).
MONTH_WEIGHTS = np.array([0.9, 0.8, 0.9, 1.0, 1.0, 1.1, 1.0, 0.9, 1.1, 1.4, 1.5, 1.1], float)
BUCK_MONTH_FACTOR = np.array([1.3, 0.7, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 1.2, 3.0, 3.2, 1.6], float)
FAWN_MONTH_FACTOR = np.array([0.6, 0.4, 0.2, 0.0, 0.0, 0.5, 1.2, 1.4, 1.3, 1.1, 0.9, 0.8], float)


@dataclass
class RanchSummary:
    images: int = 0
    detections: int = 0
    by_class: dict = field(default_factory=dict)
    individuals: int = 0
    buck_by_month: dict = field(default_factory=dict)
    ground_truth_rows: int = 0
    start: date | None = None
    end: date | None = None


def seeded_uuid(rng):
    return uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63)), version=4)


@functools.cache
def info_strip_font():
    """The camera's info-strip font: Pillow's bitmap font, loaded once (a FreeType default font is
    loaded again for every new ImageDraw and renders several times slower)."""
    return ImageFont.load_default_imagefont()


def draw_picture(rng, local_dt, location_name, boxes):
    """A trail-camera-like JPEG: day colours or night infrared grey, animals as shaded ellipses,
    and the camera's info strip. Returns the JPEG bytes with EXIF DateTimeOriginal."""
    width, height = IMAGE_SIZE
    night = local_dt.hour < 6 or local_dt.hour >= 20
    picture = PILImage.new("RGB", IMAGE_SIZE)
    draw = ImageDraw.Draw(picture)
    sky = (150, 150, 150) if night else (150, 185, 215)
    ground = (95, 95, 95) if night else (110, 125, 70)
    draw.rectangle([0, 0, width, height * 0.45], fill=sky)
    draw.rectangle([0, height * 0.45, width, height], fill=ground)
    for _ in range(6):  # trees
        x = int(rng.integers(0, width))
        draw.rectangle(
            [x, int(height * 0.15), x + int(rng.integers(10, 30)), int(height * 0.6)],
            fill=(70, 60, 45) if not night else (60, 60, 60),
        )
    for (x, y, w, h), label in boxes:
        body = {"buck": (120, 80, 45), "doe": (150, 105, 65), "fawn": (170, 120, 70)}.get(label, (60, 50, 40))
        if night:
            grey = sum(body) // 3 + 60
            body = (grey, grey, grey)
        draw.ellipse([x, y + h * 0.25, x + w, y + h * 0.85], fill=body)
        draw.ellipse([x + w * 0.7, y, x + w, y + h * 0.4], fill=body)
    draw.rectangle([0, height - 24, width, height], fill=(0, 0, 0))
    draw.text(
        (8, height - 19),
        f"{location_name}  {local_dt:%Y-%m-%d %H:%M:%S}  {'IR' if night else ''}",
        fill=(255, 255, 255),
        font=info_strip_font(),
    )
    exif = PILImage.Exif()
    exif[0x0110] = "HerdbookCam DEMO"
    exif[0x8769] = {0x9003: local_dt.strftime("%Y:%m:%d %H:%M:%S")}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80, exif=exif.tobytes())
    return buffer.getvalue()


def visit_times(rng, count, start, end, month_weights):
    """`count` local datetimes between start and end (dates), by month and hour weights."""
    days = np.array([start + timedelta(days=i) for i in range((end - start).days + 1)])
    weights = np.array([month_weights[d.month - 1] for d in days])
    chosen = rng.choice(days, size=count, p=weights / weights.sum())
    hours = rng.choice(24, size=count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = rng.integers(0, 3600, size=count)
    return [
        datetime.combine(d, time(int(h))) + timedelta(seconds=int(s))
        for d, h, s in zip(chosen, hours, seconds, strict=False)
    ]


def pick_visit_kind(rng, month):
    """What a visit shows: a deer group by sex mix, another species, or nothing (a false trigger)."""
    roll = rng.random()
    if roll < 0.10:
        return "other"
    if roll < 0.16:
        return "empty"
    buck_w = 0.30 * BUCK_MONTH_FACTOR[month - 1]
    fawn_w = 0.18 * FAWN_MONTH_FACTOR[month - 1]
    doe_w = 0.52
    total = buck_w + fawn_w + doe_w
    return rng.choice(["buck", "fawn", "doe"], p=[buck_w / total, fawn_w / total, doe_w / total])


def random_box(rng, scale=1.0):
    width, height = IMAGE_SIZE
    w = int(rng.integers(120, 260) * scale)
    h = int(w * rng.uniform(0.6, 0.85))
    x = int(rng.integers(0, width - w))
    y = int(rng.integers(int(height * 0.3), height - 24 - h))
    return (x, y, w, h)


EMBEDDING_FLAVOURS = ("default", "hard")


def generate_ranch(images=3000, seed=7, end=None, days=365, stdout=None, embeddings="default"):
    """Create the demo ranch. Deterministic for a given seed and end date (default: yesterday).

    embeddings="hard": the embeddings of another model (demo.ground_truth.HardFlavour: another score
    scale, families, camera bias, antler drift, noisier low-confidence boxes) and larger groups, so
    several deer stand in more frames. The default flavour's rows and embeddings are unchanged."""
    if embeddings not in EMBEDDING_FLAVOURS:
        raise ValueError(f"Unknown embedding flavour {embeddings!r}: one of {', '.join(EMBEDDING_FLAVOURS)}.")
    hard = embeddings == "hard"
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(settings.TIME_ZONE)
    end = end or (timezone.localdate() - timedelta(days=1))
    start = end - timedelta(days=days - 1)
    summary = RanchSummary(start=start, end=end)
    individuals = make_individuals(rng, [loc[0] for loc in LOCATIONS])
    flavour = HardFlavour.create(seed, individuals, [loc[0] for loc in LOCATIONS]) if hard else None
    summary.individuals = len(individuals)
    by_sex = {sex: [i for i in individuals if i.sex == sex] for sex in INDIVIDUALS}

    locations = {}
    for name, lat, lon, _ in LOCATIONS:
        locations[name], _ = Location.objects.get_or_create(
            name=name,
            defaults={
                "latitude": lat,
                "longitude": lon,
                "timezone": settings.TIME_ZONE,
                "description": f"Trail camera at {name.replace('_', ' ')}",
            },
        )
    site_names = [loc[0] for loc in LOCATIONS]
    site_weights = np.array([loc[3] for loc in LOCATIONS])
    reviewer, _ = User.objects.get_or_create(
        username="demo-reviewer", defaults={"first_name": "Demo", "last_name": "Reviewer"}
    )

    image_rows, detection_rows, corrections, truth = [], [], [], []
    # frames per burst (2–5), as many bursts as it takes to reach `images`
    frame_counts = rng.integers(2, 6, size=images)
    totals = np.cumsum(frame_counts)
    n_visits = int(np.searchsorted(totals, images)) + 1
    frame_counts = frame_counts[:n_visits]
    frame_counts[-1] -= int(totals[n_visits - 1]) - images
    visits = sorted(visit_times(rng, n_visits, start, end, MONTH_WEIGHTS))
    image_root = Path(settings.IMAGE_ROOT)
    for local_start, frames in zip(visits, frame_counts, strict=False):
        kind = pick_visit_kind(rng, local_start.month)
        site = str(rng.choice(site_names, p=site_weights / site_weights.sum()))
        site = visit_site(site, local_start.replace(tzinfo=tz), start, tz)  # none at TinMan while it is out
        members = []  # (label, individual or None, box)
        if kind in by_sex:
            largest = (2 if kind == "buck" else 3) + (hard and (2 if kind == "doe" else 1))
            group = int(rng.integers(1, largest + 1))
            local_pool = [i for i in by_sex[kind] if site in i.home] or by_sex[kind]
            chosen = rng.choice(len(local_pool), size=min(group, len(local_pool)), replace=False)
            members = [(kind, local_pool[c], random_box(rng)) for c in chosen]
        elif kind == "other":
            members = [(str(rng.choice(OTHER_SPECIES)), None, random_box(rng, 1.1))]
        burst_id = seeded_uuid(rng)
        for frame in range(int(frames)):
            local_dt = local_start + timedelta(seconds=int(frame * rng.integers(1, 4)))
            aware = local_dt.replace(tzinfo=tz)
            # animals move a little between frames
            moved = [
                (max(0, min(IMAGE_SIZE[0] - w, x + int(rng.integers(-15, 16)) * frame)), y, w, h)
                for _, _, (x, y, w, h) in members
            ]
            data = draw_picture(rng, local_dt, site, [(box, m[0]) for box, m in zip(moved, members, strict=False)])
            digest = hashlib.sha256(data).hexdigest()
            filename = f"{site.upper()}_{local_dt:%Y%m%d_%H%M%S}_{frame + 1:03d}.jpg"
            relative = f"demo/{site}/{local_dt:%Y-%m}/{filename}"
            path = image_root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            image = Image(
                id=seeded_uuid(rng),
                location=locations[site],
                file=relative,
                filename=filename,
                sha256=digest,
                width=IMAGE_SIZE[0],
                height=IMAGE_SIZE[1],
                taken_at=aware,
                exif={"DateTimeOriginal": local_dt.strftime("%Y:%m:%d %H:%M:%S"), "Model": "HerdbookCam DEMO"},
                status=Image.Status.COMPLETED,
            )
            image_rows.append(image)
            if kind == "empty":  # a false trigger: vegetation seen as an animal, low confidence
                if rng.random() < 0.5:
                    box = random_box(rng, 0.7)
                    detection_rows.append(
                        _detection(rng, image, box, "animal", float(rng.uniform(0.2, 0.45)), burst_id)
                    )
                continue
            for (label, individual, _), box in zip(members, moved, strict=False):
                model_label = label
                if individual is not None and rng.random() < 0.08:
                    model_label = "unknown"  # the model could not tell the sex
                det = _detection(
                    rng, image, box, model_label, float(np.clip(rng.normal(0.82, 0.1), 0.5, 0.99)), burst_id
                )
                if individual is not None and hard:
                    vector = flavour.embedding(individual, site, local_dt.month, det.confidence)
                    det.set_embedding(vector, HARD_MODEL)
                    truth.append((det.id, individual.key, individual.sex))
                elif individual is not None:
                    det.set_embedding(noisy_embedding(rng, individual.latent), EMBEDDING_MODEL)
                    truth.append((det.id, individual.key, individual.sex))
                detection_rows.append(det)
                if individual is not None and rng.random() < 0.03:
                    # a second, weaker box over the same animal: a duplicate
                    dup_box = (box[0] + 6, box[1] + 4, box[2] - 8, box[3] - 6)
                    dup = _detection(rng, image, dup_box, model_label, det.confidence * 0.6, burst_id)
                    dup.is_duplicate = True
                    detection_rows.append(dup)

    _review_some(rng, detection_rows, corrections, reviewer)
    with transaction.atomic():
        Image.objects.bulk_create(image_rows, batch_size=1000)
        Detection.objects.bulk_create(detection_rows, batch_size=1000)
        DetectionCorrection.objects.bulk_create(corrections, batch_size=1000)
        create_deployments(locations, start, end, tz)
    write_ground_truth(truth)

    summary.images = len(image_rows)
    summary.detections = len(detection_rows)
    summary.ground_truth_rows = len(truth)
    for det in detection_rows:
        label = det.corrected_classification or det.classification
        summary.by_class[label] = summary.by_class.get(label, 0) + 1
        if label == "buck" and det.is_valid and not det.is_duplicate:
            month = det.taken_at.astimezone(tz).strftime("%Y-%m")
            summary.buck_by_month[month] = summary.buck_by_month.get(month, 0) + 1
    return summary


def _detection(rng, image, box, label, confidence, burst_id):
    return Detection(
        id=seeded_uuid(rng),
        image=image,
        location_id=image.location_id,
        taken_at=image.taken_at,
        bbox_x=box[0],
        bbox_y=box[1],
        bbox_width=box[2],
        bbox_height=box[3],
        confidence=round(confidence, 4),
        classification=label,
        burst=burst_id,
    )


def _review_some(rng, detections, corrections, reviewer):
    """A reviewer has gone through part of the data: some false positives marked invalid and a
    few model labels corrected, each with its history row."""
    now = timezone.now()
    for det in detections:
        if det.is_duplicate:
            continue
        if det.classification == "animal" and rng.random() < 0.6:
            det.is_valid, det.is_reviewed, det.reviewed_by, det.reviewed_at = False, True, reviewer, now
            det.correction_notes = "Vegetation, no animal"
            corrections.append(
                DetectionCorrection(detection=det, user=reviewer, field="is_valid", old_value="True", new_value="False")
            )
        elif det.classification in ("doe", "buck") and rng.random() < 0.01:
            # the model got the sex wrong and the reviewer put it right
            true_sex = det.classification
            det.classification = "buck" if true_sex == "doe" else "doe"
            det.corrected_classification = true_sex
            corrections.append(
                DetectionCorrection(
                    detection=det, user=reviewer, field="corrected_classification", old_value=None, new_value=true_sex
                )
            )
            det.is_reviewed, det.reviewed_by, det.reviewed_at = True, reviewer, now
