"""MegaDetector export: Herdbook's images and detections as MegaDetector batch output, format 1.5.

    {"info": {"format_version": "1.5", ...}, "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
     "classification_categories": {"1": "buck", ...}, "classification_category_descriptions": {...},
     "images": [{"file": "<path under IMAGE_ROOT>", "detections": [{"category", "conf", "bbox",
                 "classifications": [[id, score]], "reviewed"}]}]}

Herdbook's corrections are applied: a detection a reviewer marked invalid, and a duplicate box, are
left out; the label is the effective class (a reviewer's correction where there is one) as the
one classification of the box, scored 1.0 when a person set or confirmed it (``"reviewed": true``),
else the stored probability. Every processed image of the period is listed, with an empty
``detections`` list when nothing usable was found (the format's "no detections"). Boxes are
relative [x_min, y_min, width, height], top-left origin. Images are written one by one into the
file, so memory does not grow with the period. detections/megadetector.py reads the file back.
"""

import json
from datetime import UTC, datetime
from itertools import groupby

from core.taxonomy import TAXA
from core.vocabulary import CLASSIFICATIONS
from exports.camtrap_dp import _images_in_range, machine_classification, relative, selected_detections
from exports.selectors import detections_for_filter

FORMAT_VERSION = "1.5"
DETECTION_CATEGORIES = {"1": "animal", "2": "person", "3": "vehicle"}
CATEGORY_OF = {"human": "2", "vehicle": "3"}  # every other class is an animal
CLASS_IDS = {name: str(index) for index, name in enumerate(CLASSIFICATIONS, start=1)}
DETECTION_VALUES = (
    "id",
    "image_id",
    "image__file",
    "effective_classification",
    "corrected_classification",
    "is_reviewed",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "image__width",
    "image__height",
    "detector_model",
    "classifier_model",
    "classifier_score",
)


def header(created=None):
    created = created or datetime.now(UTC)
    return {
        "info": {
            "format_version": FORMAT_VERSION,
            "detection_completion_time": created.strftime("%Y-%m-%d %H:%M:%S"),
            "herdbook_export": "effective classes (reviewers' corrections applied); invalid and duplicate boxes left out",
        },
        "detection_categories": DETECTION_CATEGORIES,
        "classification_categories": {CLASS_IDS[name]: name for name in CLASSIFICATIONS},
        "classification_category_descriptions": {
            CLASS_IDS[name]: TAXA[name].scientific_name or TAXA[name].vernacular_name for name in CLASSIFICATIONS
        },
    }


def detection_entry(row):
    reviewed = bool(row["is_reviewed"] or row["corrected_classification"] is not None)
    score = 1.0 if reviewed else machine_classification(row)[1]
    width, height = row["image__width"], row["image__height"]
    return {
        "category": CATEGORY_OF.get(row["effective_classification"], "1"),
        "conf": round(float(row["confidence"]), 6),
        "bbox": [
            relative(row["bbox_x"], width),
            relative(row["bbox_y"], height),
            relative(row["bbox_width"], width),
            relative(row["bbox_height"], height),
        ],
        "classifications": [[CLASS_IDS[row["effective_classification"]], float(score)]],
        "reviewed": reviewed,
    }


def image_entries(params, chunk_size=2000):
    """(file, detections) per image of the period, in file order, streamed."""
    images = _images_in_range(params).filter(status="completed").order_by("file", "id").values_list("id", "file")
    if params.get("classifications"):
        images = images.filter(id__in=selected_detections(params).values("image_id"))
    detections = (
        detections_for_filter(
            params["start_date"], params["end_date"], params.get("location_ids"), params.get("classifications")
        )
        .order_by("image__file", "image_id", "-confidence", "id")
        .values(*DETECTION_VALUES)
        .iterator(chunk_size=chunk_size)
    )
    groups = groupby(detections, key=lambda row: (row["image__file"], row["image_id"]))
    pending = next(groups, None)
    for image_id, file in images.iterator(chunk_size=chunk_size):
        while pending is not None and pending[0] < (file, image_id):  # detections of an image not listed
            pending = next(groups, None)
        found = []
        if pending is not None and pending[0] == (file, image_id):
            found = [detection_entry(row) for row in pending[1]]
            pending = next(groups, None)
        yield file, found


def write_megadetector(params, path, progress=None):
    """Write the MegaDetector file for the filter `params`; returns {"images": n, "processed": detections}."""
    counts = {"images": 0, "processed": 0}
    document = header()
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(document, ensure_ascii=False)[:-1] + ', "images": [\n')
        for file, detections in image_entries(params):
            if counts["images"]:
                out.write(",\n")
            out.write(json.dumps({"file": file, "detections": detections}, ensure_ascii=False))
            counts["images"] += 1
            counts["processed"] += len(detections)
            if progress is not None and counts["images"] % 1000 == 0:
                progress(counts)
        out.write("\n]}\n")
    return counts
