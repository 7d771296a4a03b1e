"""Embeddings from the user's own ONNX model (REID_EMBEDDING_MODEL=/path/model.onnx, CPU only).

For every deer sighting without an embedding: crop its box with a margin from the image file
(EXIF-transposed), resize and normalise as the model says (ONNX metadata_props ``input_size``,
``mean``, ``std``, ``name``; settings override them), run the crops through the model in batches and
store the L2-normalised float32 vector with embedding_model = "<name>@<sha256 prefix of the file>",
so a new model file never mixes with the profiles of another. Nothing is ever downloaded.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image as PILImage
from PIL import ImageOps

from core.runner import execute
from core.vectors import VectorError, l2_normalise
from detections.models import Detection
from reid.live import mark_and_queue
from reid.models import ReidRun
from reid.runs import ReidError, save_progress
from reid.selectors import needing_embeddings

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class EmbeddingModelError(ReidError):
    """The embedding model cannot be used (not configured, missing, not a valid ONNX model)."""


@dataclass
class EmbeddingModel:
    session: object
    input_name: str
    name: str  # what is stored in embedding_model
    size: tuple  # (width, height)
    mean: np.ndarray
    std: np.ndarray

    def embed(self, crops):
        """Unit float32 vectors, one row per PIL crop."""
        batch = np.stack([self.preprocess(crop) for crop in crops])
        output = self.session.run(None, {self.input_name: batch})[0]
        return l2_normalise(np.asarray(output, dtype=np.float32).reshape(len(crops), -1))

    def preprocess(self, crop):
        array = np.asarray(crop.resize(self.size, PILImage.Resampling.BILINEAR), dtype=np.float32) / 255.0
        return ((array - self.mean) / self.std).transpose(2, 0, 1)


def _numbers(text, what, path):
    try:
        values = [float(v) for v in str(text).replace("x", ",").split(",") if v.strip()]
    except ValueError:
        raise EmbeddingModelError(
            f"The embedding model {path.name}: {what} '{text}' is not a list of numbers."
        ) from None
    return values


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(path=None):
    """The configured model, ready to run; EmbeddingModelError (a readable message) if it cannot be used."""
    import onnxruntime

    text = str(path or settings.REID_EMBEDDING_MODEL or "").strip()
    if not text:
        raise EmbeddingModelError("No embedding model is configured: set REID_EMBEDDING_MODEL to an .onnx file.")
    path = Path(text)
    if not path.is_file():
        raise EmbeddingModelError(f"REID_EMBEDDING_MODEL: there is no file {path}.")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for every kind of bad file
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        raise EmbeddingModelError(f"REID_EMBEDDING_MODEL: {path.name} is not a usable ONNX model ({first}).") from None
    meta = session.get_modelmeta().custom_metadata_map
    model_input = session.get_inputs()[0]
    shape = list(model_input.shape)
    if len(shape) != 4 or shape[1] not in (3, "3"):
        raise EmbeddingModelError(
            f"The embedding model {path.name} takes input of shape {shape}; an image model takes (batch, 3, height, width)."
        )
    size = _numbers(settings.REID_EMBEDDING_INPUT_SIZE or meta.get("input_size", ""), "input_size", path)
    if not size and all(isinstance(v, int) for v in shape[2:]):
        size = [shape[3], shape[2]]
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or min(size) < 1:
        raise EmbeddingModelError(
            f"The embedding model {path.name} does not say its input size: add metadata input_size "
            "('width,height') to the model or set REID_EMBEDDING_INPUT_SIZE."
        )
    mean = _numbers(settings.REID_EMBEDDING_MEAN or meta.get("mean", ""), "mean", path) or IMAGENET_MEAN
    std = _numbers(settings.REID_EMBEDDING_STD or meta.get("std", ""), "std", path) or IMAGENET_STD
    if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
        raise EmbeddingModelError(f"The embedding model {path.name}: mean and std need three values each, std > 0.")
    name = (meta.get("name") or path.stem).strip()[:80]
    return EmbeddingModel(
        session=session,
        input_name=model_input.name,
        name=f"{name}@{file_sha256(path)[:12]}",
        size=(int(size[0]), int(size[1])),
        mean=np.asarray(mean, dtype=np.float32),
        std=np.asarray(std, dtype=np.float32),
    )


def crop(picture, bbox, margin):
    """The box (x, y, w, h) widened by `margin` of its size on every side, clipped to the picture."""
    x, y, w, h = bbox
    dx, dy = w * margin, h * margin
    left, top = max(0, int(x - dx)), max(0, int(y - dy))
    right, bottom = min(picture.width, int(round(x + w + dx))), min(picture.height, int(round(y + h + dy)))
    if right <= left or bottom <= top:
        return None
    return picture.crop((left, top, right, bottom))


def _crops(detections, margin):
    """(detection, crop) for each detection whose image file can be read; the others as errors."""
    by_image, errors = {}, []
    for detection in detections:
        by_image.setdefault(detection.image_id, []).append(detection)
    for members in by_image.values():
        image = members[0].image
        try:
            with PILImage.open(image.path) as opened:
                picture = ImageOps.exif_transpose(opened).convert("RGB")
        except (OSError, ValueError) as exc:
            errors.append(f"Image {image.filename}: cannot be read ({exc.__class__.__name__}).")
            continue
        for detection in members:
            piece = crop(picture, detection.bbox, settings.REID_EMBEDDING_MARGIN)
            if piece is None:
                errors.append(f"Detection {detection.id}: its box lies outside the image.")
            else:
                yield detection, piece
    for error in errors:
        yield None, error


def embed_missing(model, progress=None, batch_size=None):
    """Compute and store embeddings of every deer sighting lacking one. Returns (ids stored, errors)."""
    batch_size = batch_size or settings.REID_EMBEDDING_BATCH
    ids = list(needing_embeddings().order_by("image_id", "id").values_list("id", flat=True))
    stored, errors = [], []
    for start in range(0, len(ids), 256):
        chunk = Detection.objects.filter(id__in=ids[start : start + 256]).select_related("image")
        ready = []
        for detection, piece in _crops(chunk, settings.REID_EMBEDDING_MARGIN):
            if detection is None:
                errors.append(piece)
            else:
                ready.append((detection, piece))
        for offset in range(0, len(ready), batch_size):
            batch = ready[offset : offset + batch_size]
            try:
                vectors = model.embed([piece for _, piece in batch])
            except VectorError as exc:
                errors.append(f"{len(batch)} crops gave unusable vectors ({exc}).")
                continue
            for (detection, _), vector in zip(batch, vectors, strict=True):
                detection.embedding, detection.embedding_model = vector.tobytes(), model.name
            Detection.objects.bulk_update([d for d, _ in batch], ["embedding", "embedding_model"])
            stored += [d.id for d, _ in batch]
        if progress:
            progress(min(start + 256, len(ids)), len(ids))
    return stored, errors


def execute_embed_run(run_id):
    """The background job after imports: embed what lacks an embedding, then queue live matching."""
    run = ReidRun.objects.get(pk=run_id)

    def work(run):
        model = load_model()

        def progress(done, total):
            save_progress(run, processed_count=done, total_count=total)

        stored, errors = embed_missing(model, progress)
        run.params = {**run.params, "embedding_model": model.name, "embedded": len(stored), "errors": len(errors)}
        if errors:
            run.error = f"{len(errors)} detection(s) got no embedding:\n" + "\n".join(errors[:20])
        if stored:
            mark_and_queue(stored)

    execute(run, work)
    return str(run.id)
