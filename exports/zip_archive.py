"""The ZIP export: metadata.csv, crops, optional full images and missing.csv, written by streaming.

Memory stays bounded whatever the number of detections: rows come from a database iterator,
metadata.csv is written straight into its ZIP entry, each crop is encoded and stored before the
next image is read, full images are copied from disk in chunks. Crops are JPEGs that do not
compress further, so they are stored (ZIP_STORED); the CSV files are deflated.
"""

import csv
import io
import re
import uuid
import zipfile
from zoneinfo import ZoneInfo

from django.conf import settings
from PIL import Image as PILImage

from core.runner import Cancelled
from exports.selectors import zip_rows

METADATA_HEADER = [
    "detection_id",
    "image_id",
    "image_filename",
    "taken_at",
    "location",
    "classification",
    "model_classification",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "deer_id",
    "deer_name",
    "is_reviewed",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formulas (CSV injection): prefix such cells with a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_dirname(name):
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "").strip("._")
    return cleaned or "location"


def metadata_row(row, zones):
    zone = zones.get(row["location__timezone"])
    if zone is None:
        zone = zones[row["location__timezone"]] = ZoneInfo(row["location__timezone"] or settings.TIME_ZONE)
    return [
        safe_cell(value)
        for value in (
            str(row["id"]),
            str(row["image_id"]),
            row["image__filename"],
            row["taken_at"].astimezone(zone).isoformat(),
            row["location__name"],
            row["effective_classification"],
            row["classification"],
            f"{row['confidence']:.4f}",
            row["bbox_x"],
            row["bbox_y"],
            row["bbox_width"],
            row["bbox_height"],
            str(row["deer_id"]) if row["deer_id"] else "",
            row["deer__name"] or "",
            "true" if row["is_reviewed"] else "false",
        )
    ]


def crop_jpeg(picture, row, crop_size):
    """The bbox crop, shrunk to fit crop_size x crop_size (aspect kept), as JPEG q90 bytes."""
    x, y = row["bbox_x"], row["bbox_y"]
    box = (x, y, min(x + row["bbox_width"], picture.width), min(y + row["bbox_height"], picture.height))
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError("bounding box lies outside the image")
    crop = picture.crop(box)
    crop.thumbnail((crop_size, crop_size), PILImage.LANCZOS)
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _stored(name):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def write_zip(params, path, progress=None, total=None):
    """Write the archive for `params` (a ZipExportRequestSerializer.to_params dict) to `path`.

    progress(stage, percent, processed) -> bool; False means cancelled (raises Cancelled).
    Returns {"processed": n, "crops": n, "images": n, "missing": n}.
    """

    def report(stage, percent, processed, force=False):
        if progress is not None and progress(stage, percent, processed, force) is False:
            raise Cancelled()

    total = total or 0
    crop_size = int(params.get("crop_size", 300))
    include_crops = params.get("include_crops", True)
    include_images = params.get("include_images", False)
    include_csv = params.get("include_metadata_csv", True)
    requested = {uuid.UUID(value) for value in params.get("detection_ids", [])}
    found = set()
    counts = {"processed": 0, "crops": 0, "images": 0, "missing": 0}
    problems = []  # (detection_id, reason) for rows we could not export fully; bounded by N
    zones = {}
    report("collecting", 0, 0, force=True)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        if include_csv:
            with archive.open("metadata.csv", "w", force_zip64=True) as entry:
                text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(METADATA_HEADER)
                rows_written = 0
                for row in zip_rows(params):
                    writer.writerow(metadata_row(row, zones))
                    rows_written += 1
                if not (include_crops or include_images or requested):
                    counts["processed"] = rows_written
                text.flush()
                text.detach()
        if include_crops or include_images or requested:
            written_images = set()
            current_image_id, picture = None, None
            for row in zip_rows(params):
                found.add(row["id"])
                counts["processed"] += 1
                location_dir = safe_dirname(row["location__name"])
                image_path = settings.IMAGE_ROOT / row["image__file"]
                if include_crops:
                    if row["image_id"] != current_image_id:
                        current_image_id, picture = row["image_id"], None
                        try:
                            with PILImage.open(image_path) as opened:
                                picture = opened.convert("RGB")
                        except (OSError, ValueError) as exc:
                            picture = exc
                    if isinstance(picture, Exception):
                        problems.append((row["id"], f"image file unreadable: {row['image__filename']}"))
                    else:
                        try:
                            data = crop_jpeg(picture, row, crop_size)
                        except (OSError, ValueError) as exc:
                            problems.append((row["id"], f"crop failed: {exc}"))
                        else:
                            archive.writestr(_stored(f"crops/{location_dir}/{row['id']}.jpg"), data)
                            counts["crops"] += 1
                if include_images and row["image_id"] not in written_images:
                    written_images.add(row["image_id"])
                    if image_path.is_file():
                        archive.write(image_path, f"images/{location_dir}/{row['image__filename']}", zipfile.ZIP_STORED)
                        counts["images"] += 1
                    else:
                        problems.append((row["id"], f"image file missing: {row['image__filename']}"))
                percent = counts["processed"] * 100 // total if total else 0
                report("writing", min(percent, 99), counts["processed"])
        missing = sorted(str(value) for value in requested - found)
        counts["missing"] = len(missing)
        if missing or problems:
            with archive.open("missing.csv", "w") as entry:
                text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(["detection_id", "reason"])
                for value in missing:
                    writer.writerow([value, "detection not found"])
                for detection_id, reason in problems:
                    writer.writerow([str(detection_id), safe_cell(reason)])
                text.flush()
                text.detach()
    report("writing", 100 if total else 0, counts["processed"], force=True)
    return counts
