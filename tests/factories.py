"""Small factories for test data: explicit functions, no fixture files."""

import hashlib
import io
import itertools
import uuid
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from PIL import Image as PILImage

from detections.models import Detection, Image, Location
from reid.models import Deer

_counter = itertools.count(1)


def location(name=None, **fields):
    fields.setdefault("latitude", 29.80)
    fields.setdefault("longitude", -97.31)
    return Location.objects.create(name=name or f"Site {next(_counter)}", **fields)


def jpeg_bytes(width=640, height=480, color=(90, 120, 60), exif_datetime=None):
    """A real JPEG; with exif_datetime ("YYYY:MM:DD HH:MM:SS") it carries DateTimeOriginal."""
    picture = PILImage.new("RGB", (width, height), color)
    buffer = io.BytesIO()
    kwargs = {"quality": 85}
    if exif_datetime:
        exif = PILImage.Exif()
        exif[0x8769] = {0x9003: exif_datetime}  # ExifIFD -> DateTimeOriginal
        kwargs["exif"] = exif.tobytes()
    picture.save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def image(loc=None, taken_at=None, width=640, height=480, write_file=True, **fields):
    """An Image row; with write_file a real JPEG is written under IMAGE_ROOT (without, no JPEG is
    encoded: the row's sha256 is a unique random digest either way)."""
    loc = loc or location()
    taken_at = taken_at or datetime(2024, 10, 15, 12, 0, tzinfo=UTC)
    data = jpeg_bytes(width, height, color=(next(_counter) % 255, 120, 60)) if write_file else b""
    digest = hashlib.sha256(data + uuid.uuid4().bytes).hexdigest()
    relative = f"test/{digest[:16]}.jpg"
    if write_file:
        path = settings.IMAGE_ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Image.objects.create(
        location=loc,
        file=relative,
        filename=f"{digest[:16]}.jpg",
        sha256=digest,
        width=width,
        height=height,
        taken_at=taken_at,
        **fields,
    )


def detection(
    img=None,
    classification="doe",
    confidence=0.9,
    bbox=(10, 10, 100, 80),
    embedding=None,
    embedding_model="test-model",
    **fields,
):
    img = img or image()
    det = Detection(
        image=img,
        bbox_x=bbox[0],
        bbox_y=bbox[1],
        bbox_width=bbox[2],
        bbox_height=bbox[3],
        confidence=confidence,
        classification=classification,
        **fields,
    )
    if embedding is not None:
        det.set_embedding(embedding, embedding_model)
    det.save()
    return det


def unit_vector(dim=512, seed=0):
    vector = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def deer(sex="doe", name="", **fields):
    return Deer.objects.create(sex=sex, name=name, **fields)


def artifact_path(name):
    """Where tests leave files for a person to look at (test-artifacts/, ignored by git)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder / name
