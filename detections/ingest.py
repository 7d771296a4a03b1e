"""Ingest: store images and the detections a pipeline found in them.

Everything is validated before anything is written; a rejection is a Django ValidationError whose
keys name the request field (``file``, ``taken_at``, ``metadata.detections.1.bbox``, ``images.3.file``).
New detections are announced with the ``detections_created`` signal after the commit.
"""

import math
import os
from datetime import UTC
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.text import get_valid_filename, slugify

from core.bulk import Unsaved, insert_objects
from core.timeutil import outside_supported
from core.vocabulary import CLASSIFICATIONS, unknown_class
from detections import imaging, selectors
from detections.models import Detection, Image
from detections.signals import detections_created

DUPLICATE_IOU = 0.5
# What a pipeline said, stored as given on each detection (detections.pipeline)
MODEL_FIELDS = ("model_label", "classifier_score", "detector_model", "classifier_model")
MAX_BATCH_IMAGES = 500
new_image, new_detection = Unsaved(Image), Unsaved(Detection)  # what Image(...), Detection(...) make


class EmbeddingDimensions:
    """The dimension each embedding model uses: from the database, else the first vector seen."""

    def __init__(self):
        self.known = {}

    def check(self, model_name, dimension):
        """None when `dimension` fits `model_name`, else the error message."""
        if model_name not in self.known:
            self.known[model_name] = selectors.embedding_dimension(model_name)
        expected = self.known[model_name]
        if expected is None:
            self.known[model_name] = dimension
            return None
        if expected != dimension:
            return (
                f"The embedding has {dimension} values but model '{model_name}' uses {expected}-dimensional embeddings."
            )
        return None


def key(prefix, name):
    return f"{prefix}.{name}" if prefix else name


# --- pure checks ---------------------------------------------------------------------------------


def bbox_to_pixels(bbox, bbox_format, width, height):
    """(x, y, w, h) integer pixels inside a width x height image; raises ValueError with the reason."""
    if len(bbox) != 4:
        raise ValueError("bbox must have four numbers: [x, y, width, height].")
    x, y, w, h = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise ValueError(f"bbox {list(bbox)} must hold finite numbers.")
    if bbox_format == "normalized":
        if min(x, y, w, h) < 0 or max(x, y, w, h) > 1 or x + w > 1.0001 or y + h > 1.0001:
            raise ValueError(f"normalized bbox {list(bbox)} must lie within 0..1 (x + width and y + height at most 1).")
        left, top = round(x * width), round(y * height)
        right, bottom = min(round((x + w) * width), width), min(round((y + h) * height), height)
        pixels = (left, top, right - left, bottom - top)
    else:
        pixels = (round(x), round(y), round(w), round(h))
    px, py, pw, ph = pixels
    if px < 0 or py < 0:
        raise ValueError(f"bbox {list(bbox)}: x and y must not be negative.")
    if pw < 1 or ph < 1:
        raise ValueError(f"bbox {list(bbox)}: width and height must be at least one pixel.")
    if px + pw > width or py + ph > height:
        raise ValueError(f"bbox {list(bbox)} lies outside the {width}x{height} image.")
    return pixels


# Where a point (u, v) of the displayed image (normalized) lies in the stored pixels, per EXIF Orientation
# (what PIL.ImageOps.exif_transpose undoes: 6 = shown rotated 90 degrees clockwise, 8 = counter-clockwise).
ORIENTATIONS = {
    2: lambda u, v: (1 - u, v),
    3: lambda u, v: (1 - u, 1 - v),
    4: lambda u, v: (u, 1 - v),
    5: lambda u, v: (v, u),
    6: lambda u, v: (v, 1 - u),
    7: lambda u, v: (1 - v, 1 - u),
    8: lambda u, v: (1 - v, u),
}


def displayed_to_stored(bbox, orientation):
    """A normalized [x, y, w, h] box on the displayed (EXIF-transposed) image, on the stored pixels instead."""
    turn = ORIENTATIONS.get(orientation if isinstance(orientation, int) else None)
    if turn is None or len(bbox) != 4:
        return bbox
    x, y, w, h = (float(value) for value in bbox)
    corners = [turn(x, y), turn(x + w, y + h)]
    left, right = sorted(point[0] for point in corners)
    top, bottom = sorted(point[1] for point in corners)
    return [left, top, right - left, bottom - top]


def duplicate_mask(boxes, confidences, threshold=DUPLICATE_IOU):
    """Boolean array: box i overlaps (IoU > threshold) a more confident box of the same image.

    boxes: (n, 4) array of x, y, w, h. Ties in confidence go to the earlier box.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    if n < 2:
        return np.zeros(n, dtype=bool)
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    inter_w = np.clip(np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :]), 0, None)
    inter_h = np.clip(np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :]), 0, None)
    inter = inter_w * inter_h
    area = boxes[:, 2] * boxes[:, 3]
    iou = inter / (area[:, None] + area[None, :] - inter)
    conf = np.asarray(confidences, dtype=np.float64)
    index = np.arange(n)
    more_confident = (conf[None, :] > conf[:, None]) | (
        (conf[None, :] == conf[:, None]) & (index[None, :] < index[:, None])
    )
    return ((iou > threshold) & more_confident).any(axis=1)


def resolve_taken_at(given, probe, filename, location, prefix=""):
    """Aware UTC capture time: the given value, else EXIF DateTimeOriginal, else the file name.

    Times without an offset are read in the location's timezone. Each must lie in the supported
    range (core.timeutil.outside_supported), else a ValidationError on taken_at.
    """
    field = key(prefix, "taken_at")
    if given not in (None, ""):
        try:
            value = given if not isinstance(given, str) else parse_datetime(given.strip())
        except ValueError:  # well formed but impossible, e.g. month 13 or an offset of 24 hours
            value = None
        if value is None:
            raise ValidationError(
                {field: f"'{given}' is not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, optional offset)."}
            )
        _check_supported(value, field, "taken_at")
        if value.tzinfo is None:
            return imaging.localize(value, location.tzinfo)
        return value.astimezone(UTC)
    if probe.exif_datetime is not None:
        _check_supported(probe.exif_datetime, field, "The EXIF DateTimeOriginal")
        return imaging.localize(probe.exif_datetime, location.tzinfo, probe.exif_offset)
    from_name = imaging.timestamp_from_filename(filename)
    if from_name is not None:
        _check_supported(from_name, field, "The time in the file name")
        return imaging.localize(from_name, location.tzinfo)
    raise ValidationError(
        {
            field: (
                "The capture time is unknown: give taken_at, or upload an image with EXIF DateTimeOriginal "
                "or a file name holding the time (e.g. IMG_20241015_063015.jpg)."
            )
        }
    )


def _check_supported(moment, field, name):
    problem = outside_supported(moment, name)
    if problem:
        raise ValidationError({field: problem})


def build_detections(specs, probe, dimensions, prefix=""):
    """Unsaved Detection objects for `specs` (validated shapes); collects every error."""
    errors = {}
    detections = []
    for index, spec in enumerate(specs):
        here = key(prefix, f"detections.{index}")
        detection = new_detection(
            confidence=float(spec["confidence"]),
            classification=str(spec["classification"]).lower(),
            **{name: spec[name] for name in MODEL_FIELDS if spec.get(name) is not None},
        )
        if detection.classification not in CLASSIFICATIONS:
            errors[f"{here}.classification"] = unknown_class(spec["classification"])
        if not 0.0 <= detection.confidence <= 1.0:
            errors[f"{here}.confidence"] = f"confidence must be between 0 and 1, got {spec['confidence']}."
        try:
            bbox_format, box = spec.get("bbox_format") or "pixels", spec["bbox"]
            if bbox_format == "normalized_displayed":  # normalized on the image as shown (EXIF Orientation applied)
                bbox_format, box = "normalized", displayed_to_stored(box, probe.exif.get("Orientation"))
            bbox = bbox_to_pixels(box, bbox_format, probe.width, probe.height)
            detection.bbox_x, detection.bbox_y, detection.bbox_width, detection.bbox_height = bbox
        except (ValueError, TypeError) as error:
            errors[f"{here}.bbox"] = str(error)
        embedding = spec.get("embedding")
        model_name = (spec.get("embedding_model") or "").strip()
        if embedding is not None:
            message = embedding_problem(embedding, model_name, dimensions)
            if message:
                errors[f"{here}.{message[0]}"] = message[1]
            else:
                try:
                    detection.set_embedding(embedding, model_name)
                except ValidationError as error:  # too large to normalise in float32
                    errors[f"{here}.embedding"] = error.message_dict["embedding"][0]
        detections.append(detection)
    return detections, errors


def embedding_problem(embedding, model_name, dimensions):
    """(field, message) when the embedding cannot be stored, else None."""
    if not model_name:
        return "embedding_model", "embedding_model is required when an embedding is given."
    vector = np.asarray(embedding, dtype=np.float64)
    if vector.ndim != 1 or vector.size == 0:
        return "embedding", "The embedding must be a non-empty list of numbers."
    if not np.all(np.isfinite(vector)):
        return "embedding", "The embedding contains NaN or infinite values."
    if not np.any(vector):
        return "embedding", "An embedding of all zeros cannot be compared."
    message = dimensions.check(model_name, int(vector.size))
    return ("embedding", message) if message else None


# --- storage ------------------------------------------------------------------------------------------


def upload_relative_path(location, taken_at, sha256, filename, extension):
    stem = Path(get_valid_filename(os.path.basename(filename or "image"))).stem[:80] or "image"
    day = taken_at.astimezone(location.tzinfo).strftime("%Y/%m/%d")
    return f"uploads/{slugify(location.name) or 'location'}/{day}/{sha256[:12]}_{stem}{extension}"


def resolve_under_image_root(relative, field_name, folders=None):
    """The absolute path of `relative` inside IMAGE_ROOT; refuses anything that leaves it.

    ``folders`` (a dict kept by the caller) caches each folder's real path, so that a batch of files
    in a few camera folders resolves symbolic links once a folder, not once a file.
    """
    folders = {} if folders is None else folders
    root = folders.get("")
    if root is None:
        root = folders[""] = os.path.realpath(settings.IMAGE_ROOT)
    text = str(relative or "").strip()
    if not text:
        raise ValidationError({field_name: "A path relative to the image root is required."})
    folder, name = os.path.split(os.path.join(root, text))
    if name in ("", ".", ".."):
        path = os.path.realpath(os.path.join(root, text))
    else:
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        path = os.path.join(folders[folder], name)
        if os.path.islink(path):
            path = os.path.realpath(path)
    inside = root.rstrip(os.sep) + os.sep
    if path != root and not path.startswith(inside):
        raise ValidationError({field_name: f"'{text}' is outside the image root."})
    if not os.path.isfile(path):
        raise ValidationError({field_name: f"No file '{text}' under the image root."})
    return path, path[len(inside) :].replace(os.sep, "/")


def _remove_if_orphan(relative):
    if not Image.objects.filter(file=relative).exists():
        (Path(settings.IMAGE_ROOT) / relative).unlink(missing_ok=True)


def _new_image(location, relative, filename, probe, taken_at, models=None):
    return new_image(
        location=location,
        file=relative,
        filename=filename[:255],
        sha256=probe.sha256,
        width=probe.width,
        height=probe.height,
        taken_at=taken_at,
        exif=probe.exif,
        status=Image.Status.COMPLETED,
        **(models or {}),
    )


def _attach(detections, image):
    if len(detections) > 1:
        mask = duplicate_mask([d.bbox for d in detections], [d.confidence for d in detections])
    else:
        mask = [False] * len(detections)  # one box duplicates none
    for detection, duplicate in zip(detections, mask, strict=False):
        detection.image = image
        detection.location_id = image.location_id
        detection.taken_at = image.taken_at
        detection.is_duplicate = bool(duplicate)


def _announce(detection_ids):
    """Send detections_created after the commit. robust=True: the images are stored whatever a
    receiver does; a receiver that fails (Redis down) is logged, and re-ID backfill catches up."""
    if detection_ids:
        transaction.on_commit(
            lambda: detections_created.send(sender=Detection, detection_ids=list(detection_ids)), robust=True
        )


# --- services -----------------------------------------------------------------------------------------


def image_ingest(*, upload, filename, location, taken_at=None, detections=(), field_prefix="metadata"):
    """Store one uploaded image and its detections. Returns (image, created).

    The same file content again (in a valid request) returns the existing image and creates nothing. Errors about
    taken_at and detections are keyed under `field_prefix` (the API's `metadata` field).
    """
    probe = imaging.probe(upload, "file")
    when = resolve_taken_at(taken_at, probe, filename, location, field_prefix)
    new_detections, errors = build_detections(detections, probe, EmbeddingDimensions(), field_prefix)
    if errors:  # a request is validated whole, also when its file is stored already
        raise ValidationError(errors)
    existing = Image.objects.filter(sha256=probe.sha256).first()
    if existing is not None:
        return existing, False
    relative = upload_relative_path(location, when, probe.sha256, filename, probe.extension)
    upload.seek(0)
    imaging.write_atomically(Path(settings.IMAGE_ROOT) / relative, iter(lambda: upload.read(imaging.CHUNK), b""))
    try:
        with transaction.atomic():
            image = _new_image(location, relative, os.path.basename(filename or relative), probe, when)
            image.save()
            _attach(new_detections, image)
            Detection.objects.bulk_create(new_detections)
            _announce([d.id for d in new_detections])
    except IntegrityError:
        _remove_if_orphan(relative)
        existing = Image.objects.filter(sha256=probe.sha256).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        _remove_if_orphan(relative)
        raise
    return image, True


def probe_files(files, first=0):
    """For each file (a path relative to IMAGE_ROOT) in turn: (its path as stored, its ImageProbe), or
    the message dict of the ValidationError refusing it, keyed ``images.<first + index>.file``. Reads
    the files and nothing else: the import runs it in other processes (detections.pipeline)."""
    folders, found = {}, []
    for index, name in enumerate(files, start=first):
        field_name = f"images.{index}.file"
        try:
            path, relative = resolve_under_image_root(name, field_name, folders)
            found.append((relative, imaging.probe_path(path, field_name)))
        except ValidationError as error:
            found.append(error.message_dict)
    return found


def images_ingest_batch(items, probed=None):
    """Register images already under IMAGE_ROOT with their detections, all or nothing.

    items: dicts with ``file`` (path relative to IMAGE_ROOT), ``location`` (Location),
    ``taken_at`` (optional) and ``detections``. Returns one result dict per item, in order:
    ``{"image": Image, "created": bool, "detection_ids": [...]}``. ``probed``: probe_files(files) of the
    items' files, when the caller has probed them already (the import does, in other processes).
    """
    if len(items) > MAX_BATCH_IMAGES:
        raise ValidationError({"images": f"At most {MAX_BATCH_IMAGES} images per batch, got {len(items)}."})
    if probed is None:
        probed = probe_files([item.get("file") for item in items])
    errors, prepared, seen = {}, [], {}
    for index, found in enumerate(probed):
        prefix = f"images.{index}"
        if isinstance(found, dict):
            errors.update(found)
            prepared.append(None)
            continue
        relative, probe = found
        if probe.sha256 in seen:
            errors[f"{prefix}.file"] = [f"Same file content as images.{seen[probe.sha256]}; list each image once."]
        seen.setdefault(probe.sha256, index)
        prepared.append((relative, probe))
    existing = {
        image.sha256: image
        for image in Image.objects.filter(sha256__in=[p[1].sha256 for p in prepared if p]).select_related("location")
    }
    dimensions = EmbeddingDimensions()
    results, new_images, new_detections = [], [], []
    for index, (item, ready) in enumerate(zip(items, prepared, strict=False)):
        if ready is None:
            results.append(None)
            continue
        relative, probe = ready
        prefix = f"images.{index}"
        location = item["location"]
        try:
            when = resolve_taken_at(item.get("taken_at"), probe, relative, location, prefix)
        except ValidationError as error:
            errors.update(error.message_dict)
            when = None
        detections, detection_errors = build_detections(item.get("detections") or [], probe, dimensions, prefix)
        errors.update(detection_errors)
        if when is None or detection_errors:
            results.append(None)
            continue
        models = {name: item.get(name) or "" for name in ("detector_model", "classifier_model")}
        if probe.sha256 in existing:  # validated like a new one, then left as it is (the caller may relabel)
            results.append(
                {
                    "image": existing[probe.sha256],
                    "created": False,
                    "detection_ids": [],
                    "built": {d.bbox: d for d in detections},
                    "models": models,
                }
            )
            continue
        image = _new_image(location, relative, os.path.basename(relative), probe, when, models)
        _attach(detections, image)
        new_images.append(image)
        new_detections.extend(detections)
        results.append({"image": image, "created": True, "detection_ids": [d.id for d in detections]})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            insert_objects(Image, new_images)  # bulk_create's rows, without building SQL row by row
            insert_objects(Detection, new_detections)
            _announce([d.id for d in new_detections])
    except IntegrityError:
        raise ValidationError(
            {"images": "Some of these images were stored by another request meanwhile; send the batch again."}
        ) from None
    return results
