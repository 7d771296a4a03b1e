"""Helpers for the detections API tests."""

import io
import json

from PIL import Image as PILImage


def png_bytes(width=64, height=48):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def named(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def upload(client, data, metadata, name="IMG_0001.JPG"):
    """POST /api/images as multipart with `file` and `metadata` (a dict, or a raw string)."""
    body = metadata if isinstance(metadata, str) else json.dumps(metadata)
    return client.post("/api/images", {"file": named(data, name), "metadata": body}, format="multipart")


def det(bbox=(10, 20, 100, 80), confidence=0.9, classification="doe", **extra):
    return {"bbox": list(bbox), "confidence": confidence, "classification": classification, **extra}
