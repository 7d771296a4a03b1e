"""Reading SpeciesNet output (google/cameratrapai, ``run_model.py --predictions_json``) into ingest items.

SpeciesNet writes ``{"predictions": [{"filepath", "failures", "detections": [{"category", "label",
"conf", "bbox"}], "classifications": {"classes", "scores"}, "prediction", "prediction_score",
"prediction_source", "model_version"}]}``, newer releases with an ``"info"`` object whose
``format_version`` is a date ("20261015"). Two layouts are read:

- the full ensemble: ``prediction`` (a taxonomy string ``uuid;class;order;family;genus;species;common
  name``) with ``prediction_score`` is the label of the image's animal boxes;
- detector only: boxes without a prediction; animal boxes get the animal class.

A prediction applies to animal boxes only (a human box stays human). An image with a prediction but
no box over the threshold gets no detection (Herdbook detections are boxes; no whole-image
pseudo-box) and is counted; ``failures`` naming DETECTOR make the image a reported failure;
classifier-only output (no ``detections``) has no boxes to import and is reported per image.
"""

import re

from detections.pipeline import FormatError, Labeller, check_threshold, is_number, relative_path
from detections.results_file import Entries

DEFAULT_THRESHOLD = 0.2
KNOWN_FORMAT = "20261015"
CATEGORY_NAMES = {"1": "animal", "2": "human", "3": "vehicle"}


def check_header(document):
    if isinstance(document, dict) and isinstance(document.get("predictions"), (list, Entries)):
        info = document.get("info")
        info = {} if info is None else info
        if not isinstance(info, dict):
            raise FormatError('"info" must be an object.')
        version = str(info.get("format_version", ""))
        if version and not re.fullmatch(r"\d{8}", version):
            raise FormatError(f"Unsupported SpeciesNet format_version '{version}'; a date such as {KNOWN_FORMAT}.")
        return document["predictions"]
    raise FormatError('Not SpeciesNet output: no "predictions" list.')


def items(
    document,
    result,
    *,
    label_map=None,
    min_confidence=None,
    min_classifier_score=0.5,
    animal_class="animal",
    image_root="",
    prefix="",
):
    """The ingest items of a SpeciesNet document one at a time (``predictions`` may be streamed,
    pipeline.Entries); what is skipped is counted on ``result``. FormatError when the file is refused."""
    predictions = check_header(document)
    result.min_confidence = check_threshold(
        DEFAULT_THRESHOLD if min_confidence is None else min_confidence, "The detection threshold"
    )
    labeller = Labeller(result, label_map, min_classifier_score, animal_class)
    for entry in predictions:
        if not isinstance(entry, dict) or not isinstance(entry.get("filepath"), str):
            raise FormatError(f'Bad prediction {str(entry)[:120]}: expected {{"filepath", ...}}.')
        name = entry["filepath"]
        failures = entry.get("failures") or []
        if not isinstance(failures, list):
            raise FormatError(f"{name}: 'failures' must be a list.")
        if "DETECTOR" in failures:
            result.failed.append((name, f"SpeciesNet failures: {', '.join(map(str, failures))}"))
            continue
        found = entry.get("detections")
        if found is None:
            result.failed.append((name, "no detector output (classifier-only run): no boxes to import"))
            continue
        if not isinstance(found, list):
            raise FormatError(f"{name}: 'detections' must be a list.")
        version = str(entry.get("model_version") or "")
        models = {
            "detector_model": f"SpeciesNet {version} (MegaDetector)".replace("  ", " ")[:200],
            "classifier_model": f"SpeciesNet {version}".strip()[:200] if entry.get("prediction") else "",
        }
        result.detector_model, result.classifier_model = models["detector_model"], models["classifier_model"]
        label, score = entry.get("prediction"), entry.get("prediction_score")
        if label is not None and not isinstance(label, str):
            raise FormatError(f"{name}: 'prediction' must be a string.")
        if score is not None and not is_number(score):
            raise FormatError(f"{name}: 'prediction_score' must be a number.")
        relative = relative_path(name, image_root, prefix)
        specs = [
            spec for spec in (box(d, name, i, label, score, labeller, result) for i, d in enumerate(found)) if spec
        ]
        if label and not specs and not labeller.map.is_blank(label):
            result.classified_without_box += 1
        specs = [{**spec, **models} for spec in specs]
        yield {"file": relative, "folder": relative, "taken_at": None, "detections": specs, **models}


def box(detection, name, position, label, score, labeller, result):
    if not isinstance(detection, dict):
        raise FormatError(f"{name}: detection {position} is not an object.")
    bbox = detection.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(is_number(v) for v in bbox):
        raise FormatError(f"{name}: detection {position} has bbox {bbox!r}; it must be four numbers [x, y, w, h].")
    if not is_number(detection.get("conf")):
        raise FormatError(f"{name}: detection {position} has no numeric 'conf'.")
    category = CATEGORY_NAMES.get(str(detection.get("category")))
    if category is None:
        result.unknown_category += 1
        return None
    if detection["conf"] < result.min_confidence:
        result.below_threshold += 1
        return None
    spec = labeller.spec(category, label, score) if label else labeller.spec(category)
    confidence = min(max(float(detection["conf"]), 0.0), 1.0)
    return {"bbox": bbox, "bbox_format": "normalized_displayed", "confidence": confidence, **spec}
