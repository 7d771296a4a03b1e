"""Image files on disk: the original, cached thumbnails and cached detection crops.

Thumbnails and crops are written once under THUMBNAIL_ROOT (default IMAGE_ROOT/.thumbnails) as
``<image id>_<size>.jpg`` / ``crop_<detection id>_<size>.jpg`` and served from there afterwards.
"""

from pathlib import Path

from django.conf import settings

from core.files import contained_file
from detections import imaging

MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 32, 1024, 300


class ImageFileMissing(Exception):
    """The stored file of an image is missing or unreadable."""


def thumbnail_root():
    configured = getattr(settings, "THUMBNAIL_ROOT", None)
    return Path(configured) if configured else Path(settings.IMAGE_ROOT) / ".thumbnails"


def original_path(image):
    root = Path(settings.IMAGE_ROOT).resolve()
    path = (root / image.file).resolve()
    if root not in path.parents or not path.is_file():
        raise ImageFileMissing(f"Image file not found: {image.file}")
    return path


def media_type(path):
    return "image/png" if str(path).lower().endswith(".png") else "image/jpeg"


def _cached(target, image, size, box=None):
    if contained_file(thumbnail_root(), target):
        return target
    if target.is_symlink():  # never served: replaced by a freshly rendered file
        target.unlink()
    source = original_path(image)
    try:
        imaging.render_jpeg(source, target, size, box)
    except OSError as error:
        raise ImageFileMissing(f"The image file cannot be read: {error}") from error
    if not contained_file(thumbnail_root(), target):  # a linked directory in the cache: never served
        raise ImageFileMissing("The cached image cannot be served: the cache holds a symbolic link.")
    return target


def thumbnail_path(image, size=DEFAULT_SIZE):
    """Path of a JPEG thumbnail fitting size x size; made on first use."""
    return _cached(thumbnail_root() / str(image.pk)[:2] / f"{image.pk}_{size}.jpg", image, size)


def crop_path(detection, size=DEFAULT_SIZE):
    """Path of a JPEG of the detection's bounding box fitting size x size; made on first use."""
    target = thumbnail_root() / "crops" / str(detection.pk)[:2] / f"crop_{detection.pk}_{size}.jpg"
    return _cached(target, detection.image, size, detection.bbox)
