"""Training-data export: reviewed detections as a YOLO dataset in a ZIP.

    data.yaml                              path, train/val/test folders, nc, names (the Herdbook classes)
    images/{train,val,test}/<image id>.jpg the image files
    labels/{train,val,test}/<image id>.txt one line per box: class cx cy w h (relative to the image)
    splits.csv                             image id, location, taken_at, split

An image is included when it has at least one valid, non-duplicate detection and a person reviewed
every one of them (an unreviewed box would be a missing or wrong label). Its labels are the effective
classes (the reviewers' corrections).

The split is made on units that never straddle two sides: ``by="location"`` puts each camera site
wholly in one split (with three sites or more the two smallest seed test and val; the others go,
largest first, to the split furthest below its share);
``by="time"`` orders the bursts (an image without a burst is a unit of its own) by their first frame
and cuts the sequence at 70 % and 85 %, so the test set is the latest period and no burst has frames on
both sides of a cut.
"""

import csv
import io
import zipfile
from collections import defaultdict
from pathlib import PurePosixPath

from django.conf import settings

from core.runner import Cancelled
from core.vocabulary import CLASSIFICATIONS
from exports.camtrap_dp import _images_in_range, relative
from exports.selectors import detections_for_filter
from exports.zip_archive import safe_cell

SPLITS = ("train", "val", "test")
SHARES = (0.70, 0.15, 0.15)
CLASS_INDEX = {name: index for index, name in enumerate(CLASSIFICATIONS)}


def reviewed_images(params):
    """{image id: [detection rows]} of the images whose counted detections were all reviewed."""
    rows = (
        detections_for_filter(params["start_date"], params["end_date"], params.get("location_ids"))
        .filter(image_id__in=_images_in_range(params).values("id"))
        .order_by("image_id", "id")
        .values(
            "image_id",
            "image__file",
            "image__width",
            "image__height",
            "image__taken_at",
            "location__name",
            "burst",
            "is_reviewed",
            "effective_classification",
            "bbox_x",
            "bbox_y",
            "bbox_width",
            "bbox_height",
        )
    )
    images = defaultdict(list)
    for row in rows.iterator(chunk_size=2000):
        images[row["image_id"]].append(row)
    return {image_id: boxes for image_id, boxes in images.items() if all(box["is_reviewed"] for box in boxes)}


def split_units(images, by):
    """{image id: split}, never putting the frames of one burst (or one site, by location) on two sides."""
    units = defaultdict(list)  # unit key -> image ids
    for image_id, boxes in images.items():
        first = boxes[0]
        if by == "location":
            key = first["location__name"]
        else:
            key = str(first["burst"]) if first["burst"] else f"image-{image_id}"
        units[key].append(image_id)
    assignment = {}
    total = len(images) or 1
    if by == "location":
        sizes = dict.fromkeys(SPLITS, 0)
        keys = sorted(units, key=lambda k: (len(units[k]), k))
        if len(keys) >= 3:  # the two smallest sites seed test and val, so neither side is empty
            for split, key in (("test", keys.pop(0)), ("val", keys.pop(0))):
                sizes[split] += len(units[key])
                assignment.update(dict.fromkeys(units[key], split))
        for key in sorted(keys, key=lambda k: (-len(units[k]), k)):
            split = min(SPLITS, key=lambda s: (sizes[s] / total - SHARES[SPLITS.index(s)], SPLITS.index(s)))
            sizes[split] += len(units[key])
            assignment.update(dict.fromkeys(units[key], split))
        return assignment
    ordered = sorted(units, key=lambda k: min(images[i][0]["image__taken_at"] for i in units[k]))
    done = 0
    for key in ordered:
        share = done / total
        split = "train" if share < SHARES[0] else "val" if share < SHARES[0] + SHARES[1] else "test"
        assignment.update(dict.fromkeys(units[key], split))
        done += len(units[key])
    return assignment


def label_lines(boxes):
    lines = []
    for box in boxes:
        width, height = box["image__width"], box["image__height"]
        x, y = relative(box["bbox_x"], width), relative(box["bbox_y"], height)
        w, h = relative(box["bbox_width"], width), relative(box["bbox_height"], height)
        cx, cy = round(x + w / 2, 6), round(y + h / 2, 6)
        lines.append(f"{CLASS_INDEX[box['effective_classification']]} {cx} {cy} {w} {h}")
    return "\n".join(lines) + "\n"


def data_yaml():
    names = "\n".join(f"  {index}: {name}" for name, index in CLASS_INDEX.items())
    return (
        "# YOLO dataset written by Herdbook (reviewed detections; effective classes)\n"
        "path: .\ntrain: images/train\nval: images/val\ntest: images/test\n"
        f"nc: {len(CLASS_INDEX)}\nnames:\n{names}\n"
    )


def write_training_data(params, path, progress=None):
    """Write the dataset ZIP for `params` (filter + split_by); returns counts per split and "processed"."""
    images = reviewed_images(params)
    if not images:
        raise ValueError("no image in this period has only reviewed detections")
    assignment = split_units(images, params.get("split_by", "time"))
    counts = dict.fromkeys(SPLITS, 0) | {"processed": 0, "missing": 0}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("data.yaml", data_yaml())
        index = io.StringIO()
        table = csv.writer(index)
        table.writerow(["image_id", "location", "taken_at", "split"])
        for number, (image_id, boxes) in enumerate(sorted(images.items(), key=lambda item: str(item[0])), 1):
            source = settings.IMAGE_ROOT / boxes[0]["image__file"]
            if not source.is_file():
                counts["missing"] += 1
                continue
            split = assignment[image_id]
            suffix = PurePosixPath(boxes[0]["image__file"]).suffix.lower() or ".jpg"
            archive.write(source, f"images/{split}/{image_id}{suffix}", zipfile.ZIP_STORED)
            archive.writestr(f"labels/{split}/{image_id}.txt", label_lines(boxes))
            table.writerow(
                [image_id, safe_cell(boxes[0]["location__name"]), boxes[0]["image__taken_at"].isoformat(), split]
            )
            counts[split] += 1
            counts["processed"] += len(boxes)
            if progress is not None and progress("writing", number * 100 // len(images), counts["processed"]) is False:
                raise Cancelled()
        archive.writestr("splits.csv", index.getvalue())
    return counts
