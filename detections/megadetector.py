"""Reading MegaDetector batch output (format 1.x, https://lila.science/megadetector-output-format) into ingest items.

MegaDetector writes ``{"info": {"format_version", "detector", "classifier", "detector_metadata"},
"detection_categories", "classification_categories", "classification_category_descriptions",
"images": [{"file", "detections": [{"category", "conf", "bbox", "classifications"}], "failure"}]}``
with normalized ``[x_min, y_min, width, height]`` boxes on the image as shown (EXIF orientation
applied). The rules of the format, as followed here:

- a detection whose category is not in ``detection_categories`` is no detection (counted);
- ``failure`` set, or ``detections`` null or missing without a failure: the image was not
  processed; it is reported as a failure and not imported;
- paths may be absolute or Windows paths; they are taken relative to ``image_root``;
- the detector threshold is ``detector_metadata.typical_detection_threshold`` unless one is given
  (0.2, MegaDetector v5's, when neither is);
- ``classifications`` (``[[category, score], ...]``) apply to animal boxes only; the best label is
  looked up by name and by its description (scientific names) in the label map (detections.labels);
  its score is kept, and a label under the minimum classifier score leaves the box ``animal``;
- ``info.detector`` (else ``detector_metadata.megadetector_version``) and ``info.classifier`` are
  stored with every image and detection;
- video entries (``frame_rate``) are reported and skipped; a ``bbox`` that is not four numbers
  refuses the file.

An optional embeddings file ``{"model": "<name>", "items": [{"file", "detection", "embedding"}]}``
gives vectors by image file and detection position (in the MegaDetector file, before filtering).
"""

from detections.pipeline import Conversion, FormatError, Labeller, check_threshold, is_number, relative_path
from detections.results_file import Entries, load_json

__all__ = ["FormatError", "convert", "load_json", "read_embeddings"]

DEFAULT_THRESHOLD = 0.2  # MegaDetector v5's typical_detection_threshold


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


def check_header(document):
    """(info, detection categories, classifier categories, descriptions); FormatError when malformed."""
    if not isinstance(document, dict) or not isinstance(document.get("images"), (list, Entries)):
        raise FormatError('Not MegaDetector batch output: no "images" list.')
    info = document.get("info")
    info = {} if info is None else info
    if not isinstance(info, dict):
        raise FormatError('"info" must be an object.')
    version = str(info.get("format_version", "1.0"))
    try:
        major = float(version)
    except ValueError:
        major = None
    if major is None or not 1.0 <= major < 2.0:
        raise FormatError(f"Unsupported MegaDetector format_version {version}; 1.x is supported.")
    categories = document.get("detection_categories", {"1": "animal", "2": "person", "3": "vehicle"})
    classes = document.get("classification_categories") or {}
    descriptions = document.get("classification_category_descriptions") or {}
    for name, table in (
        ("detection_categories", categories),
        ("classification_categories", classes),
        ("classification_category_descriptions", descriptions),
    ):
        if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
            raise FormatError(f'"{name}" must map category ids to non-blank names.')
    return info, categories, classes, descriptions


def model_names(info):
    metadata = info.get("detector_metadata") if isinstance(info.get("detector_metadata"), dict) else {}
    detector = str(info.get("detector") or metadata.get("megadetector_version") or "")
    return detector[:200], str(info.get("classifier") or "")[:200], metadata


def convert(document, **options):
    """Turn a whole MegaDetector document into a Conversion holding its items (FormatError when the file is
    refused); the options are those of ``items``."""
    result = Conversion()
    result.items = list(items(document, result, **options))
    return result


def items(
    document,
    result,
    *,
    label_map=None,
    min_confidence=None,
    min_classifier_score=0.5,
    animal_class="animal",
    embeddings=None,
    image_root="",
    prefix="",
):
    """The ingest items of a MegaDetector document, one at a time (its ``images`` may be streamed,
    pipeline.Entries); what is skipped is counted on ``result``. FormatError when the file is refused."""
    info, categories, classes, descriptions = check_header(document)
    result.detector_model, result.classifier_model, metadata = model_names(info)
    if min_confidence is None:
        min_confidence = metadata.get("typical_detection_threshold", DEFAULT_THRESHOLD)
    result.min_confidence = check_threshold(min_confidence, "The detection threshold")
    labeller = Labeller(result, label_map, min_classifier_score, animal_class)
    vectors, embedding_model = embeddings or ({}, "")
    models = {"detector_model": result.detector_model, "classifier_model": result.classifier_model}
    for entry in document["images"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise FormatError(f'Bad image entry {str(entry)[:120]}: expected {{"file", "detections": [...]}}.')
        name = entry["file"]
        found = entry.get("detections")
        if entry.get("failure"):
            result.failed.append((name, f"MegaDetector failure: {entry['failure']}"))
            continue
        if "frame_rate" in entry:
            result.failed.append((name, "a video; Herdbook imports images only"))
            continue
        if found is None:
            result.failed.append((name, "not processed (detections is null or missing, and no failure given)"))
            continue
        if not isinstance(found, list):
            raise FormatError(f"{name}: 'detections' must be a list.")
        relative = relative_path(name, image_root, prefix)
        specs = []
        for position, detection in enumerate(found):
            spec = convert_detection(detection, name, position, categories, classes, descriptions, labeller, result)
            if spec is None:
                continue
            vector = vectors.get((name, position))
            if vector is not None:
                spec["embedding"], spec["embedding_model"] = vector, embedding_model
            specs.append({**spec, **models})
        yield {"file": relative, "folder": relative, "taken_at": None, "detections": specs, **models}


def convert_detection(detection, name, position, categories, classes, descriptions, labeller, result):
    """The ingest spec of one detection, or None when it is no detection (unknown category, under threshold)."""
    if not isinstance(detection, dict):
        raise FormatError(f"{name}: detection {position} is not an object.")
    try:
        confidence = float(detection["conf"])
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"{name}: detection {position} has no numeric 'conf'.") from None
    bbox = detection.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(is_number(v) for v in bbox):
        raise FormatError(f"{name}: detection {position} has bbox {bbox!r}; it must be four numbers [x, y, w, h].")
    category = str(detection.get("category"))
    if category not in categories:
        result.unknown_category += 1
        return None
    if confidence < result.min_confidence:
        result.below_threshold += 1
        return None
    label = score = None
    classified = detection.get("classifications") or []
    if classified:
        try:
            best_id, score = max(((str(pair[0]), float(pair[1])) for pair in classified), key=lambda pair: pair[1])
        except (TypeError, ValueError, IndexError):
            raise FormatError(f"{name}: detection {position} has malformed classifications.") from None
        if best_id not in classes:
            raise FormatError(f"{name}: classification category {best_id} is not in classification_categories.")
        label = classes[best_id]
        if descriptions.get(best_id) and labeller.map.lookup(label) is None:
            label = descriptions[best_id]  # the taxonomy: known where the common name is not, else kept as said
    spec = labeller.spec(categories[category], label, score)
    return {"bbox": bbox, "bbox_format": "normalized_displayed", "confidence": min(max(confidence, 0.0), 1.0), **spec}
