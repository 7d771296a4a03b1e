"""Importing what a detection pipeline wrote (MegaDetector batch output, SpeciesNet predictions).

The format readers (detections.megadetector, detections.speciesnet) turn a results document into a
``Conversion``: ingest items plus everything they did not import and why. Nothing is written
until the whole document has been read and every location it needs is known (validation first: a
refused file changes nothing, not even locations). ``import_stream`` then stores the images
500 at a time, 5,000 a transaction, through the same validated ingest as POST /api/images/batch;
for an image stored already it updates the model's labels (never a reviewer's correction) when the
new output says something else, e.g. a classifier run after a detector-only import.
"""

import multiprocessing
import os
import pickle
import re
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db import transaction

from core.bulk import BulkSession
from core.vocabulary import CLASSIFICATIONS
from detections.import_errors import FormatError
from detections.ingest import MAX_BATCH_IMAGES, images_ingest_batch, probe_files
from detections.labels import LabelMap
from detections.models import Detection, Image, Location
from detections.selectors import location_by_reference

MODEL_FIELDS = ("classification", "model_label", "classifier_score", "classifier_model", "detector_model")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


@dataclass
class Conversion:
    items: list = field(default_factory=list)  # ingest items: file, folder, taken_at, detections, models
    failed: list = field(default_factory=list)  # (file, reason): images the pipeline did not process
    below_threshold: int = 0  # detections under the detector threshold
    unknown_category: int = 0  # detections of a category the file does not define (no detection)
    below_classifier_score: int = 0  # classifier labels under the minimum score (the box stays `animal`)
    unmapped: Counter = field(default_factory=Counter)  # classifier labels with no Herdbook class
    classified_without_box: int = 0  # SpeciesNet: an image-level prediction with no box over the threshold
    detector_model: str = ""
    classifier_model: str = ""
    min_confidence: float = 0.0
    total: int = 0  # images read when streamed (the items are not kept)

    def report(self):
        """The summary lines of what was not imported as it stood in the file."""
        lines = [f"skipped {name}: {reason}" for name, reason in self.failed]
        lines += [
            f"unmapped label (kept as model_label, class animal): {label} x{n}"
            for label, n in self.unmapped.most_common()
        ]
        return lines

    def counts(self):
        return {
            "images": self.total or len(self.items),
            "failed": len(self.failed),
            "below_threshold": self.below_threshold,
            "unknown_category": self.unknown_category,
            "below_classifier_score": self.below_classifier_score,
            "unmapped_labels": dict(self.unmapped.most_common(50)),
            "classified_without_box": self.classified_without_box,
            "detector_model": self.detector_model,
            "classifier_model": self.classifier_model,
            "min_confidence": self.min_confidence,
        }


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_threshold(value, name):
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FormatError(f"{name} must be a number between 0 and 1, got {value!r}.") from None
    if not 0.0 <= number <= 1.0:
        raise FormatError(f"{name} must be between 0 and 1, got {value!r}.")
    return number


def relative_path(name, image_root="", prefix=""):
    """The image's path relative to IMAGE_ROOT.

    Pipeline paths may be relative, absolute or Windows paths (backslashes, a drive letter); an
    absolute one must lie under ``image_root`` (the folder the pipeline saw, e.g. ``D:\\cams``),
    which is taken off. ``prefix`` is the folder under IMAGE_ROOT the rest is relative to.
    """
    text = str(name or "").strip().replace("\\", "/")
    if not text:
        raise FormatError("An image entry has no file name.")
    if text.startswith("/") or WINDOWS_DRIVE.match(text):
        root = str(image_root or "").strip().replace("\\", "/").rstrip("/")
        windows = bool(WINDOWS_DRIVE.match(text))
        if not root:
            raise FormatError(f"'{name}' is an absolute path; give --image-root, the folder the pipeline saw.")
        head, rest = (text[: len(root)], text[len(root) :]) if len(text) > len(root) else (text, "")
        same = head.lower() == root.lower() if windows else head == root
        if not same or not rest.startswith("/"):
            raise FormatError(f"'{name}' is not under the image root '{image_root}'.")
        text = rest.lstrip("/")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts or not parts:
        raise FormatError(f"'{name}' leaves the image folder.")
    return str(PurePosixPath(prefix, *parts)) if prefix else "/".join(parts)


class Labeller:
    """Our class for one box, from the detector's category and the classifier's label and score."""

    def __init__(self, conversion, label_map=None, min_classifier_score=0.5, animal_class="animal"):
        if animal_class not in CLASSIFICATIONS:
            raise FormatError(f"The animal class must be one of: {', '.join(CLASSIFICATIONS)}.")
        self.conversion = conversion
        self.map = label_map or LabelMap()
        self.min_score = check_threshold(min_classifier_score, "The minimum classifier score")
        self.animal_class = animal_class

    def detector_class(self, category_name):
        """The class of a box no classifier named: human, vehicle, or the animal class."""
        mapped = self.map.lookup(category_name)
        if mapped in (None, "animal"):
            return self.animal_class
        return mapped

    def spec(self, category_name, label=None, score=None):
        """classification, model_label and classifier_score for one box.

        A classifier label applies to animal boxes only: a person box the classifier calls a coyote stays human.
        """
        base = self.detector_class(category_name)
        is_animal = self.map.lookup(category_name) in (None, "animal")
        if label is None or not is_animal:
            return {"classification": base, "model_label": str(category_name or "")[:300], "classifier_score": None}
        label_text = str(label)[:300]
        score = None if score is None else max(0.0, min(1.0, float(score)))
        result = {"classification": base, "model_label": label_text, "classifier_score": score}
        if self.map.is_blank(label):
            return {**result, "classification": "animal"}  # the classifier saw nothing the detector boxed
        if score is not None and self.min_score is not None and score < self.min_score:
            self.conversion.below_classifier_score += 1
            return {**result, "classification": "animal"}
        mapped = self.map.lookup(label)
        if mapped is None:
            self.conversion.unmapped[label_text] += 1
            return {**result, "classification": "animal"}
        return {**result, "classification": mapped}


# --- storing ---------------------------------------------------------------------------------------


def location_resolver(fixed=None, create_locations=False):
    """location(item) -> Location; ``note(item)`` each item and ``check()`` first: it refuses unknown
    folders before anything is written, and ``create()`` makes the missing ones afterwards."""
    return Locations(fixed, create_locations)


class Locations:
    def __init__(self, fixed, create):
        self.fixed = None
        if fixed:
            self.fixed = location_by_reference(fixed)
            if self.fixed is None:
                raise FormatError(f"No location with id or name '{fixed}'.")
        self.create_missing = create
        self.by_folder = {}
        self.missing = []

    def note(self, item):
        """Learn the location of one item (the validating pass); FormatError when it names none."""
        if self.fixed is not None:
            return
        parts = PurePosixPath(item["folder"]).parts
        if len(parts) < 2:
            raise FormatError(f"'{item['folder']}' has no folder to name its location; use --location.")
        folder = parts[0]
        if folder not in self.by_folder:
            self.by_folder[folder] = location_by_reference(folder)
            if self.by_folder[folder] is None:
                self.missing.append(folder)

    def check(self):
        if self.missing and not self.create_missing:
            raise FormatError(
                f"No location named {', '.join(repr(f) for f in self.missing[:10])}"
                f"{' …' if len(self.missing) > 10 else ''}; create it, use --location or --create-locations."
            )

    def create(self):
        for folder in self.missing:
            self.by_folder[folder], _ = Location.objects.get_or_create(name=folder)
        self.missing = []

    def __call__(self, item):
        return self.fixed or self.by_folder[PurePosixPath(item["folder"]).parts[0]]


def import_stream(read, locations, dry_run=False, progress=None):
    """Import a results file: validate it all, then store it; returns (Conversion, totals).

    ``read(conversion)`` iterates the file's ingest items, counting what it skips on ``conversion``.
    The validating pass reads the file and writes nothing to the database (a refused file changes
    nothing, not even locations): the items it converts wait in a temporary file, 500 a record, and the
    writing pass stores them from there 500 images at a time (_store), without reading or converting the
    results file again. Memory does not grow with the file.
    """
    conversion = Conversion()
    with tempfile.TemporaryFile(prefix="herdbook-import-") as spool:
        items = iter(read(conversion))
        while chunk := list(islice(items, MAX_BATCH_IMAGES)):
            conversion.total += len(chunk)
            for item in chunk:
                locations.note(item)
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
        locations.check()
        if progress:
            progress(0, conversion.total)
        spool.seek(0)
        again = unspool(spool)
        if not dry_run:
            return conversion, _store(again, conversion.total, locations, progress)
        with transaction.atomic():
            totals = _store(again, conversion.total, locations, progress)
            transaction.set_rollback(True)
        return conversion, totals


def unspool(spool):
    """The items import_stream put in its temporary file (written by this process, unlinked when made)."""
    while True:
        try:
            chunk = pickle.load(spool)  # noqa: S301 - our own unnamed temporary file
        except EOFError:
            return
        yield from chunk


def _store(items, total, locations, progress):
    """Store the items, a transaction every TRANSACTION_CHUNKS chunks (SQLite writes each index page
    a transaction touches once, at its commit: the fewer commits, the fewer times the pages of the
    random keys are written; the web app writes in between); progress after each commit."""
    totals = {"created": 0, "existing": 0, "detections": 0, "rejected": 0, "relabelled": 0, "rejections": []}
    locations.create()
    done = 0
    with Prober(total) as prober, BulkSession(Image, Detection) as session:
        chunks = probed_chunks(items, locations, prober)
        while True:
            with transaction.atomic():
                stored = 0
                for chunk, probes in islice(chunks, TRANSACTION_CHUNKS):
                    import_chunk(chunk, totals, probes())
                    stored += len(chunk)
            if not stored:
                return totals
            done += stored
            session.written(totals["created"])
            if progress:
                progress(done, total)


TRANSACTION_CHUNKS = 10  # chunks of MAX_BATCH_IMAGES (500) images a transaction: 5,000 images


def probed_chunks(items, locations, prober):
    """(chunk, probes()) for each MAX_BATCH_IMAGES items: the files of the next chunk are read (in
    the Prober's processes) while the caller stores this one."""
    items, ahead = iter(items), None
    while True:
        chunk = [{**item, "location": locations(item)} for item in islice(items, MAX_BATCH_IMAGES)]
        started = prober.start(chunk) if chunk else None
        if ahead is not None:
            yield ahead
        if not chunk:
            return
        ahead = chunk, started


PROBE_SLICE = 50  # files a worker process reads per task
POOL_MIN_IMAGES = 2 * MAX_BATCH_IMAGES  # fewer images are read in this process: starting a pool costs more


def probe_workers():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Prober:
    """Reads the image files of the chunks ahead (ingest.probe_files: size, EXIF, hash) in a pool of
    processes, one a core, while this process writes the chunk before; start(chunk) -> a function
    returning the chunk's probes. Only the chunk being read and the one being written are in memory.
    Small imports, and a machine with one core, read the files here, when the chunk is written."""

    def __init__(self, total):
        workers = probe_workers()
        self.pool = None
        if workers > 1 and total >= POOL_MIN_IMAGES:
            # fork: the workers inherit the settings (IMAGE_ROOT, the size limits) and touch no database
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def start(self, chunk):
        files = [item["file"] for item in chunk]
        if self.pool is None:
            return lambda: probe_files(files)
        futures = [
            self.pool.submit(probe_files, files[first : first + PROBE_SLICE], first)
            for first in range(0, len(files), PROBE_SLICE)
        ]
        return lambda: [found for future in futures for found in future.result()]


def import_chunk(items, totals, probed=None):
    """Ingest one chunk; items the service rejects are reported and the rest imported. ``probed``: the
    chunk's files read already (ingest.probe_files)."""
    try:
        results = images_ingest_batch(items, probed)
    except ValidationError as error:
        bad = set()
        for key, messages in sorted(error.message_dict.items()):
            if not key.startswith("images."):
                raise FormatError(f"{key}: {' '.join(messages)}") from None
            _, index, field_name = (key.split(".", 2) + [""])[:3]
            bad.add(int(index))
            totals["rejections"].append(f"rejected {items[int(index)]['file']}: {field_name}: {' '.join(messages)}")
        totals["rejected"] += len(bad)
        keep = [index for index in range(len(items)) if index not in bad]
        again = [probed[index] for index in keep] if probed is not None else None
        results = images_ingest_batch([items[index] for index in keep], again) if keep else []
    existing = []
    for result in results:
        totals["created" if result["created"] else "existing"] += 1
        totals["detections"] += len(result["detection_ids"])
        if not result["created"]:
            existing.append(result)
    totals["relabelled"] += relabel(existing)


def relabel(results):
    """Bring the model's labels of images stored already up to date with the new output.

    A new box matches a stored one of the same image with the same pixel box; only the model's
    fields change (classification, model_label, classifier_score, the models), never a correction.
    """
    if not results:
        return 0
    images = {result["image"].pk: result for result in results}
    changed = []
    for detection in Detection.objects.filter(image_id__in=images).only("id", "image_id", *BOX, *MODEL_FIELDS):
        new = images[detection.image_id]["built"].get(tuple(getattr(detection, name) for name in BOX))
        if new is None:
            continue
        if any(getattr(new, name) != getattr(detection, name) for name in MODEL_FIELDS):
            for name in MODEL_FIELDS:
                setattr(detection, name, getattr(new, name))
            changed.append(detection)
    Detection.objects.bulk_update(changed, MODEL_FIELDS, batch_size=500)
    for result in results:
        image, models = result["image"], result["models"]
        if models["detector_model"] and (image.detector_model, image.classifier_model) != tuple(models.values()):
            Image.objects.filter(pk=image.pk).update(**models)
    return len(changed)


BOX = ("bbox_x", "bbox_y", "bbox_width", "bbox_height")
