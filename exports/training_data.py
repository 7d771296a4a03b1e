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
import heapq
import io
import shutil
import tempfile
import zipfile
from itertools import groupby
from pathlib import PurePosixPath

from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Window

from core.runner import Cancelled
from core.vocabulary import CLASSIFICATIONS
from exports.camtrap_dp import _images_in_range, relative
from exports.selectors import detections_for_filter
from exports.zip_archive import safe_cell

SPLITS = ("train", "val", "test")
SHARES = (0.70, 0.15, 0.15)
CLASS_INDEX = {name: index for index, name in enumerate(CLASSIFICATIONS)}
CHUNK = 2000
BOX_FIELDS = (
    "image_id",
    "image__file",
    "image__width",
    "image__height",
    "image__taken_at",
    "location__name",
    "burst",
    "effective_classification",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
)


def reviewed_boxes(params):
    """The counted detections of the period's images whose counted detections were all reviewed."""
    boxes = detections_for_filter(params["start_date"], params["end_date"], params.get("location_ids")).filter(
        image_id__in=_images_in_range(params).values("id")
    )
    unreviewed = boxes.filter(image_id=OuterRef("image_id"), is_reviewed=False)
    return boxes.filter(~Exists(unreviewed))


def time_units(boxes):
    """(first frame, unit key, images) of every unit in time order, streamed from two GROUP BYs: a
    burst, or an image outside any burst."""
    bursts = (
        boxes.exclude(burst=None)
        .values("burst")
        .annotate(first=Min("image__taken_at"), n=Count("image_id", distinct=True))
        .order_by("first", "burst")
    )
    singles = (
        boxes.filter(burst=None)
        .exclude(image_id__in=boxes.exclude(burst=None).values("image_id"))
        .values("image_id")
        .annotate(first=Min("image__taken_at"))
        .order_by("first", "image_id")
    )
    return heapq.merge(
        ((row["first"], str(row["burst"]), row["n"]) for row in bursts.iterator(chunk_size=CHUNK)),
        ((row["first"], f"image-{row['image_id']}", 1) for row in singles.iterator(chunk_size=CHUNK)),
    )


def time_cuts(units, total):
    """{split: (first frame, unit key) of its first unit} for val and test. Units in time order go to
    train while under 70 % of the images come before them, then to val while under 85 %, then to test,
    so no unit straddles a cut. Reads the units once, keeping nothing per unit."""
    cuts, done = {}, 0
    for first, key, images in units:
        share = done / total
        split = "train" if share < SHARES[0] else "val" if share < SHARES[0] + SHARES[1] else "test"
        cuts.setdefault(split, (first, key))
        done += images
    cuts.pop("train", None)
    return cuts


def split_at(position, cuts):
    """The split of the unit at position (first frame, unit key), given time_cuts()."""
    for split in ("test", "val"):
        if split in cuts and position >= cuts[split]:
            return split
    return "train"


def location_splits(sizes):
    """{location: split} from {location: images}: each site wholly in one split (with three sites or
    more the two smallest seed test and val; the others go, largest first, to the split furthest
    below its share)."""
    total = sum(sizes.values()) or 1
    placed = dict.fromkeys(SPLITS, 0)
    assignment = {}
    keys = sorted(sizes, key=lambda k: (sizes[k], k))
    if len(keys) >= 3:  # the two smallest sites seed test and val, so neither side is empty
        for split, key in (("test", keys.pop(0)), ("val", keys.pop(0))):
            placed[split] += sizes[key]
            assignment[key] = split
    for key in sorted(keys, key=lambda k: (-sizes[k], k)):
        split = min(SPLITS, key=lambda s: (placed[s] / total - SHARES[SPLITS.index(s)], SPLITS.index(s)))
        placed[split] += sizes[key]
        assignment[key] = split
    return assignment


def image_splits(boxes, by, total):
    """A function (first box row of an image) -> its split; the rows must carry unit_first (time)."""
    if by == "location":
        sizes = boxes.values("location__name").annotate(n=Count("image_id", distinct=True)).order_by()
        assignment = location_splits({row["location__name"]: row["n"] for row in sizes})
        return lambda row: assignment[row["location__name"]]
    cuts = time_cuts(time_units(boxes), total)

    def split(row):
        if row["burst"]:
            return split_at((row["unit_first"], str(row["burst"])), cuts)
        return split_at((row["image__taken_at"], f"image-{row['image_id']}"), cuts)

    return split


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


def images_with_boxes(boxes):
    """(image id, [its box rows]) one image at a time, streamed in image id order; each row carries
    unit_first, the first frame of its burst (a window over the reviewed boxes)."""
    rows = (
        boxes.annotate(unit_first=Window(Min("image__taken_at"), partition_by=[F("burst")]))
        .order_by("image_id", "id")
        .values(*BOX_FIELDS, "unit_first")
    )
    for image_id, group in groupby(rows.iterator(chunk_size=CHUNK), key=lambda row: row["image_id"]):
        yield image_id, list(group)


def write_training_data(params, path, progress=None):
    """Write the dataset ZIP for `params` (filter + split_by); returns counts per split and "processed".

    Streamed: the split comes from aggregates (GROUP BYs), then the boxes are read one image at a
    time; splits.csv is spooled to a temporary file. Memory does not grow with the period."""
    boxes = reviewed_boxes(params)
    total = boxes.values("image_id").distinct().count()
    if not total:
        raise ValueError("no image in this period has only reviewed detections")
    split_of = image_splits(boxes, params.get("split_by", "time"), total)
    counts = dict.fromkeys(SPLITS, 0) | {"processed": 0, "missing": 0}
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        tempfile.TemporaryFile() as spool,
    ):
        index = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
        archive.writestr("data.yaml", data_yaml())
        table = csv.writer(index)
        table.writerow(["image_id", "location", "taken_at", "split"])
        for number, (image_id, image_boxes) in enumerate(images_with_boxes(boxes), 1):
            first = next((box for box in image_boxes if box["burst"]), image_boxes[0])  # the image's unit
            source = settings.IMAGE_ROOT / first["image__file"]
            if not source.is_file():
                counts["missing"] += 1
                continue
            split = split_of(first)
            suffix = PurePosixPath(first["image__file"]).suffix.lower() or ".jpg"
            archive.write(source, f"images/{split}/{image_id}{suffix}", zipfile.ZIP_STORED)
            archive.writestr(f"labels/{split}/{image_id}.txt", label_lines(image_boxes))
            table.writerow([image_id, safe_cell(first["location__name"]), first["image__taken_at"].isoformat(), split])
            counts[split] += 1
            counts["processed"] += len(image_boxes)
            if progress is not None and progress("writing", number * 100 // total, counts["processed"]) is False:
                raise Cancelled()
        index.detach()  # spool stays open
        spool.seek(0)
        with archive.open("splits.csv", "w") as out:
            shutil.copyfileobj(spool, out)
    return counts
