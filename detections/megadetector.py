"""Reading MegaDetector batch output (format 1.x) into ingest items.

MegaDetector writes ``{"images": [{"file", "detections": [{"category", "conf", "bbox"}], "failure"}],
"detection_categories": {"1": "animal", "2": "person", "3": "vehicle"}, "info": {...}}`` with
normalized ``[x_min, y_min, width, height]`` boxes; a species classifier may add
``"classification_categories"`` and per-detection ``"classifications": [[category, score], ...]``.
An optional embeddings file ``{"model": "<name>", "items": [{"file", "detection", "embedding"}]}``
gives vectors by image file and detection position (in the MegaDetector file, before filtering).
"""

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from core.vocabulary import CLASSIFICATIONS

CATEGORY_CLASSES = {"person": "human", "human": "human", "vehicle": "vehicle"}


class FormatError(ValueError):
    """The file is not MegaDetector batch output we can read."""


@dataclass
class Conversion:
    items: list = field(default_factory=list)  # ingest items for images_ingest_batch
    failed: list = field(default_factory=list)  # (file, reason) skipped as MegaDetector failures
    below_threshold: int = 0  # detections dropped by min_confidence


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise FormatError(f"Cannot read the {what} file {path}: {error}") from None


def read_embeddings(document):
    """{(file, detection index): vector}, model name."""
    if not isinstance(document, dict) or not isinstance(document.get("items"), list) or not document.get("model"):
        raise FormatError(
            'The embeddings file must be {"model": "<name>", "items": [{"file", "detection", "embedding"}]}.'
        )
    vectors = {}
    for item in document["items"]:
        try:
            vectors[(str(item["file"]), int(item["detection"]))] = item["embedding"]
        except (KeyError, TypeError, ValueError):
            raise FormatError(
                f"Bad embeddings item {str(item)[:120]}: each needs file, detection and embedding."
            ) from None
    return vectors, str(document["model"])


def label_for(detection, categories, classifier_categories, animal_class):
    """Our class for one MegaDetector detection."""
    classified = detection.get("classifications") or []
    if classified:
        best = max(classified, key=lambda pair: pair[1])
        name = str(classifier_categories.get(str(best[0]), "")).strip().lower()
        if name in CLASSIFICATIONS:
            return name
    category = str(categories.get(str(detection.get("category")), "")).strip().lower()
    return CATEGORY_CLASSES.get(category, animal_class)


def convert(document, location_for, min_confidence=0.2, animal_class="unknown", embeddings=None, prefix=""):
    """Turn a MegaDetector document into ingest items.

    location_for(file) -> Location; embeddings: (vectors, model) from read_embeddings or None;
    prefix: folder (relative to the image root) that the MegaDetector paths are relative to.
    """
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        raise FormatError('Not MegaDetector batch output: no "images" list.')
    version = str((document.get("info") or {}).get("format_version", "1.0"))
    if not version.startswith("1."):
        raise FormatError(f"Unsupported MegaDetector format_version {version}; 1.x is supported.")
    categories = document.get("detection_categories") or {"1": "animal", "2": "person", "3": "vehicle"}
    classifier_categories = document.get("classification_categories") or {}
    vectors, model = embeddings or ({}, "")
    result = Conversion()
    for entry in document["images"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("detections") or [], list):
            raise FormatError(f'Bad image entry {str(entry)[:120]}: expected {{"file", "detections": [...]}}.')
        name = str(entry.get("file", ""))
        if entry.get("failure"):
            result.failed.append((name, str(entry["failure"])))
            continue
        relative = str(PurePosixPath(prefix) / name) if prefix else name
        detections = []
        for position, found in enumerate(entry.get("detections") or []):
            if not isinstance(found, dict):
                raise FormatError(f"{name}: detection {position} is not an object.")
            try:
                confidence = float(found["conf"])
            except (KeyError, TypeError, ValueError):
                raise FormatError(f"{name}: detection {position} has no numeric 'conf'.") from None
            if confidence < min_confidence:
                result.below_threshold += 1
                continue
            spec = {
                "bbox": found.get("bbox"),
                "bbox_format": "normalized",
                "confidence": confidence,
                "classification": label_for(found, categories, classifier_categories, animal_class),
            }
            vector = vectors.get((name, position))
            if vector is not None:
                spec["embedding"], spec["embedding_model"] = vector, model
            detections.append(spec)
        result.items.append(
            {"file": relative, "location": location_for(name), "taken_at": None, "detections": detections}
        )
    return result
